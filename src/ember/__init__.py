"""Ember: a deep learning framework on NumPy that speaks PyTorch's API.

    import ember as torch
"""
__version__ = "0.1.0"

from . import _dtype
from ._dtype import (dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,  # noqa: F401
                     float64, complex64, complex128, get_default_dtype, set_default_dtype, promote_types,
                     can_cast)
from ._backend import device, xp as _xp, set_default_device, get_default_device  # noqa: F401
from ._tensor import Tensor, Size  # noqa: F401
from . import _ops
from ._ops import FUNCTIONS as _FUNCTIONS
from ._random import (Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state,  # noqa: F401
                      default_generator)
from ._printing import set_printoptions, get_printoptions, printoptions  # noqa: F401
from ._storage import TypedStorage, UntypedStorage  # noqa: F401
from . import autograd  # noqa: F401
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled  # noqa: F401
from .autograd import is_inference_mode_enabled  # noqa: F401
from .autograd import is_anomaly_enabled, is_anomaly_check_nan_enabled, set_anomaly_enabled  # noqa: F401

globals().update(_FUNCTIONS)
_xp.seterr(all="ignore")  # torch computes inf/nan silently; NumPy would warn on every such op

# PyTorch's dtype aliases
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = complex64
cdouble = complex128
from ._legacy import *  # noqa: F401,F403,E402  FloatTensor, LongTensor, ..., FloatStorage, ...
from ._legacy import tensortype  # noqa: F401,E402
from . import _legacy  # noqa: E402
from ._dtype import finfo, iinfo  # noqa: F401,E402
globals().update(_dtype.SHELL_DTYPES)  # uint16, float8_e4m3fn, ...: named, not computed in
chalf = _dtype.SHELL_DTYPES["complex32"]
bit = _dtype.SHELL_DTYPES["uint1"]  # torch's alias
Storage = FloatStorage  # noqa: F405  torch.Storage is the legacy float storage class
StorageBase = UntypedStorage
import math as _math  # noqa: E402
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan
newaxis = None


class layout:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


class memory_format(layout):
    pass


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
preserve_format = memory_format("preserve_format")
channels_last_3d = memory_format("channels_last_3d")
legacy_contiguous_format = contiguous_format  # torch's alias, printed as contiguous_format


def result_type(tensor1, tensor2):
    return _dtype.result_type(tensor1, tensor2)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_storage(obj):
    return isinstance(obj, (TypedStorage, UntypedStorage))


def is_floating_point(input):
    return input.dtype.is_floating_point


def is_complex(input):
    return input.dtype.is_complex


def is_nonzero(input):
    return input.is_nonzero()


def is_signed(input):
    return input.is_signed()


def get_device(input):
    return input.get_device()


def numel(input):
    return input.numel()


from ._kernels.threads import get_num_threads, set_num_threads  # noqa: E402


from ._runtime import (get_num_interop_threads, set_num_interop_threads, use_deterministic_algorithms,  # noqa
                       are_deterministic_algorithms_enabled, is_deterministic_algorithms_warn_only_enabled,
                       set_deterministic_debug_mode, get_deterministic_debug_mode)
from ._runtime import (AcceleratorError, OutOfMemoryError, Stream, Event, is_warn_always_enabled,  # noqa
                       set_warn_always, set_flush_denormal, is_autocast_cache_enabled, set_autocast_cache_enabled,
                       clear_autocast_cache, set_autocast_cpu_enabled, set_autocast_cpu_dtype, set_autocast_gpu_dtype,
                       typename, get_device_module, set_default_tensor_type, is_distributed, is_same_size, is_neg,
                       cond, while_loop, vmap, from_dlpack, to_dlpack)
has_lapack, has_spectral, has_mkl, has_openmp = True, True, False, False  # NumPy/SciPy bring LAPACK and FFTs
globals().update(_legacy.REMOVED)  # torch.eig, symeig, lstsq, solve, matrix_rank: removed, raising as torch's do
for _name in ("gcd_", "lcm_", "addmv_", "conj_physical_", "resize_as_", "put", "fill_diagonal_"):
    if _name not in globals() and hasattr(Tensor, _name):  # torch's function forms of these in-place methods
        globals()[_name] = getattr(Tensor, _name)


def is_inference(input):
    return input.is_inference()


def _nn_method(name):
    """Tensor.hardshrink and Tensor.prelu: nn.functional's definitions, as methods (nn loads on first use)."""
    def method(self, *args, **kwargs):
        return getattr(_lazy("nn.functional"), name)(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    return method


Tensor.hardshrink, Tensor.prelu = _nn_method("hardshrink"), _nn_method("prelu")
from .backends import set_float32_matmul_precision, get_float32_matmul_precision  # noqa: E402,F401


def compile(model=None, **kwargs):
    """torch.compile: Ember runs eagerly; see ember._dynamo.eval_frame.compile."""
    from ._dynamo.eval_frame import compile as _compile
    return _compile(model, **kwargs)


_AUTOCAST_NAMES = ("autocast", "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled",
                   "set_autocast_dtype", "is_autocast_cpu_enabled", "get_autocast_cpu_dtype", "get_autocast_gpu_dtype")


def _lazy(name):
    import importlib
    return importlib.import_module("ember." + name)


def __getattr__(name):
    # submodules load on first use, so `import ember` stays fast
    if name in ("nn", "optim", "utils", "vision", "cuda", "backends", "onnx", "distributed", "linalg", "fft",
                "special", "jit", "testing", "hub", "serialization", "mps", "multiprocessing", "version",
                "distributions", "accelerator", "xpu", "mtia", "cpu", "amp", "profiler", "_dynamo", "compiler",
                "signal"):
        return _lazy(name)
    if name == "GradScaler":
        return _lazy("amp").GradScaler
    if name == "windows":
        return _lazy("signal.windows")
    if name in ("save", "load"):
        return getattr(_lazy("serialization"), name)
    if name in _AUTOCAST_NAMES:
        return getattr(_lazy("amp.autocast_mode"), name)
    aten = _lazy("nn._functional.aten")  # torch.conv2d, torch.dropout, ...: the torch.* forms of nn ops
    if name in aten.__all__:
        return getattr(aten, name)
    raise AttributeError(f"module 'ember' has no attribute '{name}'")
