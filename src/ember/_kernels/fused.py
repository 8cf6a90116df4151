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

from . import threads as _threads
from .loops import _cfunc, _lock, fits

__all__ = ["fits", "gelu", "layer_norm", "layer_norm_backward", "softmax", "softmax_backward"]

# erfc(u) = t·e^{-u²}·S(t), t = 1/(1 + u/2), on 0 ≤ u ≤ 5.5 (erf(5.5) is 1 in float32 and float64 to
# 1e-14): S's coefficients are a least-squares fit to SciPy's erfcx (tools/fit_erfc.py), erf's error
# ≤ 3e-10, far below float32's rounding (6e-8 at 1). With vmath's exp the loop calls no function, so
# LLVM vectorises it.
_ERFC_FIT = (0.2852440454642083, 0.24516386477420005, 0.434012537419427, -0.35394050685546485,
             0.9815771592499047, -0.8828636435988522, 0.3422453026809005, -0.05143875908692201)
_U_MAX = 5.5
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _jit(fn, reassoc=False, **extra):
    """numba.njit as ember._kernels.loops._jit, allowed to fuse multiply-adds and to multiply by a
    reciprocal (the divisions by constants). reassoc: sums may be reordered, so that LLVM vectorises a
    row's sum (4x faster LayerNorm), and such a loop must not use vmath's exp; never NaN/inf assumptions."""
    import numba
    flags = {"contract", "arcp", "reassoc", "nsz"} if reassoc else {"contract", "arcp"}
    options = dict(nogil=True, error_model="numpy", fastmath=flags, **extra)
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:  # no writable cache directory (a read-only install): compile in memory
        return numba.njit(**options)(fn)


_F32 = np.float32  # the GELU loop's constants, in float32 so that its arithmetic stays float32
_S = tuple(_F32(c) for c in _ERFC_FIT)
_R2_32, _UMAX_32, _RPI_32 = _F32(_INV_SQRT_2), _F32(_U_MAX), _F32(_INV_SQRT_2PI)
_ZERO, _HALF, _ONE = _F32(0.0), _F32(0.5), _F32(1.0)


def _vmath_globals():
    """vmath's exp, fma, row_max and row_sum (and _gelu_pair, which calls them) as this module's globals, for
    the loops to call: numba keys a loop's disk cache on its closure's values pickled, and a compiled
    function pickles differently in every process, so a loop that found one in its closure would compile
    again in each."""
    global exp, fma, row_max, row_sum, _gelu_pair
    from .vmath import exp, fma, row_max, row_sum
    _gelu_pair = _jit(_gelu_values, inline="always")


def _gelu_values(v):
    """(GELU(v), its derivative Φ(v) + v·φ(v)) for a float32 v. In float32 throughout, so that a loop of it
    vectorises eight wide: erfc(u) = t·e^{-u²}·S(t), u = |v|/√2, with e^{-u²} from vmath's exp of -u²
    rounded times (1 - its rounding error, from an fma), and Φ(v) = erfc(u)/2 below 0, without the
    cancellation of 1 + erf."""
    S0, S1, S2, S3, S4, S5, S6, S7 = _S
    u = min(abs(v) * _R2_32, _UMAX_32)
    hi = u * u
    e = exp(-hi) * (_ONE - fma(u, u, -hi))
    t = _ONE / (_ONE + _HALF * u)
    erfc = t * e * (S0 + t * (S1 + t * (S2 + t * (S3 + t * (S4 + t * (S5 + t * (S6 + t * S7)))))))
    if u >= _UMAX_32:  # saturated, as float32's erf: GELU(-inf) and its slope at ±inf are NaN, as in torch
        erfc, e = _ZERO, _ZERO
    phi = _ONE - _HALF * erfc if v >= _ZERO else _HALF * erfc
    return v * phi, phi + v * e * _RPI_32


def _compiled(name):
    with _lock:
        return _build(name)


