"""DataLoader in one process against torch's: the same batches (structure, dtypes, values) for
every way of configuring it, len(), argument errors, shuffling, and the TensorDataset fast path."""
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.utils.data import DataLoader, TensorDataset, RandomSampler
from tests.utils.conftest import assert_same, same_error

RNG = np.random.default_rng(0)
IMAGES = RNG.random((200, 1, 28, 28), dtype=np.float32)
LABELS = RNG.integers(0, 10, 200)
HWC = RNG.integers(0, 256, (23, 4, 4, 3)).astype(np.uint8)


def mnist_like(tm):
    return tm.utils.data.TensorDataset(tm.from_numpy(IMAGES.copy()), tm.from_numpy(LABELS.copy()))


def numpy_samples(tm):
    """A map-style dataset of (uint8 HWC array, int label)."""
    return type("NumpyDS", (tm.utils.data.Dataset,), {"__getitem__": lambda s, i: (HWC[i], int(i % 3)),
                                                      "__len__": lambda s: len(HWC)})()


def dict_samples(tm):
    return type("DictDS", (tm.utils.data.Dataset,), {
        "__getitem__": lambda s, i: {"x": tm.full((2,), float(i)), "name": f"s{i}", "w": i / 4, "pair": (i, [i])},
        "__len__": lambda s: 11})()


def counting(tm, n=10):
    """An iterable dataset of (tensor, int) pairs."""
    return type("Counting", (tm.utils.data.IterableDataset,), {
        "__iter__": lambda s: ((tm.tensor([k, k * k]), k) for k in range(n)), "__len__": lambda s: n})()


def plain_list(tm):
    return [(float(i), i) for i in range(9)]


CASES = {
    "mnist_batch64": (mnist_like, dict(batch_size=64)),
    "mnist_drop_last": (mnist_like, dict(batch_size=64, drop_last=True)),
    "mnist_default_batch": (mnist_like, dict()),
    "mnist_no_batching": (mnist_like, dict(batch_size=None)),
    "mnist_custom_collate": (mnist_like, dict(batch_size=50, collate_fn=lambda b: [len(b), b[0][1]])),
    "mnist_sampler_list": (mnist_like, dict(batch_size=2, sampler=[5, 3, 1, 199])),
    "mnist_batch_sampler": (mnist_like, dict(batch_sampler=[[3, 1], [0], [5, 4, 2]])),
    "mnist_subset": (lambda tm: tm.utils.data.Subset(mnist_like(tm), list(range(150, 50, -3))), dict(batch_size=7)),
    "mnist_nested_subset": (lambda tm: tm.utils.data.Subset(tm.utils.data.Subset(mnist_like(tm), list(range(100))),
                                                            [9, 2, 40]), dict(batch_size=2)),
    "numpy_hwc": (numpy_samples, dict(batch_size=5)),
    "numpy_hwc_drop": (numpy_samples, dict(batch_size=5, drop_last=True)),
    "numpy_no_batching": (numpy_samples, dict(batch_size=None)),
    "dicts": (dict_samples, dict(batch_size=4)),
    "dicts_drop": (dict_samples, dict(batch_size=4, drop_last=True)),
    "iterable": (counting, dict(batch_size=3)),
    "iterable_drop": (counting, dict(batch_size=3, drop_last=True)),
    "iterable_no_batching": (counting, dict(batch_size=None)),
    "iterable_exact": (counting, dict(batch_size=5)),
    "plain_list": (plain_list, dict(batch_size=4)),
    "plain_list_identity_collate": (plain_list, dict(batch_size=4, collate_fn=lambda b: b)),
    "concat": (lambda tm: mnist_like(tm) + tm.utils.data.TensorDataset(tm.zeros(3, 1, 28, 28), tm.zeros(3).long()),
               dict(batch_size=32)),
}


@pytest.mark.parametrize("name", CASES)
def test_batches_match_torch(name):
    make, kwargs = CASES[name]
    e_loader = ember.utils.data.DataLoader(make(ember), **kwargs)
    t_loader = torch.utils.data.DataLoader(make(torch), **kwargs)
    assert len(e_loader) == len(t_loader)
    e_batches, t_batches = list(e_loader), list(t_loader)
    assert len(e_batches) == len(t_batches)
    for k, (e, t) in enumerate(zip(e_batches, t_batches)):
        assert_same(e, t, f"batch {k}")


def test_mnist_batch_shapes_and_dtypes_as_in_the_seed():
    x, y = next(iter(DataLoader(mnist_like(ember), batch_size=64)))
    tx, ty = next(iter(torch.utils.data.DataLoader(mnist_like(torch), batch_size=64)))
    assert x.shape == ember.Size([64, 1, 28, 28]) and repr(x.shape) == repr(tx.shape)
    assert (str(x.dtype), str(y.dtype)) == (str(tx.dtype), str(ty.dtype)) == ("torch.float32", "torch.int64")


def _epoch_labels(loader):
    return [int(v) for _, y in loader for v in y.tolist()]


def test_shuffle_is_a_permutation_reproducible_under_manual_seed():
    ds = TensorDataset(ember.arange(100).float().unsqueeze(1), ember.arange(100))
    loader = DataLoader(ds, batch_size=16, shuffle=True)
    ember.manual_seed(0)
    first, second = _epoch_labels(loader), _epoch_labels(loader)
    assert sorted(first) == list(range(100)) and first != list(range(100)) and first != second
    ember.manual_seed(0)
    assert _epoch_labels(loader) == first
    for x, y in loader:  # samples stay paired with their labels
        assert x.squeeze(1).long().tolist() == y.tolist()


