"""Fetchers: how one batch (or one sample) is read from a dataset (torch.utils.data._utils.fetch)."""
import itertools
import operator

import numpy as np

from ..dataset import TensorDataset, Subset
from .collate import default_collate


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        want = len(possibly_batched_index)
        data = list(itertools.islice(self.dataset_iter, want))
        self.ended = len(data) < want
        if not data or (self.drop_last and len(data) < want):
            raise StopIteration
        return self.collate_fn(data)


class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        self._gather = _batch_gather(dataset) if auto_collation and collate_fn is default_collate else None
        getitems = getattr(dataset, "__getitems__", None)
        self._getitems = getitems if callable(getitems) else None

    def fetch(self, possibly_batched_index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[possibly_batched_index])
        if self._gather is not None:
            batch = self._gather(possibly_batched_index)
            if batch is not None:
                return batch
        if self._getitems is not None:
            data = self._getitems(possibly_batched_index)
        else:
            data = [self.dataset[i] for i in possibly_batched_index]
        return self.collate_fn(data)


def _int_array(index):
    """The batch's indices as an int64 array, or None when some index is not an integer."""
    try:
        return np.fromiter(map(operator.index, index), np.int64, len(index))
    except TypeError:
        return None


def _batch_gather(dataset):
    """The fast path for default_collate over a TensorDataset (or a Subset of one): fn(indices)
    returning the same batch as indexing sample by sample and stacking, with one indexing call
    per tensor. None for any other dataset; fn returns None for indices it cannot take."""
    kind = type(dataset)
    if kind.__getitem__ is Subset.__getitem__ and kind.__getitems__ is Subset.__getitems__:
        inner = _batch_gather(dataset.dataset)
        if inner is None:
            return None
        order = dataset.indices
        return lambda index: inner([order[i] for i in index])
    if kind.__getitem__ is TensorDataset.__getitem__ and getattr(kind, "__getitems__", None) is None:
        tensors = dataset.tensors
        if any(t.dim() == 0 for t in tensors):
            return None

        def gather(index):
            rows = _int_array(index)
            return None if rows is None else [t[rows] for t in tensors]
        return gather
    return None


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        fetcher = _MapDatasetFetcher if kind == _DatasetKind.Map else _IterableDatasetFetcher
        return fetcher(dataset, auto_collation, collate_fn, drop_last)
