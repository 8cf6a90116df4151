"""ember.nn.parallel: data-parallel training across processes (torch.nn.parallel)."""
from .distributed import DistributedDataParallel  # noqa: F401

__all__ = ["DistributedDataParallel"]