@functools.lru_cache(maxsize=None)
def _build(name):
    _vmath_globals()
    if name == "gelu":
        @_jit
        def gelu(x, out, slope):
            """out = GELU(x) (flat float32 arrays); given a slope of x's size, also its derivative there, from
            the same e^{-x²/2}, for a backward that is then one product. One loop for each, storing
            unconditionally, so that LLVM vectorises it (see _gelu_values)."""
            if slope.size > 0:
                for i in range(x.size):
                    out[i], slope[i] = _gelu_pair(x[i])
            else:
                for i in range(x.size):
                    out[i] = _gelu_pair(x[i])[0]
        return gelu
    if name == "gelu_job":
        global _gelu_loop, carray, pointer  # globals, not closure cells (see _vmath_globals)
        from numba import carray
        from .spin import pointer
        _gelu_loop = _compiled("gelu")

        def gelu_job(args):
            """gelu on a worker: args = [x, out, slope (addresses of float32 values), n, slope's size]."""
            n = args[3]
            _gelu_loop(carray(pointer(args[0], _ZERO), (n,)), carray(pointer(args[1], _ZERO), (n,)),
                       carray(pointer(args[2], _ZERO), (args[4],)))
        return _cfunc(gelu_job).address
    if name == "layer_norm":
        @functools.partial(_jit, reassoc=True)
        def layer_norm(x, weight, bias, eps, out, mean, rstd):
            """Each row of x (N, D) standardised (its mean and 1/std into mean, rstd), times weight plus bias
            (either may be empty), into out. The statistics accumulate in float64."""
            n, d = x.shape
            affine_w, affine_b = weight.size > 0, bias.size > 0
            for r in range(n):
                row = x[r]
                s = 0.0
                for j in range(d):
                    s += row[j]
                m = s / d
                q = 0.0
                for j in range(d):
                    c = row[j] - m
                    q += c * c
                inv = 1.0 / np.sqrt(q / d + eps)
                mean[r], rstd[r] = m, inv
                o = out[r]
                mx, invx = x.dtype.type(m), x.dtype.type(inv)  # the output in x's dtype: eight wide in float32
                for j in range(d):
                    y = (row[j] - mx) * invx
                    if affine_w:
                        y = y * weight[j]
                    if affine_b:
                        y = y + bias[j]
                    o[j] = y
        return layer_norm

    if name == "layer_norm_backward":
        @functools.partial(_jit, reassoc=True)
        def layer_norm_backward(g, x, weight, mean, rstd, gx, gw, gb):
            """For y = (x - mean)·rstd·weight + bias over rows of x (N, D): gx = rstd·(gh - mean(gh) -
            x̂·mean(gh·x̂)) with gh = g·weight (gx may have no rows: not wanted); the column sums of g·x̂
            and of g added into gw and gb (float64, either may be empty). x̂ is computed once per row, in
            x's dtype (so that a float32 row vectorises eight wide), and kept for the other loops."""
            n, d = x.shape
            affine_w, want_x, want_w, want_b = weight.size > 0, gx.shape[0] > 0, gw.size > 0, gb.size > 0
            xhat = np.empty(d, x.dtype)
            for r in range(n):
                row, gr = x[r], g[r]
                m, inv = x.dtype.type(mean[r]), x.dtype.type(rstd[r])
                a = 0.0
                c = 0.0
                for j in range(d):
                    h = (row[j] - m) * inv
                    xhat[j] = h
                    gh = gr[j] * weight[j] if affine_w else gr[j]
                    a += gh
                    c += gh * h
                if want_w:
                    for j in range(d):
                        gw[j] += gr[j] * xhat[j]
                if want_b:
                    for j in range(d):
                        gb[j] += gr[j]
                if want_x:
                    a /= d
                    c /= d
                    o = gx[r]
                    for j in range(d):
                        gh = gr[j] * weight[j] if affine_w else gr[j]
                        o[j] = inv * (gh - a - xhat[j] * c)
        return layer_norm_backward

    if name in ("attention_job", "attention_backward_job"):
        global _gemm, _product, _softmax_loop, _softmax_backward_loop, carray, pointer  # (see _vmath_globals)
        from numba import carray
        from .spin import gemm as _gemm, pointer
        _softmax_loop, _softmax_backward_loop = _compiled("softmax"), _compiled("softmax_backward")

        @_jit
        def _product(job, ta, tb, m, n, k, a, lda, b, ldb, c, ldc):
            """C (m×n) = op(A)·op(B) by the job's cblas_sgemm (cblas's terms: addresses, strides in elements)."""
            job[1], job[2], job[3], job[4], job[5] = ta, tb, m, n, k
            job[6], job[7], job[8], job[9], job[10], job[11] = a, lda, b, ldb, c, ldc
            _gemm(job)

        def attention_job(args):
            """A share of the one-node attention on a worker, float32: for each of its heads p = q·kᵀ, then
            p ← softmax(scale·p) (causal or not), then out = p·v. args: _attention_fields'."""
            a = carray(args, (26,))
            nb, H, L, S, E, Ev = a[5], a[6], a[7], a[8], a[9], a[10]
            job = np.zeros(16, np.int64)
            job[0], job[12] = 1, a[25]  # spin.SGEMM with the BLAS's function
            for i in range(nb):
                for h in range(H):
                    pa = a[3] + 4 * (i * H + h) * L * S
                    _product(job, 111, 112, L, S, E, a[0] + 4 * (i * a[11] + h * a[12]), a[13],
                             a[1] + 4 * (i * a[14] + h * a[15]), a[16], pa, S)
            _softmax_loop(carray(pointer(a[3], _ZERO), (nb * H, L, S)), np.float32(a[23:24].view(np.float64)[0]),
                          a[24] != 0)
            for i in range(nb):
                for h in range(H):
                    pa = a[3] + 4 * (i * H + h) * L * S
                    _product(job, 111, 111, L, Ev, S, pa, S, a[2] + 4 * (i * a[17] + h * a[18]), a[19],
                             a[4] + 4 * (i * a[20] + h * a[21]), a[22])

        def attention_backward_job(args):
            """A share of the one-node attention's backward on a worker, float32: for each head dv = pᵀ·g and
            gs = g·vᵀ, then gs ← the softmax's gradient, then dq = gs·k and dk = gsᵀ·q (dq, dk or dv at
            address 0: not wanted). args: _attention_fields' for q, k, v, p, g, then gs, dq, dk, dv and the
            batch, head and row strides of dq, dk and dv."""
            a = carray(args, (39,))
            nb, H, L, S, E, Ev = a[5], a[6], a[7], a[8], a[9], a[10]
            gs, dq, dk, dv = a[26], a[27], a[28], a[29]
            job = np.zeros(16, np.int64)
            job[0], job[12] = 1, a[25]
            for i in range(nb):
                for h in range(H):
                    n = i * H + h
                    pa, ga = a[3] + 4 * n * L * S, a[4] + 4 * (i * a[20] + h * a[21])
                    if dv:
                        _product(job, 112, 111, S, Ev, L, pa, S, ga, a[22], dv + 4 * (i * a[36] + h * a[37]), a[38])
                    _product(job, 111, 112, L, S, Ev, ga, a[22], a[2] + 4 * (i * a[17] + h * a[18]), a[19],
                             gs + 4 * n * L * S, S)
            _softmax_backward_loop(carray(pointer(a[3], _ZERO), (nb * H, L, S)),
                                   carray(pointer(gs, _ZERO), (nb * H, L, S)), np.float32(a[23:24].view(np.float64)[0]))
            for i in range(nb):
                for h in range(H):
                    sa = gs + 4 * (i * H + h) * L * S
                    if dq:
                        _product(job, 111, 111, L, E, S, sa, S, a[1] + 4 * (i * a[14] + h * a[15]), a[16],
                                 dq + 4 * (i * a[30] + h * a[31]), a[32])
                    if dk:
                        _product(job, 112, 111, S, E, L, sa, S, a[0] + 4 * (i * a[11] + h * a[12]), a[13],
                                 dk + 4 * (i * a[33] + h * a[34]), a[35])
        return _cfunc(attention_job if name == "attention_job" else attention_backward_job).address

    if name == "softmax":
        @_jit
        def softmax(s, scale, causal):
            """s[b, i] ← softmax(scale·s[b, i]) over the last dim of s (B, L, S), in place; with causal only
            over j ≤ i (the rest 0), as a lower-triangular mask aligned at the top left; a row all -inf
            gives zeros. Each loop reads and writes one row through one name, so that LLVM vectorises it
            (through two names for one array it must assume they overlap and runs the scalar loop)."""
            for b in range(s.shape[0]):
                for i in range(s.shape[1]):
                    row = s[b, i]
                    n = min(i + 1, row.size) if causal else row.size
                    if scale > 0:  # max(x)·scale is max(x·scale), rounding being monotonic
                        m = row_max(row[:n]) * scale
                    else:
                        m = row[0] * scale
                        for j in range(1, n):
                            m = max(m, row[j] * scale)
                    if m == -np.inf:  # a row masked everywhere (an attention mask's): zeros, not NaN
                        for j in range(row.size):
                            row[j] = 0.0
                        continue
                    # whole vectors of eight: a causal row's last few entries would otherwise go one at a
                    # time; those past n are zeroed after
                    wide = min(row.size, (n + 7) & -8)
                    for j in range(wide):
                        row[j] = exp(row[j] * scale - m)
                    inv = row.dtype.type(1.0 / row_sum(row[:n]))
                    for j in range(wide):
                        row[j] *= inv
                    for j in range(n, row.size):
                        row[j] = 0.0
        return softmax

    if name == "softmax_backward":
        @functools.partial(_jit, reassoc=True)
        def softmax_backward(p, gp, scale):
            """gp ← scale·p·(gp - Σ_j gp·p) over the last dim (B, L, S): the gradient of the logits of a
            softmax p whose output got the gradient gp, in place."""
            for b in range(p.shape[0]):
                for i in range(p.shape[1]):
                    pr, gr = p[b, i], gp[b, i]
                    dot = 0.0
                    for j in range(pr.size):
                        dot += pr[j] * gr[j]
                    for j in range(pr.size):
                        gr[j] = scale * pr[j] * (gr[j] - dot)
        return softmax_backward
    raise KeyError(name)


