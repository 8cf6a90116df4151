"""ember.cuda: answers honestly that there is no CUDA device (torch.cuda on a CPU-only build)."""


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    pass


manual_seed_all = manual_seed


def synchronize(device=None):
    pass


def empty_cache():
    pass


def _no_cuda(*args, **kwargs):
    raise AssertionError("Torch not compiled with CUDA enabled")


current_device = get_device_name = get_device_properties = set_device = _no_cuda


def memory_allocated(device=None):
    return 0


max_memory_allocated = memory_reserved = max_memory_allocated = memory_allocated
