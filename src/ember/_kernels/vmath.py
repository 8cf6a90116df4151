"""exp and fma for the compiled loops, written so that LLVM vectorises them in float32.

numba turns math.exp into a call to the C library's scalar exp, and a loop that calls a function
is not vectorised: a float32 softmax or sigmoid then runs one element at a time (NumPy's own
float32 exp on this kind of CPU, AVX2 without AVX-512, is no faster: ~1.4 ns an element). Here
float32 exp is range reduction and a polynomial, with no call and no branch: e^x = 2^k · e^r,
k = round(x / ln 2), r = x - k·ln 2 (ln 2 in two parts, so r is exact), e^r from its Taylor
polynomial to r^7 on |r| ≤ ln 2 / 2 (error below 2^-24) in fused multiply-adds, and 2^k built in
the exponent bits, as two factors so that e^x runs into float32's subnormals and to 0 and inf where
the true value does. The error is at most 2 units in the last place (float32's round-off). In float64 `exp` is
math.exp.

`row_max(row)` and `row_sum(row)` are a row's largest entry and its sum (in float64), vectorised: their
own fast-math flags (no NaNs for the max, reassociation for both) stay on their loops when LLVM
inlines them into a caller that has none. The max may miss a NaN; a caller that goes on to exp(x - max)
and a sum carries the NaN into its result anyway.

`fma(a, b, c)` is a·b + c rounded once (the CPU's fused multiply-add): `fma(u, u, -u*u)` is the
rounding error of u*u, which a loop can carry on to keep e^{-u²} accurate where u² is large.

Callers use `exp` and `fma` inside their own @_jit loops (never with fastmath's "reassoc", which
lets LLVM merge the two parts of ln 2): LLVM inlines them there.
"""
import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

from .loops import _jit

_F = np.float32
_LOG2E = _F(1.4426950408889634)
_LN2_HI = _F(0.693145751953125)     # ln 2's first 16 bits: k·_LN2_HI is exact for |k| ≤ 2^8
_LN2_LO = _F(1.4286068203094172e-06)
_LO, _HI = _F(-104.0), _F(89.0)     # e^-104 underflows to 0 in float32 and e^89 overflows to inf
_HALF, _ONE = _F(0.5), _F(1.0)
_T2, _T3, _T4, _T5, _T6, _T7 = (_F(1 / math.factorial(n)) for n in range(2, 8))


def exp(x):
    """e^x (the compiled loops' form is below; this one is for Python callers and tests)."""
    return math.exp(x)


def _exp_f32(x):
    v = min(max(x, _LO), _HI)
    k = np.floor(v * _LOG2E + _HALF)
    r = fma(-k, _LN2_LO, fma(-k, _LN2_HI, v))  # fused: one rounding a step, and faster than mul + add
    p = fma(r, _T7, _T6)
    for t in (_T5, _T4, _T3, _T2, _ONE, _ONE):  # Horner (LLVM unrolls the constant loop)
        p = fma(p, r, t)
    n = np.int32(k)
    half = n >> 1  # 2^k = 2^half · 2^(k - half), each factor a normal float32 for k in [-151, 129]
    p = p * np.int32((half + 127) << 23).view(np.float32)
    p = p * np.int32((n - half + 127) << 23).view(np.float32)
    return p if x == x else x  # NaN stays NaN (the clamps above would turn it into a number)


def _exp_f64(x):
    return math.exp(x)


@overload(exp)
def _exp(x):
    if x == types.float32:
        return _exp_f32
    if isinstance(x, types.Float):
        return _exp_f64
    return None


@intrinsic
def fma(typingctx, a, b, c):
    """a·b + c with one rounding (llvm.fma), for three floats of one type."""
    if not isinstance(a, types.Float) or b != a or c != a:
        return None

    def codegen(context, builder, signature, args):
        t = context.get_value_type(signature.return_type)
        fn = builder.module.declare_intrinsic("llvm.fma", [t], ir.FunctionType(t, [t, t, t]))
        return builder.call(fn, args)
    return a(a, b, c), codegen


def _row_max(row):
    m = row[0]
    for j in range(1, row.size):
        m = max(m, row[j])
    return m


def _row_sum(row):
    s = 0.0
    for j in range(row.size):
        s += row[j]
    return s


row_max = _jit(_row_max, fastmath={"nnan", "nsz", "reassoc"})
row_sum = _jit(_row_sum, fastmath={"reassoc", "contract"})
