"""How Ember uses the cores: its own threads share out the large kernels, and BLAS runs on one thread.

A multi-threaded BLAS parallelises each GEMM by itself, but its idle threads keep spinning for a
while after every call and steal the second core from whatever runs next (an im2col copy, a pooling
pass), and it synchronises its threads on every small GEMM. So at import the BLAS that NumPy loaded
is set to one thread, and the kernels that are worth it (convolutions, large matrix products, the
optimizers' updates on large parameters) split their work into one share per thread themselves:
NumPy and BLAS release the GIL in their loops, so the shares run on the cores at the same time.

`ember.set_num_threads(n)` sets how many shares (torch.set_num_threads: 1 makes everything serial).

Handing a share to a thread must be quick: a share of a mid-sized product takes ~0.5 ms, and on a
virtual machine a thread asleep on a lock takes 0.1-0.5 ms to wake, and a Python thread that wakes must
then take the GIL from the thread that handed it the work. Once the compiled loops are ready the workers
are Ember's own (`_Workers`): after a share each watches its flag for a few milliseconds in a compiled
loop that holds no GIL (ember._kernels.spin) before it sleeps, and a matrix-product share (`matmul`,
`products`) it runs there itself, calling the BLAS's cblas_?gemm through its address, so that share
never waits for the GIL: a 768×128×384 product split in two takes 0.55-0.6 ms instead of 0.9 ms on one
core. A compiled loop's share runs there too, as a C function (a numba cfunc reading its arrays from
addresses: `alongside`, GELU's shares). Other Python shares go back to Python. The calling thread
watches the worker's flag too, except when it had to wake the worker: a CPU spinning there delays the
other's wake-up by a millisecond on such a machine. Until the loops are ready (or without numba) a
ThreadPoolExecutor runs the shares.

A product can also be handed to a worker for later (`later`): a linear layer's backward hands over its
weight's gradient, which only the optimizer reads, and goes on down the graph while the worker makes it; the
autograd engine waits for it (`settle`) before anything reads it. The calling thread makes the input's
gradient meanwhile; a kernel that shares its work with the worker next waits for it to finish first.
"""
import ctypes
import glob
import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import build

__all__ = ["get_num_threads", "set_num_threads", "run", "each", "split", "alongside", "matmul", "products", "later",
           "pending", "settle"]

MIN_PRODUCTS_FLOPS = 1e7  # two independent products of ~0.1 ms each already pay for a hand-off
MIN_SPLIT_FLOPS = 5e7  # a matrix product below this (~0.5 ms on a core) gains less than a hand-off costs
MIN_WORKER_SPLIT_FLOPS = 1e7  # ... and below this (~0.12 ms) when Ember's workers run the shares
MIN_SPLIT_BYTES = 1 << 22  # an elementwise pass over less memory than this is not worth a thread hand-off
BLOCK_BYTES = 1 << 20      # a pass of several NumPy loops goes through memory in blocks of about this


def _openblas_paths():
    here = os.path.dirname(np.__file__)
    return glob.glob(os.path.join(here, "..", "numpy.libs", "*openblas*")) + \
        glob.glob(os.path.join(here, ".dylibs", "*openblas*"))


def _blas_set_num_threads():
    """openblas_set_num_threads of the OpenBLAS NumPy loaded (None for another BLAS)."""
    for path in _openblas_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                     "scipy_openblas_set_num_threads", "openblas_set_num_threads"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.argtypes, fn.restype = [ctypes.c_int], None
                return fn
    return None


_set_blas_threads = _blas_set_num_threads()
if _set_blas_threads is not None:
    _set_blas_threads(1)


def _blas_gemm_addresses():
    """{dtype: address} of the cblas_sgemm/dgemm (64-bit sizes) of the OpenBLAS NumPy loaded, for the
    workers to call without the GIL ({} for another BLAS: their matrix-product shares are Python calls)."""
    found = {}
    for path in _openblas_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for dtype, letter in ((np.dtype(np.float32), "s"), (np.dtype(np.float64), "d")):
            for name in (f"scipy_cblas_{letter}gemm64_", f"cblas_{letter}gemm64_"):
                fn = getattr(lib, name, None)
                if fn is not None and dtype not in found:
                    found[dtype] = ctypes.cast(fn, ctypes.c_void_p).value
        if found:
            return found
    return found


