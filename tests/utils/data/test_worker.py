"""DataLoader with worker processes: the same batches as without workers, worker_init_fn and
get_worker_info, persistent workers, prefetching, timeouts, errors carried back with their
traceback, and no worker process left behind however the loop ends."""
import gc
import math
import os
import time
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.utils.data import DataLoader, Dataset, TensorDataset, get_worker_info
from tests.utils.conftest import assert_same, child_pids


@pytest.fixture
def no_leftover_workers():
    """Fails the test if it leaves a child process behind."""
    before = set(child_pids())
    yield
    if set(child_pids()) - before:
        gc.collect()  # slow with torch loaded: only when something is still there
    deadline = time.monotonic() + 5
    while set(child_pids()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(child_pids()) - before == set(), "worker processes were left behind"


class Samples(Dataset):
    """(float32 image, int label, str name) samples; the image depends only on the index."""

    def __init__(self, n=37):
        self.n = n

    def __getitem__(self, i):
        return np.full((2, 3), i, np.float32), i % 4, f"s{i}"

    def __len__(self):
        return self.n


class WhoAmI(Dataset):
    """Each sample says which process produced it and what that process's RNGs give."""

    def __getitem__(self, i):
        info = get_worker_info()
        return {"pid": os.getpid(), "id": -1 if info is None else info.id, "seed": -1 if info is None else info.seed,
                "num_workers": 0 if info is None else info.num_workers, "init": INIT.get("worker", -1),
                "own_copy": info is not None and info.dataset is self, "rand": ember.rand(1).item()}

    def __len__(self):
        return 8


INIT = {}


def remember_worker(worker_id):
    INIT["worker"] = worker_id


def mnist_like():
    rng = np.random.default_rng(1)
    return TensorDataset(ember.from_numpy(rng.random((300, 1, 28, 28), dtype=np.float32)),
                         ember.from_numpy(rng.integers(0, 10, 300)))


LOADERS = {
    "tensor_shuffled": lambda: (mnist_like(), dict(batch_size=64, shuffle=True)),
    "tensor_drop_last": lambda: (mnist_like(), dict(batch_size=64, shuffle=True, drop_last=True)),
    "samples": lambda: (Samples(), dict(batch_size=5)),
    "samples_shuffled_generator": lambda: (Samples(), dict(batch_size=4, shuffle=True,
                                                           generator=ember.Generator().manual_seed(4))),
    "no_batching": lambda: (Samples(9), dict(batch_size=None)),
    "one_per_batch": lambda: (Samples(9), dict()),
}


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("name", LOADERS)
def test_workers_yield_the_single_process_batches(name, workers, no_leftover_workers):
    ember.manual_seed(11)
    ds, kwargs = LOADERS[name]()
    expected = list(DataLoader(ds, **kwargs))
    ember.manual_seed(11)
    ds, kwargs = LOADERS[name]()
    got = list(DataLoader(ds, num_workers=workers, **kwargs))
    assert len(got) == len(expected)
    for k, (e, t) in enumerate(zip(got, expected)):
        assert_structure_equal(e, t, f"batch {k}")


def assert_structure_equal(a, b, path):
    assert type(a) is type(b), path
    if isinstance(a, ember.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tolist() == b.tolist(), path
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_structure_equal(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


def test_worker_batches_match_torch_workers(no_leftover_workers):
    e = list(DataLoader(Samples(), batch_size=6, num_workers=2))
    t = list(torch.utils.data.DataLoader(Samples(), batch_size=6, num_workers=2))
    for k, (a, b) in enumerate(zip(e, t)):
        assert_same(a, b, f"batch {k}")
    assert len(e) == len(t) == math.ceil(37 / 6)


def range_dataset(tm, start, end, split):
    """range(start, end) as an IterableDataset of library tm, split between workers by
    get_worker_info() (the example of torch's docs) when `split`."""
    def __iter__(self):
        info = tm.utils.data.get_worker_info()
        if info is None or not split:
            return iter(range(start, end))
        per = int(math.ceil((end - start) / info.num_workers))
        lo = start + info.id * per
        return iter(range(lo, min(lo + per, end)))
    return type("Range", (tm.utils.data.IterableDataset,), {"__iter__": __iter__})()


@pytest.mark.parametrize("workers,batch_size,drop_last,split", [(2, None, False, True), (2, 2, False, True),
                                                                (3, 2, True, True), (2, 3, False, False),
                                                                (4, 1, False, True)])
def test_iterable_dataset_in_workers_matches_torch(workers, batch_size, drop_last, split, no_leftover_workers):
    kw = dict(num_workers=workers, batch_size=batch_size, drop_last=drop_last)
    out = []
    for tm in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out.append([b if batch_size is None else b.tolist()
                        for b in tm.utils.data.DataLoader(range_dataset(tm, 3, 14, split), **kw)])
        out.append([str(x.message) for x in w])
    assert out[0] == out[2] and out[1] == out[3]
    assert bool(out[1]) == (workers > len(os.sched_getaffinity(0)))  # the too-many-workers warning


def test_worker_info_seeds_and_init_fn(no_leftover_workers):
    ember.manual_seed(0)
    rows = list(DataLoader(WhoAmI(), batch_size=None, num_workers=2, worker_init_fn=remember_worker))
    assert [r["id"] for r in rows] == [0, 1] * 4  # tasks go round-robin
    assert all(r["init"] == r["id"] and r["num_workers"] == 2 and r["own_copy"] for r in rows)
    pids = {r["id"]: r["pid"] for r in rows}
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
    seeds = {r["id"]: r["seed"] for r in rows}
    assert seeds[1] == seeds[0] + 1
    # workers draw different random streams, and the same ones again under the same seed
    assert rows[0]["rand"] != rows[1]["rand"]
    ember.manual_seed(0)
    again = list(DataLoader(WhoAmI(), batch_size=None, num_workers=2))
    assert [r["rand"] for r in again] == [r["rand"] for r in rows] and [r["seed"] for r in again] == \
        [r["seed"] for r in rows]
    assert INIT == {}  # worker_init_fn ran in the workers, not here


@pytest.mark.parametrize("persistent", [True, False])
def test_persistent_workers_survive_epochs(persistent, no_leftover_workers):
    loader = DataLoader(WhoAmI(), batch_size=2, num_workers=2, persistent_workers=persistent)
    epochs = [{p for b in loader for p in b["pid"].tolist()} for _ in range(3)]
    assert all(len(e) == 2 for e in epochs)
    if persistent:
        assert epochs[0] == epochs[1] == epochs[2]
        assert len(set(child_pids()) & epochs[0]) == 2  # still alive between epochs
        del loader
    else:
        assert not (epochs[0] & epochs[1]) and not (set(child_pids()) & epochs[0])


def test_persistent_workers_restart_after_a_broken_epoch(no_leftover_workers):
    loader = DataLoader(Samples(), batch_size=3, num_workers=2, persistent_workers=True)
    full = [b[1].tolist() for b in loader]
    for k, b in enumerate(loader):
        if k == 2:
            break
    assert [b[1].tolist() for b in loader] == full
    del loader, b


class Logged(Dataset):
    """Appends each fetched index to a file, so the test can see how far the workers ran ahead."""

    def __init__(self, path):
        self.path = path

    def __getitem__(self, i):
        with open(self.path, "a") as f:
            f.write(f"{i}\n")
        return i

    def __len__(self):
        return 40


@pytest.mark.parametrize("prefetch", [1, 3])
def test_prefetch_factor_bounds_work_in_flight(prefetch, tmp_path, no_leftover_workers):
    log = tmp_path / "fetched.txt"
    it = iter(DataLoader(Logged(str(log)), batch_size=None, num_workers=2, prefetch_factor=prefetch))
    assert next(it) == 0
    time.sleep(1.0)
    # the initial 2 * prefetch tasks, plus one sent when the first result was handed out
    assert len(log.read_text().split()) == 2 * prefetch + 1
    assert list(it) == list(range(1, 40))


class Slow(Dataset):
    def __getitem__(self, i):
        if i == 2:
            time.sleep(30)
        return i

    def __len__(self):
        return 4


def test_timeout(no_leftover_workers):
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.5 seconds$"):
        list(DataLoader(Slow(), batch_size=None, num_workers=1, timeout=0.5))
    assert time.monotonic() - start < 10


class Faulty(Dataset):
    def __init__(self, exc):
        self.exc = exc

    def __getitem__(self, i):
        if i == 3:
            raise self.exc
        return i

    def __len__(self):
        return 6


def _first_error(loader):
    with pytest.raises(Exception) as info:
        list(loader)
    exc = info.value
    exc.__traceback__ = None  # the traceback would keep the iterator, and torch's workers, alive
    return exc


def torch_worker_error(exc, worker_id):
    """The exception torch's main process raises for `exc` caught in worker `worker_id` (built with
    torch's own ExceptionWrapper, which its workers use, without starting processes)."""
    try:
        raise exc
    except type(exc):
        wrapper = torch._utils.ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
    with pytest.raises(type(exc)) as info:
        wrapper.reraise()
    return info.value


def test_worker_exception_carries_its_traceback(no_leftover_workers):
    it = iter(DataLoader(Faulty(ValueError("bad sample 3")), batch_size=None, num_workers=2))
    assert [next(it) for _ in range(3)] == [0, 1, 2]
    e = _first_error(it)
    assert list(it) == []  # the workers are gone; the epoch is over
    t = torch_worker_error(ValueError("bad sample 3"), 1)  # index 3 went to worker 1
    assert type(e) is type(t) is ValueError
    msg = str(e)
    assert msg.splitlines()[:2] == str(t).splitlines()[:2] == [
        "Caught ValueError in DataLoader worker process 1.", "Original Traceback (most recent call last):"]
    assert "in __getitem__" in msg and "raise self.exc" in msg and msg.rstrip().endswith("ValueError: bad sample 3")


def test_worker_key_error_and_unpicklable_exception(no_leftover_workers):
    e = _first_error(DataLoader(Faulty(KeyError("k")), batch_size=None, num_workers=1))
    t = torch_worker_error(KeyError("k"), 0)
    assert type(e) is KeyError and str(e).splitlines()[0] == str(t).splitlines()[0]
    assert str(e).endswith("KeyError: 'k'\n") and str(t).endswith("KeyError: 'k'\n")

    class Local(Exception):
        pass
    e = _first_error(DataLoader(Faulty(Local("local")), batch_size=None, num_workers=1))
    assert type(e) is RuntimeError and "Local: local" in str(e)


def test_worker_init_fn_error_reaches_main(no_leftover_workers):
    def bad_init(worker_id):
        raise OSError(f"cannot open shard {worker_id}")
    e = _first_error(DataLoader(Samples(), num_workers=1, worker_init_fn=bad_init))
    assert type(e) is OSError and "cannot open shard 0" in str(e) and "bad_init" in str(e)


def test_unpicklable_batch_is_an_error_not_a_hang(no_leftover_workers):
    class Lambdas(Dataset):
        def __getitem__(self, i):
            return lambda: i

        def __len__(self):
            return 2
    start = time.monotonic()
    e = _first_error(DataLoader(Lambdas(), batch_size=None, num_workers=1, collate_fn=lambda x: x))
    assert "Caught" in str(e) and "pickle" in str(e).lower() and time.monotonic() - start < 10


class Dying(Dataset):
    def __getitem__(self, i):
        if i == 1:
            os._exit(3)
        return i

    def __len__(self):
        return 4


def test_worker_that_dies_is_reported(no_leftover_workers):
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(DataLoader(Dying(), batch_size=None, num_workers=2))


class DiesOnce(Dataset):
    def __init__(self, flag):
        self.flag = flag

    def __getitem__(self, i):
        if i == 1 and not os.path.exists(self.flag):
            open(self.flag, "w").close()
            os._exit(3)
        return i

    def __len__(self):
        return 4


def test_persistent_loader_starts_new_workers_after_a_crash(tmp_path, no_leftover_workers):
    loader = DataLoader(DiesOnce(str(tmp_path / "died")), batch_size=None, num_workers=2, persistent_workers=True)
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(loader)
    assert list(loader) == [0, 1, 2, 3]
    del loader


def test_no_workers_left_after_break_and_after_finishing(no_leftover_workers):
    seen = set()
    for k, b in enumerate(DataLoader(WhoAmI(), batch_size=2, num_workers=2)):
        seen.update(b["pid"].tolist())
        if k == 1:
            break
    # leaving the loop drops its iterator, which stops and reaps the workers at once
    assert len(seen) == 2 and not seen & set(child_pids())
    it = iter(DataLoader(WhoAmI(), batch_size=2, num_workers=2))
    pids = {int(p) for b in it for p in b["pid"].tolist()}
    assert len(pids) == 2 and not pids & set(child_pids())  # a finished epoch shuts down before collection
    assert it._shutdown


def test_iterator_cannot_be_pickled():
    import pickle
    with pytest.raises(NotImplementedError):
        pickle.dumps(iter(DataLoader(Samples())))


def multiprocessing_helpers(pids):
    """The long-lived helper Python's spawn starts once per program (not a worker)."""
    helpers = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if b"resource_tracker" in cmdline:
            helpers.add(pid)
    return helpers


def test_spawn_context_in_order_and_prefetch_match_torch():
    # a spawned worker imports the library afresh and unpickles the dataset; in_order=False may
    # reorder batches in torch (never in Ember), so the batches are compared as a set
    import multiprocessing
    before = set(child_pids())
    kwargs = dict(batch_size=4, num_workers=2, multiprocessing_context=multiprocessing.get_context("spawn"), in_order=False, prefetch_factor=1)
    e = DataLoader(TensorDataset(ember.arange(10), ember.arange(10) * 2), **kwargs)
    t = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(10), torch.arange(10) * 2), **kwargs)
    got, want = [[x.tolist(), y.tolist()] for x, y in e], [[x.tolist(), y.tolist()] for x, y in t]
    assert sorted(got) == sorted(want) and len(e) == len(t)
    assert e.multiprocessing_context.get_start_method() == t.multiprocessing_context.get_start_method()

    def workers_left():
        pids = set(child_pids()) - before
        return pids - multiprocessing_helpers(pids)
    deadline = time.monotonic() + 5
    while workers_left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers_left() == set(), "worker processes were left behind"
