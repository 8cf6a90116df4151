"""ember.mps: no Apple GPU here (torch.mps on a build without MPS)."""
from .accelerator import is_available, device_count  # noqa: F401  (no accelerator of any kind)


def manual_seed(seed):
    pass


seed = manual_seed


def synchronize():
    raise RuntimeError("Cannot execute deviceSynchronize() without MPS backend.")


def empty_cache():
    raise RuntimeError("Cannot execute emptyCache() without MPS backend.")


def current_allocated_memory():
    raise RuntimeError("Cannot execute getCurrentAllocatedMemory() without MPS backend.")
