"""log_softmax over the last dim of a large C-contiguous array, a block of rows at a time.

The whole-array NumPy form makes six passes over memory (max, shift, exp, sum, log, subtract), each
through an array larger than the caches. Here the passes run on blocks of rows that stay in cache
through all of them, and the blocks are shared out between ember._kernels.threads's threads. In
float32, once the compiled loops are ready, each row is one compiled call's three loops (max, exp
and sum, the output), with the vectorised exp of ember._kernels.vmath (NumPy's float32 exp runs one
element at a time on CPUs without AVX-512) and sums in float64.
"""
import functools

import numpy as np

from . import threads as _threads
from .loops import _jit, _lock, fits


@functools.lru_cache(maxsize=None)
def _compile():
    import math

    global exp, row_max, row_sum  # globals, not closure cells (see fused._vmath_globals)
    from .vmath import exp, row_max, row_sum

    @_jit
    def log_softmax_rows(x, out):
        """out[r] = x[r] - max - log Σ exp(x[r] - max), each row in cache through its three loops."""
        for r in range(x.shape[0]):
            row, o = x[r], out[r]
            m = row_max(row)
            for j in range(row.size):
                o[j] = exp(row[j] - m)
            t = x.dtype.type(math.log(row_sum(o)))
            for j in range(row.size):
                o[j] = (row[j] - m) - t

    @_jit
    def log_softmax_backward_rows(g, y, out):
        """out[r] = g[r] - exp(y[r])·Σ g[r]."""
        for r in range(g.shape[0]):
            gr, yr, o = g[r], y[r], out[r]
            t = g.dtype.type(row_sum(gr))
            for j in range(gr.size):
                o[j] = gr[j] - exp(yr[j]) * t
    return log_softmax_rows, log_softmax_backward_rows


def _kernels(a):
    """The compiled (log_softmax_rows, log_softmax_backward_rows) for float32 arrays like a, or None (NumPy's
    passes)."""
    if a.dtype != np.float32 or not fits(a):
        return None
    with _lock:
        return _compile()


def log_softmax(a):
    """a - log(Σ exp(a)) along the last dim of a 2-D C-contiguous array (shifted by the row max)."""
    out = np.empty_like(a)
    kernels = _kernels(a)

    def rows(s):
        if kernels is not None:
            kernels[0](a[s], out[s])
            return
        x, o = a[s], out[s]
        np.subtract(x, x.max(axis=1, keepdims=True), out=o)
        o -= np.log(np.exp(o).sum(axis=1, keepdims=True))
    _threads.split(rows, a.shape[0], 3 * a.nbytes)
    return out


def log_softmax_backward(g, y):
    """g - exp(y) · Σ g along the last dim, for y = log_softmax(x) and g = dL/dy (2-D, C-contiguous)."""
    out = np.empty_like(g)
    kernels = _kernels(g) if y.dtype == g.dtype else None

    def rows(s):
        if kernels is not None:
            kernels[1](g[s], y[s], out[s])
            return
        e = np.exp(y[s])
        e *= g[s].sum(axis=1, keepdims=True)
        np.subtract(g[s], e, out=out[s])
    _threads.split(rows, g.shape[0], 3 * g.nbytes)
    return out