_GEMM = {}  # filled on first use by _gemm_kind
_fill = None  # spin.fill, once _gemm_kind has imported spin
# [threads, pid, executor]: the executor is made on first use and remade in a forked child (which
# inherits no threads). Without control of the BLAS threads, splitting would oversubscribe the cores.
_state = [int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)) if _set_blas_threads is not None else 1,
          None, None]
WATCH_TURNS = 150_000  # how long an idle worker watches its flag before it sleeps: ~5 ms of spin turns
_NAP = 50e-6           # the calling thread's sleep between looks at a worker it had to wake
_LINE = 8             # flags of different workers lie a cache line (8 int64) apart
_RING = 8             # jobs a worker can be handed ahead (products for later, `later`)


class _Workers:
    """Threads that each run one share at a time, handed over through flags (ember._kernels.spin):
    flags[LINE·i] counts the shares posted to worker i, flags[LINE·i + 1] those it has finished; row
    n % RING of jobs[i] says what share number n is (a matrix product it runs itself, or a Python call in
    calls[i]). Products handed to worker 0 for later (`later`) are kept alive in `later` until it ran them."""

    def __init__(self, n):
        from . import spin
        self.spin = spin
        self.flags = np.zeros(_LINE * n, np.int64)
        self.jobs = np.zeros((n, _RING, 6 * _LINE), np.int64)  # jobs, each with a CALL's arguments (up to 39)
        self.own = np.zeros(2 * _LINE, np.int64)  # the calling thread's own share of a split product
        self.calls = [None] * n
        self.results = [None] * n
        self.posted = [0] * n
        self.sleeping = [False] * n
        self.woken = [False] * n
        self.wake = threading.Condition()
        self.busy = threading.Lock()  # one caller at a time: a second one runs its shares itself
        self.failure = None
        self.later = []  # the arrays of the products handed over for later, until they are done
        # with more threads than cores (set_num_threads above the CPU count) a thread that spins keeps
        # another from running: then workers sleep as soon as they are idle and the caller naps
        self.turns = WATCH_TURNS if n + 1 <= _cores() else 0
        for i in range(n):
            threading.Thread(target=self._work, args=(i,), daemon=True, name=f"ember-{i}").start()

    def _work(self, i):
        flags, slot, ring = self.flags, _LINE * i, self.jobs[i]
        while True:
            try:
                served = self.spin.serve(flags, slot, ring, self.turns)
            except BaseException as e:  # the compiled loop failed (it could not compile, say): give up the
                self.failure = e        # workers, and let the caller that waits for a share raise it
                return
            if not served:  # idle for a while: sleep
                with self.wake:  # under the lock: a post after this check finds sleeping set
                    self.sleeping[i] = True
                    while flags[slot] == flags[slot + 1]:
                        self.wake.wait()
                    self.sleeping[i] = False
                continue
            fn, share = self.calls[i]
            self.calls[i] = None
            try:
                self.results[i] = (True, _share(fn, share))
            except BaseException as e:  # raised again in the calling thread
                self.results[i] = (False, e)
            flags[slot + 1] += 1

    def row(self, i):
        """Where the next job posted to worker i is written."""
        return self.jobs[i, self.posted[i] % _RING]

    def catch_up(self):
        """Wait for worker 0 to finish the products handed over for later (`later`)."""
        if self.later:
            self.finish(0)
            self.later.clear()

    def take(self):
        """The workers for this caller (their `busy` lock taken, once they caught up), or None when another
        caller has them."""
        if not self.busy.acquire(blocking=False):
            return None
        try:
            self.catch_up()
        except BaseException:
            self.busy.release()
            raise
        return self

    def post(self, i, fn=None, share=None):
        """Hand worker i a Python share fn(share), or without fn the compiled job written in row(i)."""
        if fn is not None:
            self.row(i)[0] = self.spin.PYTHON
            self.calls[i] = (fn, share)
        self.posted[i] += 1
        self.flags[_LINE * i] = self.posted[i]
        self.woken[i] = self.sleeping[i] or not self.turns
        if self.sleeping[i]:
            with self.wake:
                self.wake.notify_all()

    def finish(self, i):
        """Wait for worker i's share; its result (None for a matrix product), or its exception raised.
        The calling thread watches the flag too, unless the worker had to be woken: then it sleeps
        between looks (on a virtual machine a CPU spinning here delays the wake-up by a millisecond)."""
        slot = _LINE * i + 1
        if self.woken[i]:
            while self.flags[slot] != self.posted[i] and self.failure is None:
                time.sleep(_NAP)
        while self.failure is None and not self.spin.until(self.flags, slot, self.posted[i], 1 << 16):
            if self.sleeping[i]:
                with self.wake:
                    self.wake.notify_all()
        if self.failure is not None:
            raise RuntimeError(f"Ember's worker thread failed: {self.failure!r}") from self.failure
        if self.jobs[i, (self.posted[i] - 1) % _RING, 0] != self.spin.PYTHON:
            return None
        ok, value = self.results[i]
        self.results[i] = None
        if not ok:
            raise value
        return value

    def run(self, fn, shares):
        """[fn(share) for share in shares]: the first in the calling thread, the others one per worker."""
        workers = range(len(shares) - 1)
        for i in workers:
            self.post(i, fn, shares[i + 1])
        try:
            first = _share(fn, shares[0])
        finally:
            rest = [self.finish(i) for i in workers]
        return [first] + rest


