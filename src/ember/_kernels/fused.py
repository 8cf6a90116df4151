"""Compiled single-pass loops (numba) for a transformer's row and elementwise ops: GELU, LayerNorm and
the causal softmax of attention, forward and backward.

NumPy runs each of them as several passes over the activations (LayerNorm's backward a dozen), and
SciPy's erf is a scalar loop twenty times slower than an exp: here each is one pass, over the
contiguous float32/float64 arrays `loops.fits` accepts. Each kernel is compiled (and cached on
disk) on its first call, alone, so a program pays only for the kernels it uses.
"""
import functools
import math

import numpy as np

from .loops import _lock, fits

__all__ = ["fits", "gelu", "gelu_backward"]

# erfc(u) = t·e^{-u²}·S(t), t = 1/(1 + u/2), on 0 ≤ u ≤ 5.5 (erf(5.5) is 1 in float32 and float64 to
# 1e-14): S's coefficients are a least-squares fit to SciPy's erfcx (tools/fit_erfc.py), erf's error
# ≤ 3e-10, far below float32's rounding (6e-8 at 1). A polynomial and an exp written as one
# (e^{y/64})^64 leave the loop free of calls, so LLVM vectorises it.
_ERFC_FIT = (0.2852440454642083, 0.24516386477420005, 0.434012537419427, -0.35394050685546485,
             0.9815771592499047, -0.8828636435988522, 0.3422453026809005, -0.05143875908692201)
_U_MAX = 5.5
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _jit(fn):
    """numba.njit as ember._kernels.loops._jit, allowed to fuse multiply-adds and to multiply by a
    reciprocal (the divisions by constants): a float64 GELU pass runs 1.6x faster."""
    import numba
    options = dict(nogil=True, error_model="numpy", fastmath={"contract", "arcp"})
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:  # no writable cache directory (a read-only install): compile in memory
        return numba.njit(**options)(fn)


@functools.lru_cache(maxsize=None)
def _erf_parts():
    c0, c1, c2, c3, c4, c5, c6, c7 = _ERFC_FIT
    u_max, s = _U_MAX, _INV_SQRT_2

    @_jit
    def erf_parts(x):
        """(erf(x/√2), e^{-x²/2}) in float64 for one value, both from the same exp."""
        u = min(abs(x) * s, u_max)
        z = -u * u / 64.0  # e^{-u²} = (e^{z})^64, z in [-0.48, 0]: Taylor to z^11 is exact to 1e-13
        e = 1.0 + z * (1.0 + z / 2 * (1.0 + z / 3 * (1.0 + z / 4 * (1.0 + z / 5 * (1.0 + z / 6 * (
            1.0 + z / 7 * (1.0 + z / 8 * (1.0 + z / 9 * (1.0 + z / 10 * (1.0 + z / 11))))))))))
        e = e * e
        e = e * e
        e = e * e
        e = e * e
        e = e * e
        e = e * e
        t = 1.0 / (1.0 + 0.5 * u)
        erf = 1.0 - t * e * (c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * (c6 + t * c7)))))))
        return (erf if x >= 0 else -erf), e
    return erf_parts


def _compiled(name):
    with _lock:
        return _build(name)


@functools.lru_cache(maxsize=None)
def _build(name):
    erf_parts = _erf_parts()
    k = _INV_SQRT_2PI

    if name == "gelu":
        @_jit
        def gelu(x, out):
            """out = x·Φ(x) = x/2·(1 + erf(x/√2)) (flat arrays)."""
            for i in range(x.size):
                v = np.float64(x[i])
                erf, _ = erf_parts(v)
                out[i] = 0.5 * v * (1.0 + erf)
        return gelu

    if name == "gelu_backward":
        @_jit
        def gelu_backward(g, x, out):
            """out = g·(Φ(x) + x·φ(x)) (flat arrays)."""
            for i in range(x.size):
                v = np.float64(x[i])
                erf, e = erf_parts(v)
                out[i] = g[i] * (0.5 * (1.0 + erf) + v * e * k)
        return gelu_backward
    raise KeyError(name)


def gelu(x):
    """GELU(x) (the erf form) of a contiguous float array, in one pass."""
    out = np.empty_like(x)
    _compiled("gelu")(x.reshape(-1), out.reshape(-1))
    return out


def gelu_backward(g, x):
    """The gradient of GELU (the erf form) at x, times g, in one pass."""
    out = np.empty_like(x)
    _compiled("gelu_backward")(g.reshape(-1), x.reshape(-1), out.reshape(-1))
    return out
