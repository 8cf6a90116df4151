"""ember.accelerator: the current accelerator, as torch.accelerator answers on a CPU-only build.

There is none here: `is_available()` is False, `current_accelerator()` None, `device_count()` 0, and
everything that needs a device raises torch's RuntimeError."""
import contextlib

__all__ = ["current_accelerator", "current_device_idx", "current_device_index", "current_stream", "device_count",
           "device_index", "empty_cache", "empty_host_cache", "get_device_capability", "get_memory_info",
           "is_available", "max_memory_allocated", "max_memory_reserved", "memory_allocated", "memory_reserved",
           "memory_stats", "reset_accumulated_memory_stats", "reset_peak_memory_stats", "set_device_idx",
           "set_device_index", "set_stream", "synchronize"]

_NONE = "Cannot access accelerator device when none is available."


def is_available():
    """torch.accelerator.is_available: False, Ember computes on the CPU."""
    return False


def current_accelerator(check_available=False):
    """torch.accelerator.current_accelerator: the accelerator device type, None without one."""
    return None


def device_count():
    return 0


def _no_accelerator(*args, **kwargs):
    raise RuntimeError(_NONE)


current_device_index = set_device_index = synchronize = current_stream = set_stream = _no_accelerator
memory_allocated = max_memory_allocated = memory_reserved = max_memory_reserved = _no_accelerator
memory_stats = reset_peak_memory_stats = reset_accumulated_memory_stats = get_memory_info = _no_accelerator
empty_cache = empty_host_cache = get_device_capability = _no_accelerator


def current_device_idx():
    import warnings
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_idx(device):
    import warnings
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    return set_device_index(device)


@contextlib.contextmanager
def device_index(device):
    """torch.accelerator.device_index: `None` is a no-op; any index needs an accelerator."""
    if device is not None:
        _no_accelerator()
    yield