MIN_SHARE = 1 << 16  # elements of a GELU pass (~0.2 ms) from which the threads share it


def shares(fn, n, min_n=MIN_SHARE, job=None):
    """fn(start, stop) over range(n), in one contiguous share per thread when n ≥ min_n (the kernels
    release the GIL). With job(start, stop), the fields of the same share as a compiled job, Ember's
    workers run theirs without taking the GIL."""
    t = _threads.get_num_threads()
    if n < min_n or t < 2 or n < 2:
        fn(0, n)
        return
    step = -(-n // t)
    starts = list(range(0, n, step))
    if job is not None and _threads.alongside(lambda: fn(0, step), lambda: [job(s, min(s + step, n))
                                                                          for s in starts[1:]]):
        return
    _threads.run(lambda part: [fn(s, min(s + step, n)) for s in part], starts)


def gelu(x, with_slope=False):
    """GELU(x) (the erf form) of a contiguous float32 array in one pass, shared out; with_slope: (GELU(x), its
    derivative at x)."""
    xf = x.reshape(-1)
    out = np.empty_like(xf)
    slope = np.empty_like(xf) if with_slope else _empty(xf.dtype)
    kernel, size = _compiled("gelu"), xf.itemsize

    def job(a, b):
        return (3, _compiled("gelu_job"), xf.ctypes.data + a * size, out.ctypes.data + a * size,  # spin.CALL
                slope.ctypes.data + a * size if with_slope else 0, b - a, b - a if with_slope else 0)
    shares(lambda a, b: kernel(xf[a:b], out[a:b], slope[a:b] if with_slope else slope), xf.size, job=job)
    return (out.reshape(x.shape), slope.reshape(x.shape)) if with_slope else out.reshape(x.shape)


_EMPTY = {}


def _empty(dtype):
    a = _EMPTY.get(dtype)
    if a is None:
        a = _EMPTY[dtype] = np.empty(0, dtype)
    return a


def layer_norm(x, weight, bias, eps):
    """(out, mean, rstd) of LayerNorm over the last dim of x (N, D) contiguous; weight, bias (D,) or None;
    mean and rstd (N,) in float64."""
    n = x.shape[0]
    out, mean, rstd = np.empty_like(x), np.empty(n), np.empty(n)
    e = _empty(x.dtype)
    _compiled("layer_norm")(x, e if weight is None else weight, e if bias is None else bias, float(eps), out,
                            mean, rstd)
    return out, mean, rstd


def layer_norm_backward(g, x, weight, mean, rstd, want_x, want_w, want_b):
    """(gx, gw, gb) of LayerNorm (each None where not wanted) for the gradient g of its output."""
    d = x.shape[1]
    gx = np.empty_like(x) if want_x else np.empty((0, d), x.dtype)
    gw = np.zeros(d) if want_w else _empty(np.float64)
    gb = np.zeros(d) if want_b else _empty(np.float64)
    _compiled("layer_norm_backward")(g, x, _empty(x.dtype) if weight is None else weight, mean, rstd, gx, gw, gb)
    return (gx if want_x else None, gw.astype(x.dtype) if want_w else None, gb.astype(x.dtype) if want_b else None)


def _heads(a):
    """(batch, head, row) strides in elements of a (B, H, rows, cols) or (B, rows, cols) array (one head)."""
    st = [x // a.itemsize for x in a.strides]
    return (st[0], st[1], st[2]) if a.ndim == 4 else (st[0], 0, st[1])


def _attention_fields(q, k, v, p, g, r0, scale, causal):
    """The first 26 arguments of an attention job (a share from batch entry r0): the addresses of q, k, v, p
    and g (or out) at r0; the share's entries (filled in by the caller), heads, L, S, E, Ev; the batch,
    head and row strides of q, k, v and g; scale's float64 bits; causal; the BLAS's sgemm. None where the
    workers cannot run it (not float32, rows cblas cannot read: a last dim not contiguous, rows overlapping
    or going backwards; no BLAS to call)."""
    kind = _threads.gemm_kind(np.dtype(np.float32))
    if not kind or any(a.dtype != np.float32 or a.ndim not in (3, 4) or a.strides[-1] != 4 or min(a.strides) < 0
                       or a.strides[-2] < 4 * a.shape[-1] for a in (q, k, v, g)):
        return None
    return [*(a.ctypes.data + r0 * a.strides[0] for a in (q, k, v, p, g)), 0,
            q.shape[1] if q.ndim == 4 else 1, q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1],
            *_heads(q), *_heads(k), *_heads(v), *_heads(g), int(np.float64(scale).view(np.int64)), int(causal),
            kind[1]]


def attention_job(q, k, v, p, out, r0, r1, scale, causal):
    """The one-node attention of batch entries r0:r1 (q·kᵀ into p, its softmax, p·v into out) as a compiled
    job for Ember's workers (spin.CALL), or None."""
    fields = _attention_fields(q, k, v, p, out, r0, scale, causal)
    if fields is None:
        return None
    fields[5] = r1 - r0
    return (3, _compiled("attention_job"), *fields)


def attention_backward_job(q, k, v, p, g, gs, dq, dk, dv, r0, r1, scale):
    """Its backward for batch entries r0:r1 as a compiled job (gs the softmax's gradient, C-contiguous; dq,
    dk, dv with unit last strides, or None), or None."""
    fields = _attention_fields(q, k, v, p, g, r0, scale, False)
    if fields is None or any(d is not None and d.strides[-1] != 4 for d in (dq, dk, dv)):
        return None
    fields[5] = r1 - r0
    return (3, _compiled("attention_backward_job"), *fields, gs.ctypes.data + r0 * gs.strides[0],
            *(0 if d is None else d.ctypes.data + r0 * d.strides[0] for d in (dq, dk, dv)),
            *(st for d in (dq, dk, dv) for st in ((0, 0, 0) if d is None else _heads(d))))


def softmax(s, scale, causal):
    """softmax(scale·s) over the last dim of s (B, L, S) contiguous, causal: over j ≤ i only; in place."""
    _compiled("softmax")(s, s.dtype.type(scale), bool(causal))  # a float32 scale keeps float32's loop in float32
    return s


def softmax_backward(p, gp, scale):
    """The gradient of softmax(scale·s)'s logits s, given its output p and the output's gradient gp (B, L, S)
    contiguous; written into gp."""
    _compiled("softmax_backward")(p, gp, p.dtype.type(scale))
    return gp