def test_shuffle_with_a_generator():
    ds = TensorDataset(ember.arange(40))
    run = lambda seed: [v for (b,) in DataLoader(ds, 8, shuffle=True, generator=ember.Generator().manual_seed(seed))
                        for v in b.tolist()]  # noqa: E731
    assert run(1) == run(1) and run(1) != run(2)
    ember.manual_seed(5)
    a = run(1)
    ember.manual_seed(6)
    assert run(1) == a  # the global seed does not enter


def test_tensor_fast_path_equals_per_sample_path():
    """A TensorDataset batch (gathered in one indexing call) equals what per-sample indexing and
    stacking gives for the same shuffled order."""
    ds = mnist_like(ember)
    per_sample = type("Plain", (ember.utils.data.Dataset,), {"__getitem__": lambda s, i: ds[i],
                                                             "__len__": lambda s: len(ds)})()
    ember.manual_seed(3)
    fast = list(DataLoader(ds, batch_size=64, shuffle=True))
    ember.manual_seed(3)
    slow = list(DataLoader(per_sample, batch_size=64, shuffle=True))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.dtype == sx.dtype and fx.shape == sx.shape and fx.is_contiguous()
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
    assert len(fast) == len(slow) == 4


def test_fast_path_batches_are_copies_and_keep_autograd():
    w = ember.ones(6, 2, requires_grad=True)
    (b,) = next(iter(DataLoader(TensorDataset(w * 2), batch_size=3)))
    b.sum().backward()
    assert w.grad[:3].tolist() == [[2.0, 2.0]] * 3 and w.grad[3:].sum().item() == 0
    base = ember.zeros(4, 2)
    (b,) = next(iter(DataLoader(TensorDataset(base), batch_size=4)))
    b += 1
    assert base.sum().item() == 0


def test_sampler_and_batch_sampler_objects():
    ds = mnist_like(ember)
    sampler = RandomSampler(ds, replacement=True, num_samples=30, generator=ember.Generator().manual_seed(0))
    loader = DataLoader(ds, batch_size=8, sampler=sampler)
    assert len(loader) == 4 and [len(y) for _, y in loader] == [8, 8, 8, 6]
    bs = ember.utils.data.BatchSampler(ember.utils.data.SequentialSampler(range(10)), 4, True)
    loader = DataLoader(ds, batch_sampler=bs)
    assert len(loader) == 2 and loader.batch_size is None and [y.tolist() for _, y in loader] == \
        [LABELS[:4].tolist(), LABELS[4:8].tolist()]


ERRORS = {
    "negative_workers": dict(num_workers=-1),
    "negative_timeout": dict(timeout=-1),
    "prefetch_without_workers": dict(prefetch_factor=2),
    "negative_prefetch": dict(num_workers=1, prefetch_factor=-1),
    "persistent_without_workers": dict(persistent_workers=True),
    "sampler_and_shuffle": dict(sampler=[0, 1], shuffle=True),
    "batch_sampler_and_batch_size": dict(batch_sampler=[[0]], batch_size=2),
    "batch_sampler_and_drop_last": dict(batch_sampler=[[0]], drop_last=True),
    "no_batching_and_drop_last": dict(batch_size=None, drop_last=True),
    "bad_start_method": dict(num_workers=1, multiprocessing_context="nope"),
    "context_without_workers": dict(multiprocessing_context="fork"),
    "context_wrong_type": dict(num_workers=1, multiprocessing_context=3),
}


@pytest.mark.parametrize("name", ERRORS)
def test_argument_errors_match_torch(name):
    same_error(lambda tm: tm.utils.data.DataLoader(mnist_like(tm), **ERRORS[name]))


@pytest.mark.parametrize("option", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_rejects_sampling_options_as_torch(option):
    same_error(lambda tm: tm.utils.data.DataLoader(counting(tm), **option))


def test_attributes_frozen_after_init_as_torch():
    for attr in ("batch_size", "dataset", "sampler", "drop_last"):
        same_error(lambda tm: setattr(tm.utils.data.DataLoader(mnist_like(tm)), attr, 3))
    loader = DataLoader(mnist_like(ember), batch_size=5)
    loader.num_workers = 0  # others may change
    assert (loader.batch_size, loader.drop_last, loader.num_workers, loader.prefetch_factor) == (5, False, 0, None)
    assert isinstance(loader.sampler, ember.utils.data.SequentialSampler)
    assert isinstance(loader.batch_sampler, ember.utils.data.BatchSampler)


def test_timeout_without_workers_is_rejected_as_torch():
    same_error(lambda tm: iter(tm.utils.data.DataLoader(mnist_like(tm), timeout=1)))


def test_pin_memory_warns_as_torch_without_accelerator():
    msgs = []
    for tm in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            next(iter(tm.utils.data.DataLoader(mnist_like(tm), pin_memory=True)))
        msgs.append([str(x.message) for x in w])
    assert msgs[0] == msgs[1] and msgs[0]


def test_iterable_length_warning_as_torch():
    class Liar(ember.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(5))

        def __len__(self):
            return 2
    loader = DataLoader(Liar(), batch_size=None)
    assert len(loader) == 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert list(loader) == list(range(5))
    assert [str(x.message).split("> ")[-1] for x in w] == [
        f"was reported to be 2(when accessing len(dataloader)), but {k} samples have been fetched. " for k in (3, 4, 5)]


def test_iterable_without_len():
    class Stream(ember.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(7))
    loader = DataLoader(Stream(), batch_size=3)
    with pytest.raises(TypeError):
        len(loader)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]


def test_worker_info_is_none_in_main_process():
    assert ember.utils.data.get_worker_info() is None
