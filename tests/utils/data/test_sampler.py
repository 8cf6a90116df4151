"""Samplers against torch.utils.data: deterministic ones index for index, random ones by their
contract (a permutation, the requested count and range, reproducible under a seed)."""
import collections

import pytest
import torch

import ember
from ember.utils.data import (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
                              BatchSampler)
from tests.utils.conftest import same_error

DETERMINISTIC = {
    "sequential": lambda tm: tm.utils.data.SequentialSampler(range(7)),
    "batch": lambda tm: tm.utils.data.BatchSampler(range(10), 3, False),
    "batch_drop_last": lambda tm: tm.utils.data.BatchSampler(range(10), 3, True),
    "batch_exact": lambda tm: tm.utils.data.BatchSampler(range(9), 3, True),
    "batch_of_sequential": lambda tm: tm.utils.data.BatchSampler(tm.utils.data.SequentialSampler(range(5)), 2, False),
    "batch_larger_than_data": lambda tm: tm.utils.data.BatchSampler(range(3), 5, False),
    "batch_larger_drop": lambda tm: tm.utils.data.BatchSampler(range(3), 5, True),
}


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_samplers_match_torch(name):
    e, t = DETERMINISTIC[name](ember), DETERMINISTIC[name](torch)
    assert list(e) == list(t)
    assert len(e) == len(t)


