"""Convolutions: F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, F.unfold, F.fold.

Every convolution is im2col + GEMM over chunks of the batch. A chunk's patch matrix is laid out
(C, k1..kd, n, o1..od): it is built by one strided slice copy per kernel offset and read by ONE
GEMM  W (O, C·K) @ cols (C·K, n·P)  (a batch of G GEMMs with groups); the copy back to (n, O, P)
order adds the bias in the same pass. The backward:
  grad_weight  one GEMM per chunk against the patch matrix the forward kept (gy transposed once);
  grad_input   for stride 1, the convolution of gy with the flipped kernel (im2col of gy + GEMM);
               otherwise the GEMM Wᵀ @ gy and a col2im of one slice-add per kernel offset.
A transposed convolution uses the same loops with the roles swapped. Chunks are about a core's
cache and are shared between threads; padding is never materialised (the patch matrix keeps
zeros where a kernel offset falls outside the image).

Geometry `geo` = (image size, output size, kernel, stride, padding before, dilation), each a tuple
over the spatial dims; the padding after is implied by the output size (so 'same' may be uneven).
"""
import functools
import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...autograd.graph import record
from ...autograd.grad_mode import state
from ..._ops.registry import node_class, wrap, shape_str
from ... import _blas as blas

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]

CHUNK_BYTES = 1 << 20      # target size of one chunk's patch matrix (about a core's L2 share)
KEEP_BYTES = 1 << 28       # above this the backward rebuilds the patch matrix instead of keeping it


def _ntuple(value, n):
    """An int or a sequence as an n-tuple of ints (torch.nn.modules.utils._ntuple)."""
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    return (int(value),) * n


