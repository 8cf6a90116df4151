"""Process-wide switches torch keeps in its global context: interop threads and deterministic algorithms.

Ember's ops are deterministic already; the switches are kept so programs can set and read them back."""

import os

_state = {"interop_threads": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
          "interop_set": False, "deterministic": False, "warn_only": False}
_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def get_num_interop_threads():
    return _state["interop_threads"]


def set_num_interop_threads(n):
    """torch.set_num_interop_threads: once per process (Ember runs ops one at a time; the number is kept)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"set_num_interop_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    if _state["interop_set"]:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    _state["interop_threads"], _state["interop_set"] = n, True


def use_deterministic_algorithms(mode, *, warn_only=False):
    """torch.use_deterministic_algorithms: every Ember op is deterministic, so this only records the mode."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, not "
                        f"{type(warn_only).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled():
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _state["warn_only"]


def set_deterministic_debug_mode(debug_mode):
    """torch.set_deterministic_debug_mode: 'default'/0, 'warn'/1 or 'error'/2."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    elif debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


# ---------------------------------------------------------------------- more of torch's top-level runtime surface
class AcceleratorError(RuntimeError):
    """torch.AcceleratorError: an error reported by an accelerator runtime (never raised on Ember's CPU)."""


class OutOfMemoryError(RuntimeError):
    """torch.OutOfMemoryError (also torch.cuda.OutOfMemoryError)."""


class Stream:
    """torch.Stream: a device's queue of work. On the CPU every op runs at once, so it is always idle."""

    def __init__(self, device=None, *, priority=0):
        from ._backend import device as _device
        self.device = _device(device if device is not None else "cpu")
        self.device_type, self.device_index, self.stream_id, self.priority = self.device.type, -1, 0, priority

    def query(self):
        return True

    def synchronize(self):
        pass

    def wait_event(self, event):
        pass

    def wait_stream(self, stream):
        pass

    def record_event(self, event=None):
        event = event or Event(self.device)
        event.record(self)
        return event

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return f"torch.Stream device_type={self.device_type}, device_index={self.device_index}, stream_id=0"


class Event:
    """torch.Event: a marker in a stream; CPU work is done when recorded, so the marker is always reached."""

    def __init__(self, device=None, *, enable_timing=False, blocking=False, interprocess=False):
        import time
        from ._backend import device as _device
        self.device = _device(device if device is not None else "cpu")
        self.device_type, self.device_index, self._time, self._timing = self.device.type, -1, None, enable_timing
        self._clock = time.perf_counter

    def record(self, stream=None):
        self._time = self._clock()

    def query(self):
        return True

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass

    def elapsed_time(self, end_event):
        """Milliseconds between this event's record and end_event's."""
        if not (self._timing and end_event._timing) or self._time is None or end_event._time is None:
            raise ValueError("Both events must be created with argument 'enable_timing=True' and recorded.")
        return (end_event._time - self._time) * 1000.0

    def __repr__(self):
        return f"torch.Event device_type={self.device_type}, device_index={self.device_index}, event_flag=0, " \
               f"event_id=0"


_state.update(warn_always=False, autocast_cache=True)


def is_warn_always_enabled():
    return _state["warn_always"]


def set_warn_always(b):
    """torch.set_warn_always: recorded (Ember's warnings follow Python's own once/always filters)."""
    _state["warn_always"] = bool(b)


def set_flush_denormal(mode):
    """torch.set_flush_denormal: NumPy cannot flush denormals to zero, so this reports False (unsupported)."""
    return False


def is_autocast_cache_enabled():
    return _state["autocast_cache"]


def set_autocast_cache_enabled(enabled):
    _state["autocast_cache"] = bool(enabled)


def clear_autocast_cache():
    """Ember's autocast casts on each call and caches nothing, so there is nothing to clear."""


def set_autocast_cpu_enabled(enabled):
    from .amp import autocast_mode
    autocast_mode.set_autocast_enabled("cpu", enabled)


def set_autocast_cpu_dtype(dtype):
    from .amp import autocast_mode
    autocast_mode.set_autocast_dtype("cpu", dtype)


def set_autocast_gpu_dtype(dtype):
    from .amp import autocast_mode
    autocast_mode.set_autocast_dtype("cuda", dtype)


def typename(obj):
    """'torch.FloatTensor' for a tensor, else the object's qualified type name."""
    from ._tensor import Tensor
    from ._dtype import legacy_type_name
    if isinstance(obj, Tensor):
        return legacy_type_name(obj.dtype)
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__", None) else f"{module}.{name}"


def get_device_module(device=None):
    """The module of a device type: ember.cpu, ember.cuda, ember.mps, ... (ember.cpu when none is given)."""
    import importlib
    from ._backend import device as _device
    kind = "cpu" if device is None else device if isinstance(device, str) else _device(device).type
    kind = kind.split(":")[0]
    if kind not in ("cpu", "cuda", "mps", "xpu", "mtia"):
        raise RuntimeError(f"Device '{kind}' does not have a corresponding module registered as 'torch.{kind}'.")
    return importlib.import_module("ember." + kind)


def set_default_tensor_type(t):
    """Deprecated torch.set_default_tensor_type(torch.DoubleTensor or 'torch.DoubleTensor'): sets the default
    floating dtype."""
    import warnings
    from . import _legacy, _dtype
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    cls = getattr(_legacy, t.split(".")[-1], None) if isinstance(t, str) else t
    if cls is None or not isinstance(getattr(cls, "dtype", None), _dtype.dtype):
        raise TypeError(f"invalid type: '{t}'")
    if not cls.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(cls.dtype)


def is_distributed(input):
    return False


def is_same_size(input, other):
    return input.shape == other.shape


def is_neg(input):
    """Ember keeps no lazy negation bit: a tensor's values are always materialised."""
    return False


# ---------------------------------------------------------------------- control flow and vmap, run eagerly
def cond(pred, true_fn, false_fn, operands=()):
    """torch.cond: true_fn(*operands) if pred else false_fn(*operands), evaluated eagerly."""
    from ._tensor import Tensor
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
        pred = bool(pred.item())
    return true_fn(*operands) if pred else false_fn(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """torch.while_loop: apply body_fn while cond_fn holds, carrying a tuple of values."""
    values = tuple(carried_inputs)
    while bool(cond_fn(*values)):
        values = body_fn(*values)
        values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
    return values


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """torch.vmap, eagerly: func applied to each slice along in_dims, the results stacked along out_dims."""
    import functools
    from . import stack
    from ._tensor import Tensor

    @functools.wraps(func)
    def batched(*args):
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(func, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of `inputs`. in_dims has structure {len(dims)} but inputs has {len(args)}.")
        sizes = {a.shape[d] for a, d in zip(args, dims) if d is not None and isinstance(a, Tensor)}
        if len(sizes) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sorted(sizes)} for the mapped dimension")
        n = sizes.pop()
        results = [func(*[a.select(d, i) if d is not None and isinstance(a, Tensor) else a
                          for a, d in zip(args, dims)]) for i in range(n)]
        if isinstance(results[0], tuple):
            outs = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(results[0])
            return tuple(stack([r[k] for r in results], outs[k]) for k in range(len(results[0])))
        return stack(results, out_dims)
    return batched


# ---------------------------------------------------------------------- DLPack
def from_dlpack(ext_tensor):
    """A tensor sharing memory with any object exporting __dlpack__ (a NumPy array, a PyTorch CPU tensor, ...)."""
    import numpy as np
    from ._tensor import Tensor
    from . import _dtype
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    arr = np.from_dlpack(ext_tensor)
    return Tensor._make(arr, _dtype.from_numpy_dtype(arr.dtype))


def to_dlpack(tensor):
    """A DLPack capsule of the tensor's memory (consumable by numpy.from_dlpack or torch.from_dlpack)."""
    return tensor._data.__dlpack__()