ERRORS = {
    "batch_size_zero": lambda tm: tm.utils.data.BatchSampler(range(3), 0, False),
    "batch_size_bool": lambda tm: tm.utils.data.BatchSampler(range(3), True, False),
    "batch_size_float": lambda tm: tm.utils.data.BatchSampler(range(3), 2.0, False),
    "drop_last_int": lambda tm: tm.utils.data.BatchSampler(range(3), 2, 1),
    "random_replacement": lambda tm: tm.utils.data.RandomSampler(range(3), replacement=1),
    "random_num_samples": lambda tm: tm.utils.data.RandomSampler(range(3), num_samples=0),
    "random_num_samples_float": lambda tm: tm.utils.data.RandomSampler(range(3), num_samples=2.5),
    "random_empty": lambda tm: tm.utils.data.RandomSampler([]),
    "weighted_num_samples": lambda tm: tm.utils.data.WeightedRandomSampler([1.0, 2.0], 0),
    "weighted_replacement": lambda tm: tm.utils.data.WeightedRandomSampler([1.0, 2.0], 2, replacement="yes"),
    "weighted_2d": lambda tm: tm.utils.data.WeightedRandomSampler([[1.0, 2.0]], 2),
    "weighted_too_many": lambda tm: list(tm.utils.data.WeightedRandomSampler([1.0, 2.0], 3, replacement=False)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_sampler_errors_match_torch(name):
    same_error(ERRORS[name])


def test_sampler_base_and_data_source_warning():
    with pytest.warns(UserWarning, match="data_source"):
        ember.utils.data.Sampler(range(3))
    with pytest.raises(NotImplementedError):
        iter(ember.utils.data.Sampler())


@pytest.mark.parametrize("n,num_samples", [(10, None), (10, 4), (10, 25), (1, 3)])
def test_random_sampler_without_replacement_is_a_permutation(n, num_samples):
    s = RandomSampler(range(n), num_samples=num_samples, generator=ember.Generator().manual_seed(0))
    order = list(s)
    total = num_samples or n
    assert len(order) == len(s) == total == len(torch.utils.data.RandomSampler(range(n), num_samples=num_samples))
    for k in range(total // n):  # each full pass is a permutation
        assert sorted(order[k * n:(k + 1) * n]) == list(range(n))
    assert len(set(order[(total // n) * n:])) == total % n


@pytest.mark.parametrize("num_samples", [1, 31, 32, 100])
def test_random_sampler_with_replacement(num_samples):
    s = RandomSampler(range(5), replacement=True, num_samples=num_samples)
    order = list(s)
    assert len(order) == len(s) == num_samples
    assert all(isinstance(i, int) and 0 <= i < 5 for i in order)
    if num_samples == 100:
        assert len(set(order)) == 5  # drawn with replacement: repeats, and every index shows up


def test_random_sampler_reproducible_under_seed_and_generator():
    ember.manual_seed(0)
    a = list(RandomSampler(range(50)))
    ember.manual_seed(0)
    b = list(RandomSampler(range(50)))
    c = list(RandomSampler(range(50)))
    assert a == b and a != c
    g1, g2 = ember.Generator().manual_seed(5), ember.Generator().manual_seed(5)
    assert list(RandomSampler(range(50), generator=g1)) == list(RandomSampler(range(50), generator=g2))
    s = RandomSampler(range(50), generator=ember.Generator().manual_seed(5))
    assert list(s) != list(s)  # the generator advances between passes


def test_random_sampler_follows_dataset_size():
    data = [1, 2, 3]
    s = RandomSampler(data)
    data.append(4)
    assert len(s) == 4 and sorted(s) == [0, 1, 2, 3]


def test_subset_random_sampler():
    idx = [7, 3, 11, 5]
    s = SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(1))
    assert sorted(s) == sorted(idx) and len(s) == 4
    g = lambda: ember.Generator().manual_seed(9)  # noqa: E731
    assert list(SubsetRandomSampler(idx, g())) == list(SubsetRandomSampler(idx, g()))


def test_weighted_random_sampler():
    w = [0.0, 1.0, 0.0, 3.0]
    s = WeightedRandomSampler(w, 400, generator=ember.Generator().manual_seed(2))
    counts = collections.Counter(s)
    assert len(s) == 400 and set(counts) == {1, 3}
    assert 0.65 < counts[3] / 400 < 0.85  # P(3) = 0.75
    no_rep = list(WeightedRandomSampler([1.0, 1.0, 5.0, 1.0], 4, replacement=False))
    assert sorted(no_rep) == [0, 1, 2, 3]
    assert str(s.weights.dtype) == str(torch.utils.data.WeightedRandomSampler(w, 3).weights.dtype)


def test_batch_sampler_of_random_sampler_covers_dataset():
    batches = list(BatchSampler(RandomSampler(range(10)), 4, False))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(i for b in batches for i in b) == list(range(10))
    assert len(SequentialSampler(range(0))) == 0


HUGE = 10 ** 10
LAZY = {
    "random_replacement": lambda tm: tm.utils.data.RandomSampler(range(10), replacement=True, num_samples=HUGE),
    "random_permutations": lambda tm: tm.utils.data.RandomSampler(range(10), num_samples=HUGE),
    "weighted": lambda tm: tm.utils.data.WeightedRandomSampler([1.0, 0.0, 3.0], HUGE),
    "batch_of_random": lambda tm: tm.utils.data.BatchSampler(
        tm.utils.data.RandomSampler(range(10), replacement=True, num_samples=HUGE), 4, False),
    "batch_of_random_drop_last": lambda tm: tm.utils.data.BatchSampler(
        tm.utils.data.RandomSampler(range(10), replacement=True, num_samples=HUGE), 4, True),
}


@pytest.mark.parametrize("name", LAZY)
def test_samplers_draw_lazily(name):
    # 10**10 indices would take 80 GB at once: the first ones must come from a small, bounded draw
    import itertools
    import tracemalloc
    e, t = LAZY[name](ember), LAZY[name](torch)
    assert len(e) == len(t)
    tracemalloc.start()
    try:
        got = list(itertools.islice(iter(e), 100))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"{peak} bytes traced for 100 indices"
    if name != "weighted":  # torch's weighted sampler draws every index at once (and refuses 10**10)
        first = list(itertools.islice(iter(t), 100))
        assert [type(v) for v in got] == [type(v) for v in first]
        assert [len(v) for v in got if isinstance(v, list)] == [len(v) for v in first if isinstance(v, list)]
    flat = [i for b in got for i in b] if isinstance(got[0], list) else got
    assert all(0 <= i < 10 for i in flat) and (name != "weighted" or 1 not in flat)


def test_batch_sampler_over_an_endless_sampler():
    import itertools

    class Endless(ember.utils.data.Sampler):
        def __init__(self):
            pass

        def __iter__(self):
            return itertools.count()

    batches = ember.utils.data.BatchSampler(Endless(), 3, False)
    assert list(itertools.islice(batches, 3)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    loader = ember.utils.data.DataLoader(range(10 ** 9), batch_sampler=ember.utils.data.BatchSampler(Endless(), 2, True))
    assert [b.tolist() for b in itertools.islice(loader, 2)] == [[0, 1], [2, 3]]


@pytest.mark.parametrize("num_samples", [1, 31, 32, 33, 100])
def test_chunked_draws_give_exactly_num_samples(num_samples):
    with_replacement = ember.utils.data.RandomSampler(range(5), replacement=True, num_samples=num_samples)
    weighted = ember.utils.data.WeightedRandomSampler([1.0, 2.0], num_samples)
    assert len(list(with_replacement)) == num_samples == len(list(weighted))
