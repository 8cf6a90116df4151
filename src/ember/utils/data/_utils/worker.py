"""The DataLoader worker process: its loop, its seeding and get_worker_info()
(torch.utils.data._utils.worker)."""
import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

import ember

# how often a waiting worker (and the main process) wakes up to check that the other side is alive
POLL_INTERVAL = 0.5

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """What get_worker_info() returns inside a worker: its id, the number of workers, the seed
    its RNGs were given, and this process's copy of the dataset."""
    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """Information about the current DataLoader worker process; None in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of an epoch: restart the fetcher, then acknowledge."""


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process with its traceback text."""

    def __init__(self, exc_info, where):
        exc_type, exc, tb = exc_info
        try:
            pickle.dumps(exc_type)
        except Exception:  # a class defined inside a function cannot cross processes
            exc_type = RuntimeError
        self.exc_type = exc_type
        self.msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # the type's constructor does not take one message argument
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    # KeyError prints repr(message); this keeps the traceback text readable
    def __repr__(self):
        return str(self)


def _seed_worker(base_seed, worker_id):
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def _send(data_queue, idx, data, worker_id):
    # pickle here, not in the queue's feeder thread, where a failure would lose the batch silently
    try:
        payload = pickle.dumps((idx, data), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        payload = pickle.dumps((idx, ExceptionWrapper(sys.exc_info(),
                                                      f"in DataLoader worker process {worker_id}")))
    data_queue.put(payload)


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers):
    """Fetch the batches whose indices arrive on index_queue and put them, tagged with their task
    number, on data_queue, until told to stop (None) or the main process is gone."""
    from .fetch import _DatasetKind
    from .. import graph_settings
    from ..dataloader import world
    from ..datapipes.datapipe import IterDataPipe, MapDataPipe
    global _worker_info
    where = f"in DataLoader worker process {worker_id}"
    parent = os.getppid()
    try:
        ember.set_num_threads(1)
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error = None
        fetcher = None
        try:
            if isinstance(dataset, (IterDataPipe, MapDataPipe)):  # ranks first, then the workers of each
                size, rank = world()
                graph_settings.apply_sharding(dataset, num_workers * size, worker_id * size + rank)
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(sys.exc_info(), where)
        while os.getppid() == parent:
            try:
                task = index_queue.get(timeout=POLL_INTERVAL)
            except queue.Empty:
                continue
            if task is None:
                break
            if isinstance(task, _ResumeIteration):
                try:
                    fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn,
                                                          drop_last)
                except Exception:
                    init_error = ExceptionWrapper(sys.exc_info(), where)
                _send(data_queue, task, None, worker_id)
                continue
            if done_event.is_set():
                continue
            idx, index = task
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    data = (_IterableDatasetStopIteration(worker_id) if dataset_kind == _DatasetKind.Iterable
                            else ExceptionWrapper(sys.exc_info(), where))
                except Exception:
                    data = ExceptionWrapper(sys.exc_info(), where)
            _send(data_queue, idx, data, worker_id)
            del data, index, task
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        # the main process may no longer read: do not block exit on flushing unread results
        data_queue.cancel_join_thread()
        data_queue.close()
