"""Datasets and random_split against torch.utils.data."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.utils.conftest import assert_same, same_error

X = np.arange(30, dtype=np.float32).reshape(10, 3)
Y = np.arange(10) % 3


def tensor_dataset(tm):
    return tm.utils.data.TensorDataset(tm.from_numpy(X.copy()), tm.from_numpy(Y.copy()))


class Squares:
    """A map-style dataset written against either library."""

    def __init__(self, tm, n=5):
        base = tm.utils.data.Dataset
        self.ds = type("Squares", (base,), {"__getitem__": lambda s, i: i * i, "__len__": lambda s: n})()


class Count:
    def __init__(self, tm, lo, hi):
        self.ds = type("Count", (tm.utils.data.IterableDataset,), {"__iter__": lambda s: iter(range(lo, hi)),
                                                                   "__len__": lambda s: hi - lo})()


# each case builds a dataset in the given library and reads samples from it
READS = {
    "tensor_dataset_item": lambda tm: tensor_dataset(tm)[3],
    "tensor_dataset_negative": lambda tm: tensor_dataset(tm)[-1],
    "tensor_dataset_slice": lambda tm: tensor_dataset(tm)[2:5],
    "tensor_dataset_len": lambda tm: len(tensor_dataset(tm)),
    "concat_items": lambda tm: [(tensor_dataset(tm) + Squares(tm).ds)[i] for i in (0, 9, 10, 14, -1, -5)],
    "concat_cumulative": lambda tm: tm.utils.data.ConcatDataset([Squares(tm, 3).ds, Squares(tm, 4).ds]).cumulative_sizes,
    "concat_len": lambda tm: len(tm.utils.data.ConcatDataset([Squares(tm, 3).ds, Squares(tm, 4).ds, tensor_dataset(tm)])),
    "subset": lambda tm: [tm.utils.data.Subset(tensor_dataset(tm), [4, 0, 7])[i] for i in range(3)],
    "subset_len": lambda tm: len(tm.utils.data.Subset(Squares(tm).ds, [4, 0])),
    "subset_getitems": lambda tm: tm.utils.data.Subset(Squares(tm).ds, [4, 0, 2]).__getitems__([2, 0]),
    "chain": lambda tm: list(Count(tm, 0, 3).ds + Count(tm, 10, 12).ds),
    "chain_len": lambda tm: len(tm.utils.data.ChainDataset([Count(tm, 0, 3).ds, Count(tm, 5, 7).ds])),
    "stack_tuple": lambda tm: tm.utils.data.StackDataset(tensor_dataset(tm), Squares(tm, 10).ds)[2],
    "stack_dict": lambda tm: tm.utils.data.StackDataset(a=tensor_dataset(tm), b=Squares(tm, 10).ds)[2],
}


@pytest.mark.parametrize("name", READS)
def test_datasets_match_torch(name):
    assert_same(READS[name](ember), READS[name](torch))


ERRORS = {
    "tensor_size_mismatch": lambda tm: tm.utils.data.TensorDataset(tm.zeros(3), tm.zeros(4)),
    "dataset_getitem": lambda tm: tm.utils.data.Dataset()[0],
    "concat_empty": lambda tm: tm.utils.data.ConcatDataset([]),
    "concat_iterable": lambda tm: tm.utils.data.ConcatDataset([Count(tm, 0, 2).ds]),
    "concat_index_too_negative": lambda tm: tm.utils.data.ConcatDataset([Squares(tm, 2).ds])[-3],
    "chain_of_map": lambda tm: list(tm.utils.data.ChainDataset([Squares(tm).ds])),
    "stack_mismatch": lambda tm: tm.utils.data.StackDataset(Squares(tm, 2).ds, Squares(tm, 3).ds),
    "stack_empty": lambda tm: tm.utils.data.StackDataset(),
    "stack_both": lambda tm: tm.utils.data.StackDataset(Squares(tm, 2).ds, b=Squares(tm, 2).ds),
    "split_bad_sum": lambda tm: tm.utils.data.random_split(range(10), [3, 3]),
    "split_bad_fraction": lambda tm: tm.utils.data.random_split(range(10), [1.5, -0.5]),
    "subset_override": lambda tm: type("S", (tm.utils.data.Subset,), {"__getitem__": lambda s, i: 0})(range(3), [0]),
}


@pytest.mark.parametrize("name", ERRORS)
def test_dataset_errors_match_torch(name):
    same_error(ERRORS[name])


@pytest.mark.parametrize("lengths", [[3, 7], [0, 10], [10], [2, 3, 5], [0.3, 0.7], [0.5, 0.5], [0.33, 0.33, 0.34],
                                     [0.1, 0.1, 0.1, 0.7], [1 / 3] * 3, [0.25] * 4, [0.9, 0.1, 0.0]])
def test_random_split_lengths_and_coverage(lengths):
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        want = [len(s) for s in torch.utils.data.random_split(range(10), lengths)]
    with warnings.catch_warnings(record=True) as ew:
        warnings.simplefilter("always")
        parts = ember.utils.data.random_split(range(10), lengths, generator=ember.Generator().manual_seed(1))
    assert [len(s) for s in parts] == want
    assert [str(w.message) for w in ew] == [str(w.message) for w in tw]
    seen = [x for p in parts for x in (p[i] for i in range(len(p)))]
    assert sorted(seen) == list(range(10))
    assert all(isinstance(p, ember.utils.data.Subset) for p in parts)


def test_random_split_reproducible():
    def split(seed):
        return [p.indices for p in ember.utils.data.random_split(range(20), [5, 15],
                                                                 generator=ember.Generator().manual_seed(seed))]
    assert split(3) == split(3)
    assert split(3) != split(4)
    ember.manual_seed(7)
    a = [p.indices for p in ember.utils.data.random_split(range(20), [0.5, 0.5])]
    ember.manual_seed(7)
    b = [p.indices for p in ember.utils.data.random_split(range(20), [0.5, 0.5])]
    assert a == b


def test_generic_subscript_and_isinstance():
    assert ember.utils.data.Dataset[int] is not None
    assert isinstance(tensor_dataset(ember), ember.utils.data.Dataset)
    assert isinstance(Count(ember, 0, 1).ds, ember.utils.data.Dataset)
