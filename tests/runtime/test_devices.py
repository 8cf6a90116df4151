"""torch.accelerator, torch.cuda/mps/xpu and the device predicates, against CPU-only torch 2.13."""
import warnings

import pytest
import torch

import ember
from .conftest import same_outcome

ACCELERATOR_CALLS = [
    ("is_available", ()), ("current_accelerator", ()), ("device_count", ()), ("current_device_index", ()),
    ("set_device_index", (0,)), ("synchronize", ()), ("current_stream", ()), ("memory_allocated", ()),
    ("max_memory_allocated", ()), ("memory_reserved", ()), ("max_memory_reserved", ()), ("empty_cache", ()),
    ("memory_stats", ()), ("reset_peak_memory_stats", ()), ("reset_accumulated_memory_stats", ()),
    ("get_memory_info", ()), ("empty_host_cache", ()), ("get_device_capability", ()), ("current_device_idx", ()),
    ("set_device_idx", (0,)),
]


@pytest.mark.parametrize("name,args", ACCELERATOR_CALLS, ids=[c[0] for c in ACCELERATOR_CALLS])
def test_accelerator_calls(name, args):
    same_outcome("accelerator." + name, args)


def test_accelerator_current_accelerator_check_available():
    assert ember.accelerator.current_accelerator(check_available=True) is \
        torch.accelerator.current_accelerator(check_available=True) is None


def entered(context):
    try:
        with context:
            return "entered"
    except RuntimeError as e:
        return str(e)


@pytest.mark.parametrize("index", [None, 0])
def test_accelerator_device_index_context(index):
    assert entered(ember.accelerator.device_index(index)) == entered(torch.accelerator.device_index(index))


def test_accelerator_deprecated_names_warn_as_torch():
    for mod in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError):
                mod.accelerator.current_device_idx()
        assert [(x.category, str(x.message)) for x in w] == [(FutureWarning, "Use `current_device_index` instead.")]


CUDA_CALLS = [
    ("is_available", ()), ("device_count", ()), ("is_initialized", ()), ("init", ()), ("synchronize", ()),
    ("current_device", ()), ("get_device_name", ()), ("get_device_properties", ()), ("get_device_capability", ()),
    ("empty_cache", ()), ("memory_allocated", ()), ("max_memory_allocated", ()), ("memory_reserved", ()),
    ("max_memory_reserved", ()), ("memory_stats", ()), ("manual_seed", (3,)), ("manual_seed_all", (3,)),
    ("seed", ()), ("seed_all", ()), ("initial_seed", ()), ("get_rng_state", ()), ("get_rng_state_all", ()),
    ("is_bf16_supported", ()), ("is_tf32_supported", ()), ("current_stream", ()), ("default_stream", ()),
    ("mem_get_info", ()), ("get_arch_list", ()), ("get_gencode_flags", ()), ("ipc_collect", ()),
    ("set_per_process_memory_fraction", (0.5,)), ("set_device", (-1,)), ("Stream", ()), ("Event", ()),
    ("memory_summary", ()),
]


@pytest.mark.parametrize("name,args", CUDA_CALLS, ids=[c[0] for c in CUDA_CALLS])
def test_cuda_calls(name, args):
    same_outcome("cuda." + name, args)


@pytest.mark.parametrize("name", ["set_device", "reset_peak_memory_stats"])
def test_cuda_calls_needing_a_device_raise_torchs_type(name):
    same_outcome("cuda." + name, (0,) if name == "set_device" else (), check_message=False)


@pytest.mark.parametrize("index", [-1, 0])
def test_cuda_device_context(index):
    assert entered(ember.cuda.device(index)) == entered(torch.cuda.device(index))


@pytest.mark.parametrize("dotted,args", [("mps.is_available", ()), ("mps.device_count", ()), ("mps.manual_seed", (1,)),
                                         ("mps.synchronize", ()), ("mps.empty_cache", ()),
                                         ("mps.current_allocated_memory", ()), ("xpu.is_available", ()),
                                         ("xpu.device_count", ()), ("xpu.synchronize", ()),
                                         ("mtia.is_available", ()), ("mtia.device_count", ())])
def test_other_accelerator_modules(dotted, args):
    same_outcome(dotted, args)


PREDICATES = ["is_cpu", "is_cuda", "is_xpu", "is_mps", "is_meta", "is_ipu", "is_maia", "is_mtia", "is_mkldnn",
              "is_vulkan", "is_xla", "is_nested", "is_sparse", "is_sparse_csr", "is_quantized"]


@pytest.mark.parametrize("name", PREDICATES)
def test_tensor_device_predicates(name):
    t, e = torch.nn.Linear(2, 2).weight, ember.nn.Linear(2, 2).weight  # parameters are tensors too
    assert getattr(e, name) == getattr(t, name)
    assert getattr(ember.ones(2), name) == getattr(torch.ones(2), name)


def test_every_torch_is_predicate_exists():
    names = [n for n in dir(torch.ones(1)) if n.startswith("is_") and not callable(getattr(torch.ones(1), n))]
    assert set(names) <= set(PREDICATES + ["is_leaf"])
    assert all(hasattr(ember.ones(1), n) for n in names)


@pytest.mark.parametrize("target", ["cuda", "cuda:0", "xpu", "mps", "ipu", "mtia"])
def test_moving_to_an_absent_device_raises_as_torch(target):
    def move(mod, how):
        try:
            how(mod)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).split(".")[0]  # the rest of torch's text is about its build
        return "moved"
    for how in (lambda m: m.ones(2).to(target), lambda m: m.ones(2, device=target),
                lambda m: m.nn.Linear(1, 1).to(target)):
        assert move(ember, how) == move(torch, how)


@pytest.mark.parametrize("method", ["cuda", "xpu", "ipu"])
def test_tensor_and_module_device_methods(method):
    for make in (lambda m: m.ones(2), lambda m: m.nn.Linear(1, 1)):
        with pytest.raises(Exception) as te:
            getattr(make(torch), method)()
        with pytest.raises(type(te.value), match=str(te.value)[:20]):
            getattr(make(ember), method)()


@pytest.mark.parametrize("spec", ["cuda", "cuda:1", "mps", "xpu:0", "cpu"])
def test_device_objects(spec):
    t, e = torch.device(spec), ember.device(spec)
    assert (repr(e), str(e), e.type, e.index) == (repr(t), str(t), t.type, t.index)


def made_on(mod, target, make):
    """What creating a tensor gives after set_default_device(target) (or inside `with device(target)`)."""
    try:
        if make == "context":
            with mod.device(target):
                inside = str(mod.get_default_device()), str(mod.ones(1).device)
        else:
            mod.set_default_device(target)
            inside = str(mod.get_default_device()), str(mod.ones(1).device), str(mod.tensor([1.0]).device)
    except Exception as e:  # noqa: BLE001
        inside = type(e).__name__, str(e).split(".")[0]
    finally:
        mod.set_default_device(None)
    return inside, str(mod.get_default_device()), str(mod.zeros(1).device)


@pytest.mark.parametrize("target,make", [("cpu", "set"), ("cuda", "set"), (None, "set"), ("cpu", "context"),
                                         ("cuda", "context")])
def test_default_device(target, make):
    assert made_on(ember, target, make) == made_on(torch, target, make)


def test_generator_on_cuda_is_refused():
    for mod in (torch, ember):
        with pytest.raises(RuntimeError, match="Cannot get CUDA generator without ATen_cuda library"):
            mod.Generator(device="cuda")