def _cores():
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


_pools = {}  # (pid, workers) → _Workers: kept across set_num_threads, made again in a forked child


def _pool():
    """This process's workers: Ember's own once the compiled loops are ready, a ThreadPoolExecutor before."""
    n = _state[0] - 1
    if _spin_ready():
        key = (os.getpid(), n)
        if key not in _pools:
            _pools[key] = _Workers(n)
        if _pools[key].failure is None:
            return _pools[key]
        _ready.clear()  # the workers failed: the thread pool from now on
    if _state[1] != os.getpid():
        _state[1:] = [os.getpid(), ThreadPoolExecutor(n, thread_name_prefix="ember")]
    return _state[2]


_ready = []  # [True] once Ember's workers can be used (it stays so)


def _spin_ready():
    if not _ready and not any(p.failure is not None for p in _pools.values()):
        from .loops import _have_numba
        if _have_numba() and build.ready():
            _ready.append(True)
    return bool(_ready)


def get_num_threads():
    return _state[0]


def set_num_threads(n):
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    if _set_blas_threads is None:  # the BLAS keeps its own threads; Ember's kernels stay serial
        return
    if n != _state[0]:
        _state[:] = [n, None, None]


class _Inside(threading.local):
    active = False  # set while a thread runs a share: a share that splits again runs serially


_inside = _Inside()


def run(fn, items):
    """[fn(share) for each thread's share of items], the shares dealt round-robin; the calling
    thread takes the first share. One share (no thread hand-off) when there is one thread or item."""
    n = min(_state[0], len(items))
    if n < 2 or _inside.active:
        return [fn(items)]
    pool = _pool()
    shares = [items[i::n] for i in range(n)]
    if isinstance(pool, _Workers):
        if pool.take() is None:  # another thread of the program has the workers
            return [fn(share) for share in shares]
        try:
            return pool.run(fn, shares)
        finally:
            pool.busy.release()
    futures = [pool.submit(_share, fn, share) for share in shares[1:]]
    results = [_share(fn, shares[0])]
    results += [f.result() for f in futures]
    return results


def each(fn, items):
    """[fn(item) for item in items], each item taken by whichever thread is free next (the calling
    thread too): a thread that starts late (waking one costs ~0.1 ms on some VMs) or runs slow takes
    fewer. The results come in the items' order, whichever thread made them."""
    n = min(_state[0], len(items))
    if n < 2 or _inside.active:
        return [fn(item) for item in items]
    results = [None] * len(items)
    turn = itertools.count()  # next() on it is atomic under the GIL

    def work(_):
        for i in iter(turn.__next__, None):
            if i >= len(items):
                return
            results[i] = fn(items[i])
    run(work, [None] * n)
    return results