# ---------------------------------------------------------------------- the im2col plan
@functools.lru_cache(maxsize=1024)
def _plan(img, out, kernel, stride, pad, dil):
    """For each kernel offset that touches the image: (index into cols (C, *K, n, *out), index into
    the image (C, n, *img) or (N, C, *img), the offset's flat number in the kernel, index into the
    output (N, C, *out)); and whether every offset covers every output (no zeros needed)."""
    per_dim = []
    dense = True
    for size, o, k, s, p, d in zip(img, out, kernel, stride, pad, dil):
        opts = []
        for j in range(k):
            off = j * d - p  # output position q reads image position q*s + off
            lo = max(0, -(off // s))
            hi = min(o, (size - 1 - off) // s + 1)
            if hi <= lo:
                dense = False
                continue
            dense = dense and lo == 0 and hi == o
            start = lo * s + off
            opts.append((j, slice(lo, hi), slice(start, start + (hi - lo - 1) * s + 1, s)))
        per_dim.append(opts)
    entries = []
    for combo in itertools.product(*per_dim):
        js = tuple(c[0] for c in combo)
        osl = tuple(c[1] for c in combo)
        dst = (slice(None),) + js + (slice(None),) + osl
        src = (slice(None), slice(None)) + tuple(c[2] for c in combo)
        entries.append((dst, src, int(np.ravel_multi_index(js, kernel)), (slice(None), slice(None)) + osl))
    return tuple(entries), dense


def _im2col(img, cols, plan):
    """cols (C, *K, n, *out) <- image (C, n, *img): one strided copy per kernel offset."""
    for dst, src, _, _ in plan:
        cols[dst] = img[src]


def _col2im(cols, img, plan):
    """image (C, n, *img) += cols (C, *K, n, *out): the adjoint of _im2col."""
    for dst, src, _, _ in plan:
        img[src] += cols[dst]


def _chunk(n_total, bytes_per_item):
    """Items per chunk: a chunk's patch matrix near CHUNK_BYTES, and at least one chunk per thread."""
    threads = _workers[2] if _workers[0] == os.getpid() else blas.threads_for_split()
    return max(1, min(-(-n_total // threads), CHUNK_BYTES // max(1, bytes_per_item)))


# Patch matrices are reused across calls: a fresh multi-megabyte array costs a page fault per 4 KB
# on first touch, which is as slow as filling it. A buffer is keyed by everything that decides
# which of its entries im2col writes, so the zeros it keeps elsewhere stay valid.
_POOL = {}
_POOL_LIMIT = 1 << 28  # bytes kept for reuse at most
_pool_lock = threading.Lock()
_pooled_bytes = [0]


def _take_cols(C, m, geo, dense, dtype):
    with _pool_lock:
        free = _POOL.get((C, m, geo, dtype))
        if free:
            buf = free.pop()
            _pooled_bytes[0] -= buf.nbytes
            return buf
    return (np.empty if dense else np.zeros)((C,) + geo[2] + (m,) + geo[1], dtype)


def _give_cols(buf, geo):
    with _pool_lock:
        if _pooled_bytes[0] + buf.nbytes <= _POOL_LIMIT:
            _POOL.setdefault((buf.shape[0], buf.shape[1 + len(geo[2])], geo, buf.dtype), []).append(buf)
            _pooled_bytes[0] += buf.nbytes


# ---------------------------------------------------------------------- chunks on every core
# NumPy copies run on one core, and a multi-threaded BLAS syncs its threads on every small GEMM
# (and stalls when a thread is descheduled). So the chunks are shared out between threads, each
# running its chunks end to end (im2col, GEMM, output) with a single-threaded BLAS, in its own cache.
_workers = [None, None, 1]  # [pid, ThreadPoolExecutor, threads]; remade in a forked child (it inherits no threads)


def _run_split(fn, items):
    """[fn(part) for each thread's share of items], items dealt out round-robin."""
    if _workers[0] != os.getpid():
        n = blas.threads_for_split()
        _workers[:] = [os.getpid(), ThreadPoolExecutor(n - 1, thread_name_prefix="ember-conv") if n > 1 else None, n]
    n = _workers[2]
    if n < 2 or len(items) < 2:
        return [fn(items)]
    parts = [items[i::n] for i in range(n) if items[i::n]]
    with blas.single_threaded():
        futures = [_workers[1].submit(fn, part) for part in parts[1:]]
        results = [fn(parts[0])]
        results += [f.result() for f in futures]
    return results


# ---------------------------------------------------------------------- the loops on arrays
def _im2col_gemm(img, wm, geo, bias=None, keep=False, gw_of=None):
    """y = W @ im2col(img) (+ bias): img (N, C, *img) -> y (N, G·Og, *out); wm (G, Og, Cg·K).
    keep: also return the chunks' patch matrices; gw_of (N, G·Og, *out): also return
    Σ gw_of @ im2col(img)ᵀ (a transposed convolution's weight gradient) as (G, Cg·K, Og)."""
    plan, dense = _plan(*geo)
    N, C = img.shape[:2]
    G, Og, K = wm.shape
    O, P = G * Og, math.prod(geo[1])
    dt = img.dtype
    y = np.empty((N, O) + geo[1], dt)
    y3 = y.reshape(N, O, P)
    n = _chunk(N, G * K * P * dt.itemsize)
    imgt = np.moveaxis(img, 1, 0)
    starts = list(enumerate(range(0, N, n)))
    chunks = [None] * len(starts) if keep else None

    def run(part):
        gw_t = np.zeros((G, K, Og), dt) if gw_of is not None else None
        for i, s in part:
            m = min(n, N - s)
            cols = _take_cols(C, m, geo, dense, dt)
            _im2col(imgt[:, s:s + m], cols, plan)
            c3 = cols.reshape(G, K, m * P)
            if m == 1:  # one image: the GEMM result is already in (O, P) order
                np.matmul(wm, c3, out=y3[s].reshape(G, Og, P))
                if bias is not None:
                    y3[s] += bias[:, None]
            else:
                r = np.matmul(wm, c3).reshape(O, m, P).transpose(1, 0, 2)
                if bias is None:
                    y3[s:s + m] = r
                else:  # the copy into (n, O, P) order and the bias add are one pass
                    np.add(r, bias[:, None], out=y3[s:s + m])
            if gw_t is not None:
                _accumulate_weight_grad(gw_t, c3, gw_of[s:s + m])
            if keep:
                chunks[i] = cols
            else:
                _give_cols(cols, geo)
        return gw_t

    partial = _run_split(run, starts)
    return y, chunks, (sum(partial) if gw_of is not None else None)


def _accumulate_weight_grad(gw_t, c3, gy, gb=None):
    """gw_t (G, Cg·K, Og) += cols (G, Cg·K, m·P) @ gyᵀ for gy (m, O, *out); gb (O,) += Σ gy.
    A long patch axis (≥ 64) transposes gy once and runs one GEMM, the orientation BLAS runs
    fastest; a short one multiplies each image's gy (Og, P) by its columns with no copy at all."""
    G, K, Og = gw_t.shape
    m = gy.shape[0]
    g4 = gy.reshape(m, G, Og, -1)
    if K >= 64:
        gt = np.ascontiguousarray(g4.transpose(1, 0, 3, 2)).reshape(G, -1, Og)
        gw_t += np.matmul(c3, gt)
        if gb is not None:
            gb += gt.sum(1).reshape(-1)
        return
    per_image = np.matmul(g4, c3.reshape(G, K, m, -1).transpose(2, 0, 3, 1))  # (m, G, Og, K)
    gw_t += per_image.sum(0).transpose(0, 2, 1)
    if gb is not None:
        gb += g4.sum((0, 3)).reshape(-1)


def _flip_weight(w, groups):
    """Weight (A, Bg, *K) of groups -> (G·Bg, Ag, *K) with the kernel reversed: the weight of the
    stride-1 convolution that equals the transposed one (and so computes a gradient of the input)."""
    A, Bg = w.shape[:2]
    ks = w.shape[2:]
    v = w.reshape((groups, A // groups, Bg) + ks).swapaxes(1, 2)
    v = v[(Ellipsis,) + (slice(None, None, -1),) * len(ks)]
    return np.ascontiguousarray(v).reshape((groups * Bg, A // groups) + ks)


def _transposed_as_conv(geo):
    """For a stride-1 geometry, the geometry of the flipped-kernel convolution from the output back
    to the image (None when the padding exceeds the kernel's reach)."""
    img, out, kernel, stride, pad, dil = geo
    if any(s != 1 for s in stride):
        return None
    back = tuple(d * (k - 1) - p for k, p, d in zip(kernel, pad, dil))
    if any(b < 0 for b in back):
        return None
    return out, img, kernel, stride, back, dil


def _image_grad(gy, w, geo, groups):
    """col2im(Wᵀ @ gy): the gradient of a convolution's input, or a transposed convolution's output.
    Stride 1 runs it as a convolution with the flipped kernel (im2col of gy, one GEMM of inner
    size O·K); otherwise the GEMM Wᵀ @ gy and a col2im of one slice-add per kernel offset."""
    geo_t = _transposed_as_conv(geo)
    if geo_t is not None:
        return _im2col_gemm(gy, _wmat(_flip_weight(w, groups), groups), geo_t)[0]
    plan, _ = _plan(*geo)
    wm = _wmat(w, groups)
    N = gy.shape[0]
    G, Og, K = wm.shape
    C = w.shape[1] * groups
    P = math.prod(geo[1])
    dt = gy.dtype
    gy3 = gy.reshape(N, G * Og, P)
    gimg = np.zeros((N, C) + geo[0], dt)
    gimgt = np.moveaxis(gimg, 1, 0)
    wt = wm.transpose(0, 2, 1)
    n = _chunk(N, G * K * P * dt.itemsize)

    def run(part):
        for s in part:
            m = min(n, N - s)
            g3 = np.ascontiguousarray(gy3[s:s + m].transpose(1, 0, 2)).reshape(G, Og, m * P)
            gc = np.matmul(wt, g3).reshape((C,) + geo[2] + (m,) + geo[1])
            _col2im(gc, gimgt[:, s:s + m], plan)

    _run_split(run, list(range(0, N, n)))
    return gimg


def _weight_and_bias_grad(gy, img, C, wshape, geo, groups, chunks, need_b):
    """Σ gy @ im2col(img)ᵀ over the batch, from the forward's kept patch matrices (or rebuilt)."""
    plan, dense = _plan(*geo)
    N, O = gy.shape[:2]
    K = math.prod(wshape[1:])
    dt = gy.dtype
    n = chunks[0].shape[1 + len(geo[2])] if chunks else _chunk(N, K * math.prod(geo[1]) * groups * dt.itemsize)
    imgt = np.moveaxis(img, 1, 0)

    def run(part):
        gw_t = np.zeros((groups, K, O // groups), dt)
        gb = np.zeros(O, dt) if need_b else None
        for i, s in part:
            m = min(n, N - s)
            if chunks:
                cols = chunks[i]
            else:
                cols = _take_cols(C, m, geo, dense, dt)
                _im2col(imgt[:, s:s + m], cols, plan)
            _accumulate_weight_grad(gw_t, cols.reshape(groups, K, -1), gy[s:s + m], gb)
            if not chunks:
                _give_cols(cols, geo)
        return gw_t, gb

    partial = _run_split(run, list(enumerate(range(0, N, n))))
    gw_t = sum(p[0] for p in partial)
    gb = sum(p[1] for p in partial) if need_b else None
    return gw_t.transpose(0, 2, 1).reshape(wshape), gb


# ---------------------------------------------------------------------- the autograd op
def _weight_grad(yside, imgside, geo, groups, wshape):
    """Σ_n yside (G, Og, P) @ unfold(imgside)ᵀ, with Ember ops (for create_graph)."""
    N, O = yside.shape[:2]
    P = math.prod(geo[1])
    cols = _unfold_op(imgside, geo)
    CK = cols.shape[1]
    g = yside.reshape(N, groups, O // groups, P)
    c = cols.reshape(N, groups, CK // groups, P)
    return g.matmul(c.transpose(-1, -2)).sum(0).reshape(wshape)


def _conv_backward(self, g):
    x, w = self.saved
    geo, transposed, groups, chunks = self.args
    nx, nw = self.next_functions[0][0] is not None, self.next_functions[1][0] is not None
    nb = self.next_functions[2][0] is not None
    red = (0,) + tuple(range(2, g.dim()))
    if state.enabled:  # create_graph: the gradients as differentiable Ember ops
        gx = _conv_op(g, w, None, geo, not transposed, groups) if nx else None
        gw = None
        if nw:
            gw = _weight_grad(x, g, geo, groups, w.shape) if transposed else _weight_grad(g, x, geo, groups, w.shape)
        return gx, gw, g.sum(red) if nb else None
    ga, xa, wa, dt = g._data, x._data, w._data, g._dtype
    gx = gw = gb = None
    if transposed:  # the input is the output side: grad_input = W @ im2col(g), grad_w from the same columns
        if nx or nw:
            gx, _, gw_t = _im2col_gemm(ga, _wmat(wa, groups), geo, gw_of=xa if nw else None)
            if nw:
                gw = gw_t.transpose(0, 2, 1).reshape(wa.shape)
        if nb:
            gb = ga.sum(red)
    else:
        if nw:
            gw, gb = _weight_and_bias_grad(ga, xa, xa.shape[1], wa.shape, geo, groups, chunks, nb)
            if chunks:  # used once: back to the pool (a second backward rebuilds them from x)
                self.args = (geo, transposed, groups, None)
                for cols in chunks:
                    _give_cols(cols, geo)
        elif nb:
            gb = ga.sum(red)
        if nx:
            gx = _image_grad(ga, wa, geo, groups)
    return (wrap(gx, dt) if nx else None, wrap(gw, dt) if nw else None, wrap(gb, dt) if nb else None)


_Convolution = node_class("ConvolutionBackward0", _conv_backward)


def _wmat(w, groups):
    """Weight (O, Cg, *K) as (G, O/G, Cg·K): one GEMM operand per group."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _conv_op(input, weight, bias, geo, transposed, groups):
    """The convolution (or its transpose) on a batched input with a resolved geometry."""
    x, w = input._data, weight._data
    dt = input._dtype
    b = bias._data if bias is not None else None
    rg = state.enabled and (input._rg or weight._rg or (bias is not None and bias._rg))
    chunks = None
    if transposed:
        out = _image_grad(x, w, geo, groups)
        if b is not None:
            out += b.reshape((-1,) + (1,) * len(geo[0]))
    else:
        wm = _wmat(w, groups)
        keep = (rg and weight._rg and x.shape[0] * wm.shape[0] * wm.shape[2] * math.prod(geo[1]) * x.itemsize
                <= KEEP_BYTES)
        out, chunks, _ = _im2col_gemm(x, wm, geo, b, keep=keep)
    res = wrap(out, dt)
    if rg:
        node = record(_Convolution, res, (input, weight, bias), (geo, transposed, groups, chunks))
        node.save(input, weight)
    return res


# ---------------------------------------------------------------------- checks and geometry
_DT_NAMES = {"float32": "float", "float64": "double", "float16": "Half", "bfloat16": "BFloat16", "int64": "long",
             "int32": "int", "int16": "short", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                 "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _check_conv(name, input, weight, bias, d, stride, padding, dilation, groups, transposed, output_padding=None):
    """torch's argument checks, in torch's order; returns whether input is batched."""
    nd = input.dim()
    if nd not in (d + 1, d + 2):
        raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {name}, but got input "
                           f"of size: {shape_str(input.shape)}")
    wd = weight.dim() - 2
    for label, v in (("stride", stride), ("padding", padding), ("dilation", dilation)) + (
            (("output_padding", output_padding),) if transposed else ()):
        if isinstance(v, str):
            continue
        if len(v) != wd:
            raise RuntimeError(f"expected {label} to be a single integer value or a list of {wd} values to match "
                               f"the convolution dimensions, but got {label}={list(v)}")
    if weight.dim() != d + 2:
        raise RuntimeError(f"weight should have at least three dimensions")
    if not isinstance(padding, str) and any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR_NAMES[input._dtype.name]} but found "
                           f"{_SCALAR_NAMES[weight._dtype.name]}")
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError(f"Input type ({_DT_NAMES[input._dtype.name]}) and bias type "
                           f"({_DT_NAMES[bias._dtype.name]}) should be the same")
    shape = tuple(input.shape) if nd == d + 2 else (1,) + tuple(input.shape)
    ws = tuple(weight.shape)
    C = shape[1]
    if transposed:
        if ws[0] != C:
            raise RuntimeError(f"Given transposed=1, weight of size {shape_str(ws)}, expected input"
                               f"{shape_str(shape)} to have {ws[0]} channels, but got {C} channels instead")
        if ws[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                               f"but got weight of size [{shape_str(ws)}] instead")
        out_ch = ws[1] * groups
    else:
        if ws[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                               f"but got weight of size [{shape_str(ws)}] instead")
        if ws[1] * groups != C:
            raise RuntimeError(f"Given groups={groups}, weight of size {shape_str(ws)}, expected input"
                               f"{shape_str(shape)} to have {ws[1] * groups} channels, but got {C} channels instead")
        out_ch = ws[0]
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise RuntimeError(f"Given weight of size {shape_str(ws)}, expected bias to be 1-dimensional with {out_ch} "
                           f"elements, but got bias of size {shape_str(bias.shape)} instead")
    return nd == d + 2


def _conv_geometry(spatial, kernel, stride, padding, dilation):
    """geo for a convolution; padding is a tuple, 'valid' or 'same'."""
    if padding == "valid":
        padding = (0,) * len(spatial)
    if padding == "same":
        pad = tuple((d * (k - 1)) // 2 for k, d in zip(kernel, dilation))
        out = tuple(spatial)
    else:
        pad = padding
        padded = tuple(i + 2 * p for i, p in zip(spatial, pad))
        eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        if any(e > i for e, i in zip(eff, padded)):
            raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                               f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than actual "
                               "input size")
        out = tuple((i - e) // s + 1 for i, e, s in zip(padded, eff, stride))
    return (tuple(spatial), out, tuple(kernel), tuple(stride), tuple(pad), tuple(dilation))


def _convnd(d, name, input, weight, bias, stride, padding, dilation, groups):
    stride, dilation = _ntuple(stride, d), _ntuple(dilation, d)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
    else:
        padding = _ntuple(padding, d)
    batched = _check_conv(name, input, weight, bias, d, stride, padding, dilation, groups, False)
    x = input if batched else input.unsqueeze(0)
    geo = _conv_geometry(x.shape[2:], tuple(weight.shape[2:]), stride, padding, dilation)
    out = _conv_op(x, weight, bias, geo, False, groups)
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over (N, C, L) inputs (torch.nn.functional.conv1d)."""
    return _convnd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over (N, C, H, W) inputs (torch.nn.functional.conv2d)."""
    return _convnd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation) over (N, C, D, H, W) inputs (torch.nn.functional.conv3d)."""
    return _convnd(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(d, name, input, weight, bias, stride, padding, output_padding, groups, dilation):
    stride, padding, dilation = _ntuple(stride, d), _ntuple(padding, d), _ntuple(dilation, d)
    output_padding = _ntuple(output_padding, d)
    batched = _check_conv(name, input, weight, bias, d, stride, padding, dilation, groups, True, output_padding)
    if any(op >= s and op >= dl for op, s, dl in zip(output_padding, stride, dilation)):
        dims = ("height", "width") if d == 2 else ("depth", "height", "width")[-d:] if d == 3 else ("width",)
        parts = [f"output_padding_{n}: {v}" for n, v in zip(dims, output_padding)]
        parts += [f"stride_{n}: {v}" for n, v in zip(dims, stride)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(dims, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    x = input if batched else input.unsqueeze(0)
    kernel = tuple(weight.shape[2:])
    small = tuple(x.shape[2:])
    big = tuple((i - 1) * s - 2 * p + dl * (k - 1) + op + 1
                for i, s, p, dl, k, op in zip(small, stride, padding, dilation, kernel, output_padding))
    if any(b <= 0 for b in big):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, small))}). Calculated output size "
                           f"per channel: ({' x '.join(map(str, big))}). Output size is too small")
    out = _conv_op(x, weight, bias, (big, small, kernel, stride, padding, dilation), True, groups)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution (torch.nn.functional.conv_transpose1d)."""
    return _conv_transposend(1, "conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution (torch.nn.functional.conv_transpose2d)."""
    return _conv_transposend(2, "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution (torch.nn.functional.conv_transpose3d)."""
    return _conv_transposend(3, "conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


# ---------------------------------------------------------------------- unfold / fold
def _unfold_array(x, geo):
    """(N, C, *img) -> (N, C·K, P), torch's F.unfold layout."""
    plan, dense = _plan(*geo)
    N, C = x.shape[:2]
    d = len(geo[0])
    out = (np.empty if dense else np.zeros)((N, C) + geo[2] + geo[1], x.dtype)
    _im2col(np.moveaxis(x, 1, 0), np.moveaxis(out, 0, 1 + d), plan)
    return out.reshape(N, C * math.prod(geo[2]), math.prod(geo[1]))


def _fold_array(cols, geo):
    """(N, C·K, P) -> (N, C, *img): the sum of every patch back into its place."""
    plan, _ = _plan(*geo)
    N = cols.shape[0]
    d = len(geo[0])
    C = cols.shape[1] // math.prod(geo[2])
    c = cols.reshape((N, C) + geo[2] + geo[1])
    img = np.zeros((N, C) + geo[0], cols.dtype)
    _col2im(np.moveaxis(c, 0, 1 + d), np.moveaxis(img, 1, 0), plan)
    return img


_Im2Col = node_class("Im2ColBackward0", lambda self, g: _fold_op(g, self.args))
_Col2Im = node_class("Col2ImBackward0", lambda self, g: _unfold_op(g, self.args))


def _unfold_op(input, geo):
    x = input._data
    batched = x.ndim == len(geo[0]) + 2
    out = _unfold_array(x if batched else x[None], geo)
    res = wrap(out if batched else out[0], input._dtype)
    if input._rg and state.enabled:
        record(_Im2Col, res, (input,), geo)
    return res


def _fold_op(input, geo):
    x = input._data
    out = _fold_array(x if x.ndim == 3 else x[None], geo)
    res = wrap(out if x.ndim == 3 else out[0], input._dtype)
    if input._rg and state.enabled:
        record(_Col2Im, res, (input,), geo)
    return res


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of a (N, C, H, W) input as columns (N, C·kh·kw, L) (torch.nn.functional.unfold)."""
    if input.dim() < 3:  # torch reads the channel dim before checking the rank
        raise IndexError(f"Dimension out of range (expected to be in range of [-{input.dim()}, {input.dim() - 1}], "
                         f"but got 2)")
    if input.dim() > 4:
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    k, dl, p, s = (_ntuple(v, 2) for v in (kernel_size, dilation, padding, stride))
    _check_fold_args(k, dl, p, s)
    spatial = tuple(input.shape[-2:])
    padded = tuple(i + 2 * pp for i, pp in zip(spatial, p))
    out = tuple((pi - (d * (kk - 1) + 1)) // ss + 1 for pi, d, kk, ss in zip(padded, dl, k, s))
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input with spatial size ({', '.join(map(str, spatial))}), kernel_size="
                           f"({', '.join(map(str, k))}), dilation=({', '.join(map(str, dl))}), padding="
                           f"({', '.join(map(str, p))}), calculated shape of the array of sliding blocks as "
                           f"({', '.join(map(str, out))}), but its components must be at least one.")
    return _unfold_op(input, (spatial, out, k, s, p, dl))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns (N, C·kh·kw, L) back into a (N, C, H, W) image (torch.nn.functional.fold)."""
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input.dim()}D)")
    size, k, dl, p, s = (_ntuple(v, 2) for v in (output_size, kernel_size, dilation, padding, stride))
    _check_fold_args(k, dl, p, s)
    kk = k[0] * k[1]
    if input.shape[-2] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={input.shape[-2]} and kernel_size=({k[0]}, {k[1]})")
    blocks = tuple((i + 2 * pp - (d * (q - 1) + 1)) // ss + 1 for i, pp, d, q, ss in zip(size, p, dl, k, s))
    if input.shape[-1] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), dilation="
                           f"({dl[0]}, {dl[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of "
                           f"input's dimension 2 to match the calculated number of sliding blocks {blocks[0]} * "
                           f"{blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={input.shape[-1]}.")
    return _fold_op(input, (size, blocks, k, s, p, dl))


def _check_fold_args(k, dl, p, s):
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {k[0]} kernel_width: "
                           f"{k[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    if any(v <= 0 for v in dl):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dl[0]} "
                           f"dilation_width: {dl[1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
