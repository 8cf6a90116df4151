"""ember.backends: torch.backends' flags and queries, answered as a CPU-only PyTorch build answers them.

Each `ember.backends.<name>` is a module (so `import torch.backends.cudnn as cudnn` works) whose flags a
program can read and set; Ember's NumPy kernels do not depend on them. `cuda.matmul.allow_tf32` is the
float32 matmul precision seen from the CUDA side, as in torch."""
import contextlib
import sys
import types

from .._backend import xp

_PRECISIONS = ("highest", "high", "medium")
_state = {"float32_matmul_precision": "highest"}


def set_float32_matmul_precision(precision):
    """torch.set_float32_matmul_precision: 'highest', 'high' or 'medium' (Ember computes float32 at full
    precision whatever is asked)."""
    if precision not in _PRECISIONS:
        import warnings
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _state["float32_matmul_precision"] = precision


def get_float32_matmul_precision():
    return _state["float32_matmul_precision"]


def _submodule(name, doc, **attrs):
    """A module ember.backends.<name> holding `attrs`, importable by its dotted name."""
    mod = types.ModuleType(f"{__name__}.{name}", doc)
    mod.__dict__.update(attrs)
    sys.modules[mod.__name__] = mod
    return mod


def _flags_context(mod, names):
    """mod.flags(...): set the given flags for the block, restore them after (torch's signature: every flag
    has a default, so unnamed ones are set to it too)."""
    @contextlib.contextmanager
    def flags(**kwargs):
        unknown = set(kwargs) - set(names)
        if unknown:
            raise TypeError(f"flags() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        saved = {n: getattr(mod, n) for n in names}
        try:
            for n, default in names.items():
                setattr(mod, n, kwargs.get(n, default))
            yield
        finally:
            for n, v in saved.items():
                setattr(mod, n, v)
    return flags


def _answer(value):
    return lambda *args, **kwargs: value


cudnn = _submodule("cudnn", "torch.backends.cudnn: cuDNN is absent; its flags are kept for programs that set them.",
                   enabled=True, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
                   fp32_precision="none", is_available=_answer(False), version=_answer(None),
                   is_acceptable=_answer(False))
cudnn.flags = _flags_context(cudnn, dict(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
                                         allow_tf32=True, fp32_precision="none"))
cudnn.benchmark_limit = None  # torch reads None until a CUDA build sets it

mkldnn = _submodule("mkldnn", "torch.backends.mkldnn: oneDNN flags (Ember's CPU kernels are its own).",
                    enabled=True, deterministic=False, allow_tf32=None, fp32_precision="none",
                    is_available=_answer(True))
mkldnn.flags = _flags_context(mkldnn, dict(enabled=False, deterministic=False, allow_tf32=True,
                                           fp32_precision="none"))


class _CuBLASFlags:
    """torch.backends.cuda.matmul: cuBLAS flags; allow_tf32 mirrors the float32 matmul precision."""
    _defaults = dict(allow_fp16_reduced_precision_reduction=True, allow_bf16_reduced_precision_reduction=True,
                     allow_fp16_accumulation=False, fp32_precision="none")

    def __init__(self):
        object.__setattr__(self, "_values", dict(self._defaults))

    def __getattr__(self, name):
        if name == "allow_tf32":
            return _state["float32_matmul_precision"] != "highest"
        if name in self._values:
            return self._values[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            _state["float32_matmul_precision"] = "high" if value else "highest"
        elif name in self._values:
            self._values[name] = value
        else:
            raise AttributeError(f"Unknown attribute {name}")


_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def _sdp_switch(kind):
    def enable(enabled):
        _sdp[kind] = bool(enabled)

    def enabled():
        return _sdp[kind]
    return enable, enabled


cuda = _submodule("cuda", "torch.backends.cuda: the CUDA build flags (not built here) and cuBLAS/SDPA switches.",
                  is_built=_answer(False), matmul=_CuBLASFlags(), is_flash_attention_available=_answer(False),
                  is_ck_sdpa_available=_answer(False))
for _kind in _sdp:
    _on, _is_on = _sdp_switch(_kind)
    setattr(cuda, f"enable_{_kind}_sdp", _on)
    setattr(cuda, f"{_kind}_sdp_enabled", _is_on)

mps = _submodule("mps", "torch.backends.mps: no Metal here.", is_available=_answer(False), is_built=_answer(False))
openmp = _submodule("openmp", "torch.backends.openmp.", is_available=_answer(True))
mkl = _submodule("mkl", "torch.backends.mkl.", is_available=_answer(True))
nnpack = _submodule("nnpack", "torch.backends.nnpack.", is_available=_answer(True))
kleidiai = _submodule("kleidiai", "torch.backends.kleidiai.", is_available=_answer(False))
opt_einsum = _submodule("opt_einsum", "torch.backends.opt_einsum: einsum contracts in NumPy's order here.",
                        enabled=False, strategy=None, is_available=_answer(False), get_opt_einsum=_answer(None))
mha = _submodule("mha", "torch.backends.mha.", _fastpath=[True])
mha.get_fastpath_enabled = lambda: mha._fastpath[0]
mha.set_fastpath_enabled = lambda value: mha._fastpath.__setitem__(0, bool(value))


def _cpu_capability():
    """The widest vector ISA ATen would dispatch to on this CPU, named as torch names it."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as f
    except ImportError:  # NumPy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as f
    if all(f.get(k) for k in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")):
        return "AVX512"
    return "AVX2" if f.get("AVX2") else "DEFAULT"


cpu = _submodule("cpu", "torch.backends.cpu.", get_cpu_capability=_cpu_capability)
del _kind, _on, _is_on, xp
