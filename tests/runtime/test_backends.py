"""torch.backends flags, matmul precision, deterministic algorithms and thread counts, against torch 2.13.

Every test that sets a flag restores torch's and Ember's defaults after itself."""
import importlib
import warnings

import pytest
import torch

import ember
from .conftest import same_outcome

FLAGS = ["cudnn.enabled", "cudnn.benchmark", "cudnn.deterministic", "cudnn.allow_tf32", "cudnn.benchmark_limit",
         "cudnn.fp32_precision", "mkldnn.enabled", "mkldnn.deterministic", "mkldnn.allow_tf32",
         "cuda.matmul.allow_tf32", "cuda.matmul.allow_fp16_reduced_precision_reduction",
         "cuda.matmul.allow_bf16_reduced_precision_reduction", "cuda.matmul.allow_fp16_accumulation",
         "opt_einsum.enabled", "opt_einsum.strategy"]
QUERIES = ["cudnn.is_available", "cudnn.version", "cuda.is_built", "mps.is_available", "mps.is_built",
           "mkldnn.is_available", "openmp.is_available", "mkl.is_available", "opt_einsum.is_available",
           "cpu.get_cpu_capability", "cuda.flash_sdp_enabled", "cuda.math_sdp_enabled",
           "cuda.mem_efficient_sdp_enabled", "cuda.is_flash_attention_available", "mha.get_fastpath_enabled",
           "kleidiai.is_available", "nnpack.is_available"]


@pytest.fixture(autouse=True)
def restore():
    yield
    for mod in (torch, ember):
        mod.backends.cudnn.benchmark = mod.backends.cudnn.deterministic = False
        mod.backends.cudnn.enabled = True
        mod.set_float32_matmul_precision("highest")
        mod.use_deterministic_algorithms(False)
        mod.backends.cuda.enable_flash_sdp(True)


@pytest.mark.parametrize("name", FLAGS)
def test_flag_defaults(name):
    same_outcome("backends." + name, None)


@pytest.mark.parametrize("name", QUERIES)
def test_queries(name):
    same_outcome("backends." + name)


@pytest.mark.parametrize("name", ["cudnn", "cuda", "mps", "mkldnn", "openmp", "opt_einsum", "cpu", "mkl"])
def test_backends_are_importable_modules(name):
    mod = importlib.import_module("ember.backends." + name)
    assert mod is getattr(ember.backends, name)


@pytest.mark.parametrize("name,value", [("cudnn.benchmark", True), ("cudnn.deterministic", True),
                                        ("cudnn.enabled", False)])
def test_flags_set_and_read_back(name, value):
    for mod in (torch, ember):
        owner, attr = name.split(".")
        setattr(getattr(mod.backends, owner), attr, value)
    same_outcome("backends." + name, None)


@pytest.mark.parametrize("precision", ["highest", "high", "medium", "bogus"])
def test_float32_matmul_precision_and_tf32(precision):
    record = {}
    for mod in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            mod.set_float32_matmul_precision("medium")
            mod.set_float32_matmul_precision(precision)
        record[mod] = (mod.get_float32_matmul_precision(), mod.backends.cuda.matmul.allow_tf32,
                       [x.category for x in w])
    assert record[ember] == record[torch]


@pytest.mark.parametrize("allow", [True, False])
def test_allow_tf32_sets_the_precision(allow):
    for mod in (torch, ember):
        mod.backends.cuda.matmul.allow_tf32 = allow
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision()


def test_unknown_cublas_flag_is_an_error():
    for mod in (torch, ember):
        with pytest.raises(AttributeError, match="Unknown attribute nonexistent"):
            mod.backends.cuda.matmul.nonexistent = 1
        with pytest.raises(AttributeError, match="Unknown attribute nonexistent"):
            mod.backends.cuda.matmul.nonexistent


@pytest.mark.parametrize("kwargs", [{}, {"enabled": False, "benchmark": True}, {"deterministic": True}])
def test_cudnn_flags_context(kwargs):
    seen = {}
    for mod in (torch, ember):
        c = mod.backends.cudnn
        c.benchmark = True
        with c.flags(**kwargs):
            inside = (c.enabled, c.benchmark, c.deterministic)
        seen[mod] = inside, (c.enabled, c.benchmark, c.deterministic)
    assert seen[ember] == seen[torch]


def test_sdp_switches():
    for mod in (torch, ember):
        mod.backends.cuda.enable_flash_sdp(False)
    same_outcome("backends.cuda.flash_sdp_enabled")


@pytest.mark.parametrize("mode,warn_only", [(True, False), (True, True), (False, True), (1, False)])
def test_deterministic_algorithms(mode, warn_only):
    def run(mod):
        try:
            mod.use_deterministic_algorithms(mode, warn_only=warn_only)
        except TypeError as e:
            return str(e)
        return (mod.are_deterministic_algorithms_enabled(), mod.is_deterministic_algorithms_warn_only_enabled(),
                mod.get_deterministic_debug_mode())
    assert run(ember) == run(torch)


@pytest.mark.parametrize("debug_mode", ["default", "warn", "error", 0, 1, 2, 5, "loud", 1.0])
def test_deterministic_debug_mode(debug_mode):
    same_outcome("set_deterministic_debug_mode", (debug_mode,))
    same_outcome("get_deterministic_debug_mode")


@pytest.mark.parametrize("n", [0, -2, 1.5])
def test_thread_count_errors(n):
    same_outcome("set_num_threads", (n,))
    same_outcome("set_num_interop_threads", (n,))


def test_thread_counts():
    assert ember.get_num_interop_threads() == torch.get_num_interop_threads()
    n = ember.get_num_threads()
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    ember.set_num_threads(n)