def split(fn, n, nbytes):
    """fn(slice) over contiguous slices of range(n) (along a batch axis, say) for a pass that touches
    nbytes of memory: slices of about BLOCK_BYTES, so each stays in cache through the pass's several
    NumPy loops, shared out between the threads when there is enough work to pay for the hand-off."""
    pieces = max(1, min(n, nbytes // BLOCK_BYTES))
    threads = min(_state[0], n) if nbytes >= MIN_SPLIT_BYTES else 1
    pieces = max(pieces, threads)
    step = -(-n // pieces)
    slices = [slice(i, min(i + step, n)) for i in range(0, n, step)]
    if threads < 2:
        for s in slices:
            fn(s)
        return
    run(lambda part: [fn(s) for s in part], slices)


def _share(fn, share):
    _inside.active = True
    try:
        return fn(share)
    finally:
        _inside.active = False


def _gemm_job(a, b, c, bias=None, job=None):
    """job (a new one when None) with the fields of a worker's job c = a @ b (+ bias (N,) on every row:
    ember._kernels.spin's job layout), for 2-D arrays; None when its BLAS cannot take it."""
    dtype = c.dtype
    kind = gemm_kind(dtype)
    if not kind or a.dtype != dtype or b.dtype != dtype or not c.size or \
            (bias is not None and (bias.dtype != dtype or bias.shape != c.shape[1:])):
        return None
    job = np.zeros(2 * _LINE, np.int64) if job is None else job
    try:
        written = _fill(job, kind[0], kind[1], a, b, c, kind[2] if bias is None else bias, bias is not None)
    except TypeError:  # arrays fill has no signature for (not 2-D, unaligned)
        return None
    return job if written else None


def gemm_kind(dtype):
    """(spin's job kind, the address of the BLAS's cblas_?gemm, an empty row) for dtype's products, or ()
    when Ember's workers cannot call a BLAS for it."""
    kind = _GEMM.get(dtype)
    return _gemm_kind(dtype) if kind is None else kind


def _gemm_kind(dtype):
    """_GEMM[dtype]: (spin's job kind, the cblas function's address, an empty bias row), () for no such BLAS."""
    global _fill
    from . import spin
    _fill = spin.fill
    addresses = _blas_gemm_addresses()
    for t, kind in ((np.float32, spin.SGEMM), (np.float64, spin.DGEMM)):
        if np.dtype(t) in addresses:
            _GEMM[np.dtype(t)] = (kind, addresses[np.dtype(t)], np.zeros(0, t))
    return _GEMM.setdefault(dtype, ())


def _take_workers(n):
    """Ember's workers, taken by this caller (their `busy` lock held: release it), when they can run n
    compiled jobs now (once they finished the products for later); None when they cannot (one thread, a
    share splitting again, another caller, the workers not ready)."""
    pool = _pool() if _state[0] >= 2 and not _inside.active else None
    if not isinstance(pool, _Workers) or n > len(pool.posted):
        return None
    return pool.take()


def _run_posted(pool, own, n):
    """Hand the workers the n jobs written in their rows, run own() here meanwhile, wait for the jobs; then
    give the workers back."""
    try:
        for i in range(n):
            pool.post(i)
        try:
            own()
        finally:
            for i in range(n):
                pool.finish(i)
    finally:
        pool.busy.release()


def alongside(own, jobs):
    """own() in the calling thread while Ember's workers run the compiled jobs (ember._kernels.spin's job
    layout), one each: no share waits for the GIL. jobs: their list, or a function making it, called
    only when the workers can take them. False (nothing run) when they cannot now (one thread, a share
    splitting again, another caller, the workers not ready, a job None)."""
    pool = _take_workers(1)
    if pool is None:
        return False
    jobs = jobs() if callable(jobs) else jobs
    if len(jobs) > len(pool.posted) or None in jobs:
        pool.busy.release()
        return False
    for i, job in enumerate(jobs):
        pool.row(i)[:len(job)] = job
    _run_posted(pool, own, len(jobs))
    return True


def _products_on_workers(pairs, outs, adds=None, also=None):
    """outs[i] = a @ b (+ adds[i], broadcast) for each pair, the first in the calling thread and the others
    handed to Ember's workers as BLAS calls; each adds its bias row inside its job (one it cannot read is
    added after). The calling thread runs also() (into also[1]) while the workers finish. False (nothing
    done) when the workers cannot take them now."""
    pool = _take_workers(len(pairs) - 1)
    if pool is None:
        return False
    late = [None] * len(pairs)  # the adds a job cannot take (not a bias row it can read): added after
    rows = [pool.own] + [pool.row(i) for i in range(len(pairs) - 1)]
    for i, ((a, b), out, row) in enumerate(zip(pairs, outs, rows)):
        add = None if adds is None else adds[i]
        if add is None or add.ndim != 1 or _gemm_job(a, b, out, add, row) is None:
            late[i] = add
            if _gemm_job(a, b, out, None, row) is None:
                if i > 0:
                    pool.busy.release()
                    return False
                rows[0] = None  # the calling thread's own product is NumPy's

    def own():
        if rows[0] is not None:
            pool.spin.gemm(rows[0])
        else:
            np.matmul(*pairs[0], out=outs[0])
        if also is not None:
            also[1] = also[0]()
    _run_posted(pool, own, len(pairs) - 1)
    for out, add in zip(outs, late):
        if add is not None:
            out += add
    return True


def matmul(a, b, out=None, bias=None):
    """a (M, K) @ b (K, N) (+ bias, (N,)) for 2-D arrays, the larger of M and N split between the threads
    when the product is large enough to pay for it. Each thread writes its own block of `out`."""
    M, K = a.shape
    N = b.shape[1]
    flops = 2.0 * M * N * K
    if _state[0] < 2 or flops < MIN_WORKER_SPLIT_FLOPS or max(M, N) < 2 * _state[0] or \
            (flops < MIN_SPLIT_FLOPS and not _spin_ready()):
        # np.dot: the same BLAS call as np.matmul for 2-D arrays, ~0.8 us sooner (a batch-1 layer's whole op)
        out = np.dot(a, b) if out is None else np.matmul(a, b, out=out)
        if bias is not None:
            out += bias
        return out
    if out is None:
        out = np.empty((M, N), np.result_type(a, b))
    rows = M >= N
    step = -(-(M if rows else N) // _state[0])
    blocks = [(slice(s, s + step), slice(None)) if rows else (slice(None), slice(s, s + step))
              for s in range(0, M if rows else N, step)]
    pairs = [(a[r], b[:, c]) for r, c in blocks]
    adds = None if bias is None else [bias[c] for _, c in blocks]
    if _products_on_workers(pairs, [out[r, c] for r, c in blocks], adds):
        return out

    def share(part):
        for r, c in part:
            np.matmul(a[r], b[:, c], out=out[r, c])
            if bias is not None:
                out[r, c] += bias[c]
    run(share, blocks)
    return out


def products(pairs, also=None):
    """[a @ b for (a, b) in pairs] for independent 2-D products (a layer's two gradients, say): side
    by side, one per thread, when together they are worth a hand-off but none is large enough for
    matmul to split it between the threads itself (then one after the other, each split). With also (a
    function), its result is appended: the calling thread runs it while Ember's workers finish theirs."""
    flops = [2.0 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in pairs]
    extra = [] if also is None else [also, None]
    if _state[0] < 2 or len(pairs) < 2 or sum(flops) < MIN_PRODUCTS_FLOPS:
        results = [matmul(a, b) for a, b in pairs]
    else:
        results = [np.empty((a.shape[0], b.shape[1]), np.result_type(a, b)) for a, b in pairs]
        if max(flops) < 3 * min(flops) and _products_on_workers(pairs, results, also=extra or None):
            return results + extra[1:]
        if max(flops) >= MIN_SPLIT_FLOPS:
            results = [matmul(a, b) for a, b in pairs]
        else:
            results = each(lambda ab: np.matmul(*ab), pairs)
    return results + ([also()] if also is not None else [])


_handed = []  # the pools holding products for later


def later(a, b):
    """a @ b (2-D arrays) into a new array, handed to one of Ember's workers to run while the calling thread
    goes on (a weight's gradient, needed only once the backward pass is over): the array, to be read only
    after `settle()`, and a and b not to be changed until then; None when the workers cannot take it now.
    Worth it for products of MIN_WORKER_SPLIT_FLOPS and more."""
    pool = _pool() if _state[0] >= 2 and not _inside.active else None
    if not isinstance(pool, _Workers) or not pool.busy.acquire(blocking=False):
        return None
    try:
        if pool.posted[0] - pool.flags[1] >= _RING - 1:  # the ring is full
            return None
        out = np.empty((a.shape[0], b.shape[1]), a.dtype)
        if _gemm_job(a, b, out, None, pool.row(0)) is None:
            return None
        pool.later.append((a, b, out))
        if pool not in _handed:
            _handed.append(pool)
        pool.post(0)
        return out
    finally:
        pool.busy.release()


def pending(*arrays):
    """Whether a product handed over for later writes one of these arrays (till `settle()`)."""
    return any(out is x for pool in _handed for _, _, out in pool.later for x in arrays)


def settle():
    """Wait until the workers have run every product handed over for later (`later`)."""
    while _handed:
        _handed.pop().catch_up()
