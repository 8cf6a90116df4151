"""ember.cuda: torch.cuda as a CPU-only PyTorch build answers it.

Queries answer "no device" (`is_available()` False, `device_count()` 0, zero bytes of memory), seeding
is silently accepted, and anything that needs a GPU raises the AssertionError torch raises."""
import collections


_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def _no_cuda(*args, **kwargs):
    raise AssertionError(_NOT_COMPILED)


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def _nothing(*args, **kwargs):
    """Accepted and ignored without a GPU, as in CPU-only torch."""


manual_seed = manual_seed_all = seed = seed_all = set_rng_state = set_rng_state_all = empty_cache = _nothing
init = synchronize = current_device = get_device_name = get_device_properties = get_device_capability = _no_cuda
initial_seed = get_rng_state = current_stream = default_stream = mem_get_info = ipc_collect = _no_cuda
set_per_process_memory_fraction = _no_cuda


def memory_allocated(device=None):
    return 0


max_memory_allocated = memory_reserved = max_memory_reserved = memory_allocated


def memory_stats(device=None):
    return collections.OrderedDict()


def memory_summary(device=None, abbreviated=False):
    raise KeyError("allocated_bytes.all.current")  # torch's summary finds no statistics without CUDA


def get_rng_state_all():
    return []


def is_bf16_supported(including_emulation=True):
    return False


def is_tf32_supported():
    return False


def get_arch_list():
    return []


def get_gencode_flags():
    return ""


def set_device(device):
    """Only a negative index (no device) is accepted without CUDA."""
    index = device.index if hasattr(device, "index") else device
    if index is not None and not (isinstance(index, int) and index < 0):
        raise AttributeError(f"cannot select CUDA device {device}: {_NOT_COMPILED}")


def reset_peak_memory_stats(device=None):
    raise AttributeError(f"cannot reset CUDA memory statistics: {_NOT_COMPILED}")


reset_max_memory_allocated = reset_accumulated_memory_stats = reset_peak_memory_stats


class device:
    """torch.cuda.device: the context manager selecting a GPU; a negative index selects none."""

    def __init__(self, device):
        self.idx = device.index if hasattr(device, "index") else device

    def __enter__(self):
        if self.idx is not None and self.idx >= 0:
            raise RuntimeError("PyTorch was compiled without CUDA support")

    def __exit__(self, *exc):
        return False


class Stream:
    def __new__(cls, *args, **kwargs):
        raise RuntimeError("torch.cuda.Stream requires CUDA support")


class Event:
    def __new__(cls, *args, **kwargs):
        raise RuntimeError("Tried to instantiate dummy base class Event")


def __getattr__(name):
    if name == "amp":  # import_module: `from . import amp` would ask this __getattr__ again
        import importlib
        return importlib.import_module(__name__ + ".amp")
    raise AttributeError(f"module 'ember.cuda' has no attribute '{name}'")
