"""Compiled loops (numba) for the passes NumPy can only run as many strided calls or many passes.

NumPy's loops are fast over long contiguous runs and slow over every other element or over short
rows: a 2×2 max pool is four strided reads and a dozen passes over the result, a col2im nine
read-modify-write passes of short rows, an Adam update a dozen passes over the parameter. Here each
is one pass that reads and writes every element once. The loops release the GIL, so ember._kernels.threads
can run them on slices in several threads. Each takes float32 and float64 arrays (`fits`); callers
keep their NumPy path for other dtypes.

The convolutions' matrix products have their own loops too (`shifted_gemm`, `shifted_gemm_t`, `_p`,
written out by tools/gen_gemm_kernels.py into ember._kernels.gemm): they read the patches of an image
straight from the image, and on a CPU with AVX-512 they run about 1.8× faster than the AVX2 GEMM
of the OpenBLAS NumPy ships with (`gemm_fits`; elsewhere the convolutions keep BLAS). `conv_loops`
runs a chunk of images through a whole convolution (layouts, products, output) in one call.

numba is imported and the loops compiled on first use, not at `import ember`; on a machine that has
not compiled them yet a background process builds them while the callers take their NumPy paths
(ember._kernels.build), and numba caches them on disk for every later run.
"""
import functools
import threading

import numpy as np

from . import build

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def fits(*arrays):
    """Whether the compiled loops take these arrays: float32 or float64, all of one dtype (and numba
    importable: without it every caller takes its NumPy path)."""
    dt = arrays[0].dtype
    return dt in _FLOATS and all(a.dtype == dt for a in arrays) and _have_numba() and build.ready()


@functools.lru_cache(maxsize=None)
def _have_numba():
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def gemm_fits(*arrays):
    """Whether the convolutions' own matrix-product loops take these arrays: float32, and a CPU with
    AVX-512 (where they beat BLAS; the loops' blocks need its 32 vector registers)."""
    return all(a.dtype == _FLOAT32 for a in arrays) and _have_avx512() and build.ready()


_FLOAT32 = np.dtype(np.float32)


@functools.lru_cache(maxsize=None)
def _have_avx512():
    if not _have_numba():
        return False
    try:
        import llvmlite.binding as llvm
        return "+avx512f" in llvm.get_host_cpu_features().flatten().split(",")
    except Exception:  # an llvmlite that cannot tell: keep BLAS
        return False


# the first calls may come from several threads at once: compile once; re-entrant, as one module's
# compile may import another that compiles under it
_lock = threading.RLock()


def _compiled():
    with _lock:
        return _compile()


def _jit(fn, signatures=None, **options):
    """numba.njit for Ember's loops: releases the GIL, cached on disk where it can be. With signatures,
    compiled for those at once (and only those), rather than for each new signature on its first call."""
    import numba
    args = () if signatures is None else (signatures,)
    try:  # error_model="numpy": IEEE division (inf and nan, as NumPy), no ZeroDivisionError checks
        return numba.njit(*args, nogil=True, cache=True, error_model="numpy", **options)(fn)
    except RuntimeError:  # no writable cache directory (a read-only install): compile in memory
        return numba.njit(*args, nogil=True, error_model="numpy", **options)(fn)


def _cfunc(fn):
    """numba.cfunc of fn(arguments), a compiled job for Ember's workers (ember._kernels.spin's CALL): a C
    function void fn(int64 *arguments), cached on disk where it can be."""
    import numba
    signature = numba.types.void(numba.types.CPointer(numba.types.int64))
    try:
        return numba.cfunc(signature, cache=True, error_model="numpy")(fn)
    except RuntimeError:  # no writable cache directory
        return numba.cfunc(signature, error_model="numpy")(fn)


def _jit_sums(fn):
    """_jit for loops that sum: reassociation lets LLVM vectorise a sum (into several partial sums),
    so its rounding is a pairwise-like order, as NumPy's, rather than one long chain."""
    return _jit(fn, fastmath={"reassoc", "contract"})


