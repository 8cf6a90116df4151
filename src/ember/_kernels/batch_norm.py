"""How this CPU runs BatchNorm with batch statistics: compiled passes over x viewed as (N, C, L),
the channels shared out between the threads (each pass takes the whole arrays and its range of
channels); statistics and per-channel factors in float64.

    forward   mean, var (biased) per channel (two passes), then y = (x - mean) · invstd·w + b (one)
    backward  Σ g and Σ g·(x - mean) per channel (one pass), then (one pass)
              gx = w·invstd · (g - Σg/n - (x - mean) · invstd² · Σg·(x - mean)/n)
"""
import numpy as np

from . import loops as _loops, threads as _threads


def fits(x, *params):
    """Whether the compiled passes take x (N, C, L) and the per-channel params (or None)."""
    return x.size > 0 and _loops.fits(x, *(p for p in params if p is not None))


def forward(x, weight, bias, eps, stats=None):
    """(y, mean, var): y = (x - mean) · invstd · weight + bias over x (N, C, L) with the batch's
    statistics (mean, biased var, float64 (C,)), or with `stats` = (mean, var) given."""
    N, C, L = x.shape
    if stats is None:
        mean, var = np.empty(C), np.empty(C)
        _threads.split(lambda s: _loops.batch_norm_stats(x, mean, var, s.start, s.stop), C, x.nbytes)
    else:
        mean, var = (np.asarray(a, np.float64).reshape(C) for a in stats)
    scale = 1.0 / np.sqrt(var + eps)
    if weight is not None:
        scale = scale * weight
    shift = np.zeros(C) if bias is None else bias.astype(np.float64)
    y = np.empty(x.shape, x.dtype)
    _threads.split(lambda s: _loops.batch_norm_apply(x, mean, scale, shift, y, s.start, s.stop), C,
                   2 * x.nbytes)
    return y, mean, var


def backward(g, x, mean, invstd, weight, need_x):
    """(gx or None, gw, gb) of forward with batch statistics: g, x (N, C, L), mean and invstd (C,)."""
    N, C, L = x.shape
    sum_g, sum_gxc = np.empty(C), np.empty(C)
    _threads.split(lambda s: _loops.batch_norm_grad_sums(g, x, mean, sum_g, sum_gxc, s.start, s.stop), C,
                   2 * x.nbytes)
    gw, gb = (sum_gxc * invstd).astype(x.dtype), sum_g.astype(x.dtype)
    gx = None
    if need_x:
        n = N * L
        k_g = invstd if weight is None else invstd * weight
        k_x, k_0 = -k_g * invstd * invstd * sum_gxc / n, -k_g * sum_g / n
        gx = np.empty(x.shape, x.dtype)
        _threads.split(lambda s: _loops.batch_norm_grad_input(g, x, mean, k_g, k_x, k_0, gx, s.start, s.stop), C,
                       3 * x.nbytes)
    return gx, gw, gb
