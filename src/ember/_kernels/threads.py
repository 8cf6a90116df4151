"""How Ember uses the cores: its own threads share out the large kernels, and BLAS runs on one thread.

A multi-threaded BLAS parallelises each GEMM by itself, but its idle threads keep spinning for a
while after every call and steal the second core from whatever runs next (an im2col copy, a pooling
pass), and it synchronises its threads on every small GEMM. So at import the BLAS that NumPy loaded
is set to one thread, and the kernels that are worth it (convolutions, large matrix products, the
optimizers' updates on large parameters) split their work into one share per thread themselves:
NumPy and BLAS release the GIL in their loops, so the shares run on the cores at the same time.

`ember.set_num_threads(n)` sets how many shares (torch.set_num_threads: 1 makes everything serial).
"""
import ctypes
import glob
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["get_num_threads", "set_num_threads", "run", "each", "split", "matmul", "products"]

MIN_PRODUCTS_FLOPS = 1e7  # two independent products of ~0.1 ms each already pay for a hand-off
MIN_SPLIT_FLOPS = 5e7  # a matrix product below this (~0.5 ms on a core) costs less than a thread hand-off (~0.1 ms)
MIN_SPLIT_BYTES = 1 << 22  # an elementwise pass over less memory than this is not worth a thread hand-off
BLOCK_BYTES = 1 << 20      # a pass of several NumPy loops goes through memory in blocks of about this


def _blas_set_num_threads():
    """openblas_set_num_threads of the OpenBLAS NumPy loaded (None for another BLAS)."""
    here = os.path.dirname(np.__file__)
    paths = glob.glob(os.path.join(here, "..", "numpy.libs", "*openblas*")) + \
        glob.glob(os.path.join(here, ".dylibs", "*openblas*"))
    for path in paths:
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

# [threads, pid, executor]: the executor is made on first use and remade in a forked child (which
# inherits no threads). Without control of the BLAS threads, splitting would oversubscribe the cores.
_state = [int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)) if _set_blas_threads is not None else 1,
          None, None]


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


_inside = threading.local()  # set while a thread runs a share: a share that splits again runs serially


def run(fn, items):
    """[fn(share) for each thread's share of items], the shares dealt round-robin; the calling
    thread takes the first share. One share (no thread hand-off) when there is one thread or item."""
    n = min(_state[0], len(items))
    if n < 2 or getattr(_inside, "active", False):
        return [fn(items)]
    if _state[1] != os.getpid():
        _state[1:] = [os.getpid(), ThreadPoolExecutor(_state[0] - 1, thread_name_prefix="ember")]
    shares = [items[i::n] for i in range(n)]
    futures = [_state[2].submit(_share, fn, share) for share in shares[1:]]
    results = [_share(fn, shares[0])]
    results += [f.result() for f in futures]
    return results


def each(fn, items):
    """[fn(item) for item in items], each item taken by whichever thread is free next (the calling
    thread too): a thread that starts late (waking one costs ~0.1 ms on some VMs) or runs slow takes
    fewer. The results come in the items' order, whichever thread made them."""
    n = min(_state[0], len(items))
    if n < 2 or getattr(_inside, "active", False):
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


def matmul(a, b, out=None):
    """a (M, K) @ b (K, N) for 2-D arrays, the larger of M and N split between the threads when the
    product is large enough to pay for it. Each thread writes its own block of `out`."""
    M, K = a.shape
    N = b.shape[1]
    if _state[0] < 2 or 2.0 * M * N * K < MIN_SPLIT_FLOPS or max(M, N) < 2 * _state[0]:
        return np.matmul(a, b, out=out)
    if out is None:
        out = np.empty((M, N), np.result_type(a, b))
    rows = M >= N
    step = -(-(M if rows else N) // _state[0])
    starts = list(range(0, M if rows else N, step))

    def share(part):
        for s in part:
            if rows:
                np.matmul(a[s:s + step], b, out=out[s:s + step])
            else:
                np.matmul(a, b[:, s:s + step], out=out[:, s:s + step])
    run(share, starts)
    return out


def products(pairs):
    """[a @ b for (a, b) in pairs] for independent 2-D products (a layer's two gradients, say): side
    by side, one per thread, when together they are worth a hand-off but none is large enough for
    matmul to split it between the threads itself (then one after the other, each split)."""
    flops = [2.0 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in pairs]
    if _state[0] < 2 or len(pairs) < 2 or sum(flops) < MIN_PRODUCTS_FLOPS or max(flops) >= MIN_SPLIT_FLOPS:
        return [matmul(a, b) for a, b in pairs]
    return each(lambda ab: np.matmul(*ab), pairs)
