"""ember.mps: no Apple GPU here (torch.mps on a build without MPS)."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    pass


seed = manual_seed


def synchronize():
    raise RuntimeError("Cannot execute deviceSynchronize() without MPS backend.")


def empty_cache():
    raise RuntimeError("Cannot execute emptyCache() without MPS backend.")


def current_allocated_memory():
    raise RuntimeError("Cannot execute getCurrentAllocatedMemory() without MPS backend.")