def _scan_step(v, m, k, offset, nan):
    """One step of torch's scan over a pooling window: the maximum so far m and its offset k after the value
    v at `offset`. Without `nan` (a constant in the loops) the choice is the pattern of the CPU's max
    instruction, with no branch; with it a NaN is taken too."""
    take = (v > m) | (v != v) if nan else v > m
    return (v if take else m), (offset if take else k)


@functools.lru_cache(maxsize=None)
def _compile():
    # torch's scan over a pooling window takes an offset when its value is greater than the maximum so
    # far, or NaN. Without the NaN test the choice is the pattern of the CPU's max instruction, with no
    # branch: each pool is compiled twice, `nan` a constant, and callers run the NaN-blind loop first,
    # which says whether it met a NaN (then they run the other on that share again). A branch taken at
    # random (every other window, on real activations) costs more than the whole vectorised loop.
    global _window_step  # a global, not a closure cell (see fused._vmath_globals)
    _window_step = _jit(_scan_step, inline="always")

    def max_pools(nan):
        @_jit
        def max_pool_2x2(x, out, arg):
            """out[p, i, j] = max of x[p, 2i:2i+2, 2j:2j+2] and arg its offset (0..3) by the scan; returns
            whether x held a NaN."""
            seen = False
            for p in range(out.shape[0]):
                for i in range(out.shape[1]):
                    top, bottom, o, a = x[p, 2 * i], x[p, 2 * i + 1], out[p, i], arg[p, i]
                    for j in range(o.size):
                        m = top[2 * j]
                        k = 0
                        bad = m != m
                        for d in range(1, 4):  # unrolled: d is a constant in each copy
                            v = (top if d < 2 else bottom)[2 * j + d % 2]
                            bad |= v != v
                            m, k = _window_step(v, m, k, d, nan)
                        o[j] = m
                        a[j] = k
                        seen |= bad
            return seen

        @_jit
        def max_pool2d(x, out, arg, kh, kw, sh, sw, ph, pw, dh, dw):
            """out[p, i, j] = max of the window at (i·sh - ph, j·sw - pw) of x[p] (kh×kw offsets dh, dw
            apart, those outside the image left out), arg its offset's number a·kw + b, by the scan; -inf
            and offset 0 for a window with no value above -inf. Returns whether x held a NaN. The offsets
            are the outer loops, so the inner one (along a row of out) keeps no branch but its end."""
            H, W = x.shape[1], x.shape[2]
            OW = out.shape[2]
            first, end = np.empty(kw, np.int64), np.empty(kw, np.int64)  # the js whose column is in x
            for b in range(kw):
                shift = b * dw - pw
                first[b] = max(0, (sw - 1 - shift) // sw)
                end[b] = min(OW, (W - 1 - shift) // sw + 1)
            seen = False
            for p in range(out.shape[0]):
                for i in range(out.shape[1]):
                    o, ao = out[p, i], arg[p, i]
                    for j in range(OW):
                        o[j] = -np.inf
                        ao[j] = 0
                    for a in range(kh):
                        r = i * sh - ph + a * dh
                        if r < 0 or r >= H:
                            continue
                        row = x[p, r]
                        for b in range(kw):
                            shift, offset = b * dw - pw, a * kw + b
                            bad = False
                            for j in range(first[b], end[b]):
                                v = row[j * sw + shift]
                                bad |= v != v
                                o[j], ao[j] = _window_step(v, o[j], ao[j], offset, nan)
                            seen |= bad
            return seen
        return max_pool_2x2, max_pool2d

    max_pool_2x2, max_pool2d = max_pools(False)
    max_pool_2x2_nan, max_pool2d_nan = max_pools(True)

    @_jit
    def max_pool_2x2_backward(g, arg, gx):
        """Each window of gx (its 2×2 block) gets g at the offset arg names and zeros elsewhere, -0 as 0 (as
        torch's 0 + g). g and gx are integer views of the gradients (the same bits): a value or zero is
        then a mask, not a branch."""
        negative_zero = np.int64(-1) << (8 * g.itemsize - 1)  # the sign bit alone
        for p in range(g.shape[0]):
            for i in range(g.shape[1]):
                gr, a, top, bottom = g[p, i], arg[p, i], gx[p, 2 * i], gx[p, 2 * i + 1]
                for j in range(gr.size):
                    k, v = np.int32(a[j]), gr[j]
                    v = v & -(v != negative_zero)
                    top[2 * j] = v & -np.int32(k == 0)
                    top[2 * j + 1] = v & -np.int32(k == 1)
                    bottom[2 * j] = v & -np.int32(k == 2)
                    bottom[2 * j + 1] = v & -np.int32(k == 3)

    @_jit
    def max_pool2d_backward(g, arg, gx, kw, sh, sw, ph, pw, dh, dw):
        """gx (zeros) += each window's gradient at the offset arg names (max_pool2d's windows)."""
        for p in range(g.shape[0]):
            for i in range(g.shape[1]):
                for j in range(g.shape[2]):
                    k = arg[p, i, j]
                    gx[p, i * sh - ph + (k // kw) * dh, j * sw - pw + (k % kw) * dw] += g[p, i, j]

    # BatchNorm over x (N, C, L) per channel c: its statistics in float64, then one pass for the output
    # and two for the gradients (the sums, then the input's gradient). Each takes the whole arrays and a
    # range of channels c0 ≤ c < c1 (a thread's share): a slice x[:, c0:c1] would reach the loops as an
    # array of unknown strides, whose rows LLVM does not vectorise (4-5 times slower here).
    @_jit_sums
    def batch_norm_stats(x, mean, var, c0, c1):
        """mean[c] and the biased var[c] of x[:, c, :] (two passes: the mean, then squares about it)."""
        N, C, L = x.shape
        for c in range(c0, c1):
            s = 0.0
            for n in range(N):
                row = x[n, c]
                for j in range(L):
                    s += row[j]
            m = s / (N * L)
            q = 0.0
            for n in range(N):
                row = x[n, c]
                for j in range(L):
                    d = row[j] - m
                    q += d * d
            mean[c] = m
            var[c] = q / (N * L)

    @_jit
    def batch_norm_apply(x, mean, scale, shift, y, c0, c1):
        """y = (x - mean[c]) * scale[c] + shift[c]."""
        N, C, L = x.shape
        for n in range(N):
            for c in range(c0, c1):
                src, dst = x[n, c], y[n, c]
                m, a, b = mean[c], scale[c], shift[c]
                for j in range(L):
                    dst[j] = (src[j] - m) * a + b

    @_jit_sums
    def batch_norm_grad_sums(g, x, mean, sum_g, sum_gxc, c0, c1):
        """sum_g[c] = Σ g[:, c], sum_gxc[c] = Σ g[:, c] · (x[:, c] - mean[c])."""
        N, C, L = x.shape
        for c in range(c0, c1):
            s = 0.0
            t = 0.0
            m = mean[c]
            for n in range(N):
                grow, xrow = g[n, c], x[n, c]
                for j in range(L):
                    s += grow[j]
                    t += grow[j] * (xrow[j] - m)
            sum_g[c] = s
            sum_gxc[c] = t

    @_jit
    def batch_norm_grad_input(g, x, mean, k_g, k_x, k_0, gx, c0, c1):
        """gx = k_g[c] · g + k_x[c] · (x - mean[c]) + k_0[c]."""
        N, C, L = x.shape
        for n in range(N):
            for c in range(c0, c1):
                grow, xrow, dst = g[n, c], x[n, c], gx[n, c]
                a, b, m, z = k_g[c], k_x[c], mean[c], k_0[c]
                for j in range(L):
                    dst[j] = a * grow[j] + b * (xrow[j] - m) + z

    @_jit
    def shifted(flat, cols, offsets, gather):
        """The wide layout's im2col (gather): cols (C, K, m, Q)[c, k, i, q] = flat (m, C, L)[i, c, off_k + q];
        and its col2im (not gather): flat[i, c, off_k + q] += cols[c, k, i, q]."""
        C, K, m, Q = cols.shape
        for i in range(m):
            for c in range(C):
                for k in range(K):
                    # 1-D views indexed by the loop counter: LLVM vectorises this loop, not flat[i, c, off + q]
                    image, patch = flat[i, c, offsets[k]:offsets[k] + Q], cols[c, k, i]
                    if gather:
                        for q in range(Q):
                            patch[q] = image[q]
                    else:
                        for q in range(Q):
                            image[q] += patch[q]

    @_jit
    def wide_rows(wide, out, bias, rows, gather):
        """Between the wide layout's (O, m, Q) and the output (m, O, R, Wo), whose R rows of Wo positions
        start at the wide positions `rows`: gather: out = wide at the output positions + bias (O,);
        else wide at those positions = out."""
        m, O, R, Wo = out.shape
        for i in range(m):
            for o in range(O):
                b = bias[o]
                for h in range(R):
                    w_row, o_row = wide[o, i, rows[h]:rows[h] + Wo], out[i, o, h]
                    if gather:
                        for w in range(Wo):
                            o_row[w] = w_row[w] + b
                    else:
                        for w in range(Wo):
                            w_row[w] = o_row[w]

    @_jit
    def grad_layouts(gy, rows, gt, g, front, gb):
        """The output gradient gy (m, O, R, Wo) into the compiled convolution loops' wide layouts, its R
        rows starting at the wide positions `rows`: gt (m, Q, O') with the channels last (for the
        weight gradient) unless it has no lanes, g (m, O' >= O, front + P') `front` in (for the input
        gradient and the sums over positions) unless it has no rows; and gb (O,) += Σ gy over the
        images and positions (float64). Entries between get no writes. Each loop is a separate pass
        over a row of every channel, so each vectorises."""
        m, O, Ho, Wo = gy.shape
        acc = np.zeros((O, Wo), gy.dtype)  # column sums first: a vector add per row, not a chain of adds
        for i in range(m):
            for h in range(Ho):
                q = rows[h]
                for o in range(O):
                    src, a = gy[i, o, h], acc[o]
                    for w in range(Wo):
                        a[w] += src[w]
                if gt.shape[2]:
                    for w in range(Wo):
                        dst = gt[i, q + w]
                        for o in range(O):
                            dst[o] = gy[i, o, h, w]
                if g.shape[1]:
                    for o in range(O):
                        src, dst = gy[i, o, h], g[i, o, front + q:front + q + Wo]
                        for w in range(Wo):
                            dst[w] = src[w]
        for o in range(O):
            s = 0.0
            for w in range(Wo):
                s += acc[o, w]
            gb[o] += s

    @_jit
    def relu(x, out):
        """out = x, or 0 where x < 0 (flat arrays): -0.0 and NaN pass, as in torch. NumPy's maximum
        runs 4× slower here, on its NaN-aware path."""
        for i in range(x.size):
            v = x[i]
            out[i] = 0.0 if v < 0 else v

    @_jit
    def relu_backward(g, y, out):
        """out = g where y > 0, else 0 (flat arrays)."""
        for i in range(g.size):
            out[i] = g[i] if y[i] > 0 else 0.0

    # The optimizers' updates: the NumPy rules' operations in the same order, on scalars the callers give
    # in the arrays' dtype (as NumPy casts a Python float), so the results are the same to the bit.
    @_jit
    def adam_update(param, grad, exp_avg, exp_avg_sq, w1, lerp_small, one_minus_w1, beta2, one_minus_beta2,
                    bc2_sqrt, eps, step_size, decay):
        """Adam's step; decay: AdamW's factor 1 - lr·λ on the parameter first (1 without it: exact)."""
        for i in range(param.size):
            g = grad[i]
            m = exp_avg[i]
            m = m + w1 * (g - m) if lerp_small else g - (g - m) * one_minus_w1
            exp_avg[i] = m
            v = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g
            exp_avg_sq[i] = v
            param[i] = param[i] * decay + step_size * m / (np.sqrt(v) / bc2_sqrt + eps)

    @_jit
    def adadelta_update(param, grad, square_avg, acc_delta, rho, one_minus_rho, eps, lr):
        for i in range(param.size):
            g = grad[i]
            v = square_avg[i] * rho + one_minus_rho * g * g
            square_avg[i] = v
            delta = np.sqrt(acc_delta[i] + eps) / np.sqrt(v + eps) * g
            acc_delta[i] = acc_delta[i] * rho + one_minus_rho * delta * delta
            param[i] = param[i] - lr * delta

    @_jit
    def sgd_momentum_update(param, grad, buf, momentum, damped, one_minus_dampening, lr, decayed, weight_decay):
        for i in range(param.size):
            g = grad[i] + weight_decay * param[i] if decayed else grad[i]
            b = buf[i] * momentum + (one_minus_dampening * g if damped else g)
            buf[i] = b
            param[i] = param[i] - lr * b

    @_jit
    def axpy(y, x, alpha):
        """y += alpha·x (flat arrays), rounded as y + (alpha·x) in NumPy: Tensor.add_(x, alpha=) in one pass
        (an SGD step written as p.add_(p.grad, alpha=-lr), say)."""
        for i in range(y.size):
            y[i] = y[i] + alpha * x[i]

    kernels = {"axpy": axpy, "shifted": shifted, "max_pool_2x2": max_pool_2x2, "max_pool_2x2_nan": max_pool_2x2_nan,
               "max_pool_2x2_backward": max_pool_2x2_backward, "max_pool2d": max_pool2d, "max_pool2d_nan": max_pool2d_nan,
               "max_pool2d_backward": max_pool2d_backward,
               "batch_norm_stats": batch_norm_stats, "batch_norm_apply": batch_norm_apply,
               "batch_norm_grad_sums": batch_norm_grad_sums, "batch_norm_grad_input": batch_norm_grad_input,
               "wide_rows": wide_rows, "relu": relu, "relu_backward": relu_backward, "adam_update": adam_update,
               "adadelta_update": adadelta_update, "grad_layouts": grad_layouts,
               "sgd_momentum_update": sgd_momentum_update}
    globals().update(kernels)  # later lookups find them directly, without __getattr__
    return kernels


@functools.lru_cache(maxsize=None)
def _compile_gemm():
    """The generated matrix-product loops, compiled now (for their one signature) with LLVM's SLP
    vectoriser on: numba leaves it off by default, and these loops are nothing without it."""
    import numba
    from numba.core import config
    from . import gemm as g

    f3, f2, i1 = numba.float32[:, :, ::1], numba.float32[:, ::1], numba.int64[::1]
    f, i = numba.float32, numba.int64
    signatures = {"shifted_gemm": numba.void(f3, f2, i1, f3, f),
                  "shifted_gemm_t": numba.void(f3, f3, i1, i, f2, f),
                  "shifted_gemm_p": numba.void(f3, i, f3, i1, i, f2, f)}
    slp, config.SLP_VECTORIZE = config.SLP_VECTORIZE, 1
    try:
        kernels = {}
        for name, sig in signatures.items():
            options = dict(nogil=True, fastmath={"contract"})  # contract: a*b + c as one FMA
            try:
                kernels[name] = numba.njit(sig, cache=True, **options)(getattr(g, name))
            except RuntimeError:  # no writable cache directory
                kernels[name] = numba.njit(sig, **options)(getattr(g, name))
    finally:
        config.SLP_VECTORIZE = slp
    globals().update(kernels)
    return kernels


@functools.lru_cache(maxsize=None)
def conv_loops():
    """A stride-1 float32 convolution's chunks of images end to end (the image's wide layout, the
    products, the output or the gradients' layouts) as one compiled call per run of chunks: no Python
    and no GIL between the steps of a chunk, so ember._kernels.threads's threads hand the GIL to each other
    once per chunk. ember._kernels.conv._Shifted describes the layouts."""
    import collections
    gemm, k = _compile_gemm(), _compiled()
    shifted_gemm, shifted_gemm_t, shifted_gemm_p = gemm["shifted_gemm"], gemm["shifted_gemm_t"], gemm["shifted_gemm_p"]
    wide_rows, grad_layouts = k["wide_rows"], k["grad_layouts"]
    zero = np.float32(0)

    @_jit
    def copy_rows(src, src_rows, dst, dst_rows, run):
        for r in range(src_rows.size):  # rows as 1-d views indexed by the loop counter: vectorised
            s_row, d_row = src[src_rows[r]:src_rows[r] + run], dst[dst_rows[r]:dst_rows[r] + run]
            for j in range(run):
                d_row[j] = s_row[j]

    @_jit
    def image(x, s, m, length, image_rows, frame_rows, run):
        """Images s..s+m of x (N, C, image) in the wide layout (m, C, length): the frame, zeros around."""
        img = np.zeros((m, x.shape[1], length), np.float32)
        for i in range(m):
            for c in range(x.shape[1]):
                copy_rows(x[s + i, c], image_rows, img[i, c], frame_rows, run)
        return img

    def forward(x, wt, offsets, bias, y, Qp, length, image_rows, frame_rows, run, out_rows, starts, sizes, c0, c1):
        """y (N, O, R, Wo) = conv(x (N, C, image)) + bias for wt (C·K, O'), chunks c0..c1."""
        for c in range(c0, c1):
            s, m = starts[c], sizes[c]
            img = image(x, s, m, length, image_rows, frame_rows, run)
            r = np.empty((wt.shape[1], m, Qp), np.float32)
            shifted_gemm(img, wt, offsets, r, zero)
            wide_rows(r, y[s:s + m], bias, out_rows, True)

    def backward(gy, x, wt, offsets, back_offsets, front, Q, Qp, Pp, lanes, g_rows, image_rows, frame_rows, run,
                 out_rows, weight, last, bare, gx, gws, gbs, starts, sizes, c0, c1):
        """For chunks c0..c1 of gy (N, O, R, Wo): the weight gradient's part gws[c] when `weight` (from
        the output gradient laid out channels last when `last`, else by sums over positions), the bias
        sums gbs[c], and gx (N, C, image) = the input gradient unless gx has no images."""
        for c in range(c0, c1):
            s, m = starts[c], sizes[c]
            need_g = gx.shape[0] > 0 or (weight and not last)
            gt = np.zeros((m, Q, lanes) if weight and last else (0, 0, 0), np.float32)
            g = np.zeros((m, g_rows, front + Pp) if need_g else (0, 0, 0), np.float32)
            grad_layouts(gy[s:s + m], out_rows, gt, g, front, gbs[c])
            if weight:
                if last and bare:  # the image is its own wide layout (and the loop reads no lane past it)
                    shifted_gemm_t(gt, x[s:s + m], offsets, Q, gws[c], zero)
                else:
                    img = image(x, s, m, front + Qp, image_rows, frame_rows, run)
                    if last:
                        shifted_gemm_t(gt, img, offsets, Q, gws[c], zero)
                    else:
                        shifted_gemm_p(g, front, img, offsets, Qp, gws[c], zero)
            if gx.shape[0]:
                r = np.empty((wt.shape[1], m, Pp), np.float32)
                shifted_gemm(g, wt, back_offsets, r, zero)
                for i in range(m):
                    for ch in range(gx.shape[1]):
                        copy_rows(r[ch, i], frame_rows, gx[s + i, ch], image_rows, run)

    Loops = collections.namedtuple("Loops", "forward backward")
    return Loops(_jit(forward), _jit(backward))


_GEMM = ("shifted_gemm", "shifted_gemm_t", "shifted_gemm_p")


def __getattr__(name):
    if name.startswith("__"):  # the import system's questions (`from .loops import x` asks for __path__)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        if name in _GEMM:
            with _lock:
                return _compile_gemm()[name]
        return _compiled()[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
