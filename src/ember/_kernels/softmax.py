"""log_softmax over the last dim of a large C-contiguous array, a block of rows at a time.

The whole-array NumPy form makes six passes over memory (max, shift, exp, sum, log, subtract), each
through an array larger than the caches. Here the same NumPy calls run on blocks of rows that stay
in cache through all of them (the results are the same to the bit), and the blocks are shared out
between ember._kernels.threads's threads.
"""
import numpy as np

from . import threads as _threads


def log_softmax(a):
    """a - log(Σ exp(a)) along the last dim of a 2-D C-contiguous array (shifted by the row max)."""
    out = np.empty_like(a)

    def rows(s):
        x, o = a[s], out[s]
        np.subtract(x, x.max(axis=1, keepdims=True), out=o)
        o -= np.log(np.exp(o).sum(axis=1, keepdims=True))
    _threads.split(rows, a.shape[0], 3 * a.nbytes)
    return out


def log_softmax_backward(g, y):
    """g - exp(y) · Σ g along the last dim, for y = log_softmax(x) and g = dL/dy (2-D, C-contiguous)."""
    out = np.empty_like(g)

    def rows(s):
        e = np.exp(y[s])
        e *= g[s].sum(axis=1, keepdims=True)
        np.subtract(g[s], e, out=out[s])
    _threads.split(rows, g.shape[0], 3 * g.nbytes)
    return out
