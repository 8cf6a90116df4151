"""log_softmax over the last dim of a large C-contiguous array, a block of rows at a time.

The whole-array NumPy form makes six passes over memory (max, shift, exp, sum, log, subtract), each
through an array larger than the caches. Here the passes run on blocks of rows that stay in cache
through all of them, and the blocks are shared out between ember._kernels.threads's threads. In
float32, once the compiled loops are ready, the exponentials (the costly pass: NumPy's float32 exp
runs one element at a time on CPUs without AVX-512) are a compiled loop with the vectorised exp of
ember._kernels.vmath, fused with the shift before them or the product after them; the maxima and
sums stay NumPy's (pairwise sums, as before).
"""
import functools

import numpy as np

from . import threads as _threads
from .loops import _jit, _lock, fits


@functools.lru_cache(maxsize=None)
def _compile():
    from .vmath import exp

    @_jit
    def exp_rows(x, shift, out):
        """out[r, j] = exp(x[r, j] - shift[r])."""
        for r in range(x.shape[0]):
            row, o, m = x[r], out[r], shift[r]
            for j in range(row.size):
                o[j] = exp(row[j] - m)

    @_jit
    def sub_exp_rows(g, y, s, out):
        """out[r, j] = g[r, j] - exp(y[r, j])·s[r]."""
        for r in range(g.shape[0]):
            gr, yr, o, t = g[r], y[r], out[r], s[r]
            for j in range(gr.size):
                o[j] = gr[j] - exp(yr[j]) * t

    @_jit
    def shift_rows(x, shift, total, out):
        """out[r, j] = (x[r, j] - shift[r]) - total[r]."""
        for r in range(x.shape[0]):
            row, o, m, t = x[r], out[r], shift[r], total[r]
            for j in range(row.size):
                o[j] = (row[j] - m) - t
    return exp_rows, sub_exp_rows, shift_rows


def _kernels(a):
    """The compiled (exp_rows, sub_exp_rows, shift_rows) for float32 arrays like a, or None (NumPy's passes)."""
    if a.dtype != np.float32 or not fits(a):
        return None
    with _lock:
        return _compile()


def log_softmax(a):
    """a - log(Σ exp(a)) along the last dim of a 2-D C-contiguous array (shifted by the row max)."""
    out = np.empty_like(a)
    kernels = _kernels(a)

    def rows(s):
        x, o = a[s], out[s]
        m = x.max(axis=1, keepdims=True)
        if kernels is None:
            np.subtract(x, m, out=o)
            o -= np.log(np.exp(o).sum(axis=1, keepdims=True))
            return
        kernels[0](x, m[:, 0], o)
        kernels[2](x, m[:, 0], np.log(o.sum(axis=1)), o)
    _threads.split(rows, a.shape[0], 3 * a.nbytes)
    return out


def log_softmax_backward(g, y):
    """g - exp(y) · Σ g along the last dim, for y = log_softmax(x) and g = dL/dy (2-D, C-contiguous)."""
    out = np.empty_like(g)
    kernels = _kernels(g) if y.dtype == g.dtype else None

    def rows(s):
        total = g[s].sum(axis=1, keepdims=True)
        if kernels is not None:
            kernels[1](g[s], y[s], total[:, 0], out[s])
            return
        e = np.exp(y[s])
        e *= total
        np.subtract(g[s], e, out=out[s])
    _threads.split(rows, g.shape[0], 3 * g.nbytes)
    return out
