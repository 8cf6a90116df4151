"""ember.multiprocessing (torch.multiprocessing): Python's multiprocessing, with tensors that travel
between processes through shared memory, and spawn() for N processes running one function.

Everything of the standard module is here under its own name (Process, Queue, Pool, get_context,
set_start_method, cpu_count, ...); importing this module registers the tensor reductions, so any
multiprocessing queue, pipe or spawned process's arguments carry tensors as shared-memory handles.
Both sharing strategies hand on an already unlinked /dev/shm file by its descriptor, so no
segment outlives the processes that use it."""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403

from .reductions import init_reductions
from .spawn import (spawn, start_processes, ProcessContext, SpawnContext, ProcessException,  # noqa: F401
                    ProcessRaisedException, ProcessExitedException)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"] + multiprocessing.__all__

_all_sharing_strategies = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy):
    """Choose how tensors are shared: 'file_descriptor' (the default) or 'file_system'."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, expected one of {_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    return _sharing_strategy


def get_all_sharing_strategies():
    return set(_all_sharing_strategies)


init_reductions()
