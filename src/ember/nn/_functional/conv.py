"""Convolutions: F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, F.unfold, F.fold.

Every convolution is im2col + GEMM over chunks of the batch. A chunk's patch matrix is laid out
(C, k1..kd, n, o1..od): it is built by one strided slice copy per kernel offset and read by ONE
GEMM  W (O, C·K) @ cols (C·K, n·P)  (a batch of G GEMMs with groups). The backward runs the same
loop: grad_weight is one GEMM against the forward's patch matrix, grad_input one GEMM and a col2im
of one slice-add per kernel offset. A transposed convolution is the same two loops swapped.
Chunks keep each patch matrix near cache size; padding is never materialised (the patch matrix
keeps zeros where a kernel offset falls outside the image).

Geometry `geo` = (image size, output size, kernel, stride, padding before, dilation), each a tuple
over the spatial dims; the padding after is implied by the output size (so 'same' may be uneven).
"""
import functools
import itertools
import math

import numpy as np

from ... import _dtype as D
from ...autograd import graph
from ...autograd.graph import record
from ...autograd.grad_mode import state
from ..._ops.registry import node_class, wrap, shape_str

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]

CHUNK_BYTES = 1 << 20      # target size of one chunk's patch matrix (about a core's L2 share)
KEEP_BYTES = 1 << 28       # above this the backward rebuilds the patch matrix instead of keeping it


def _ntuple(value, n, name="value"):
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
    return max(1, min(n_total, CHUNK_BYTES // max(1, bytes_per_item)))


def _new_cols(C, m, geo, dense, dtype):
    return (np.empty if dense else np.zeros)((C,) + geo[2] + (m,) + geo[1], dtype)


# ---------------------------------------------------------------------- the two loops on arrays
def _im2col_gemm(img, wm, geo, bias=None, keep=False, gw_of=None):
    """y = W @ im2col(img) (+ bias): img (N, C, *img) -> y (N, G·Og, *out); wm (G, Og, Cg·K).
    keep: also return the chunks' patch matrices; gw_of (N, G·Og, *out): also return
    gw_of @ im2col(img)ᵀ summed over the batch (a transposed convolution's weight gradient)."""
    plan, dense = _plan(*geo)
    N, C = img.shape[:2]
    G, Og, K = wm.shape
    O, P = G * Og, math.prod(geo[1])
    dt = img.dtype
    y = np.empty((N, O) + geo[1], dt)
    y3 = y.reshape(N, O, P)
    n = _chunk(N, G * K * P * dt.itemsize)
    imgt = np.moveaxis(img, 1, 0)
    chunks = [] if keep else None
    gw = None
    if gw_of is not None:
        gw, src3 = np.zeros(wm.shape, dt), gw_of.reshape(N, O, P)
    cols = None
    for s in range(0, N, n):
        m = min(n, N - s)
        if keep or cols is None or cols.shape[1 + len(geo[2])] != m:
            cols = _new_cols(C, m, geo, dense, dt)
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
        if keep:
            chunks.append(cols)
        if gw is not None:
            gw += np.matmul(_channels_first(src3[s:s + m]).reshape(G, Og, m * P), c3.transpose(0, 2, 1))
    return y, chunks, gw


def _channels_first(a3):
    """(m, O, P) -> contiguous (O, m, P) (a view when m == 1)."""
    if a3.shape[0] == 1 and a3.flags.c_contiguous:
        return a3.reshape(a3.shape[1], 1, a3.shape[2])
    return np.ascontiguousarray(a3.transpose(1, 0, 2))


def _gemm_col2im(gy, wm, geo, C, img=None, chunks=None, need_img=True, need_w=False, need_b=False):
    """The adjoint loop: for gy (N, G·Og, *out), grad_img = col2im(Wᵀ @ gy) (N, C, *img) and, with
    need_w, grad_w = gy @ im2col(img)ᵀ from the kept `chunks` (or rebuilt from `img`); need_b also
    sums gy over the batch and positions."""
    plan, dense = _plan(*geo)
    N = gy.shape[0]
    G, Og, K = wm.shape
    O, P = G * Og, math.prod(geo[1])
    dt = gy.dtype
    gy3 = gy.reshape(N, O, P)
    gimg = gimgt = gw = gb = cols = None
    if need_img:
        gimg = np.zeros((N, C) + geo[0], dt)
        gimgt = np.moveaxis(gimg, 1, 0)
        wt = wm.transpose(0, 2, 1)
    if need_w:
        gw = np.zeros(wm.shape, dt)
        imgt = np.moveaxis(img, 1, 0) if chunks is None else None
    if need_b:
        gb = np.zeros(O, dt)
    n = chunks[0].shape[1 + len(geo[2])] if chunks else _chunk(N, G * K * P * dt.itemsize)
    for i, s in enumerate(range(0, N, n)):
        m = min(n, N - s)
        g3 = _channels_first(gy3[s:s + m])
        if need_b:
            gb += g3.reshape(O, m * P).sum(1)
        g3 = g3.reshape(G, Og, m * P)
        if need_w:
            if chunks is not None:
                cols = chunks[i]
            else:
                if cols is None or cols.shape[1 + len(geo[2])] != m:
                    cols = _new_cols(C, m, geo, dense, dt)
                _im2col(imgt[:, s:s + m], cols, plan)
            gw += np.matmul(g3, cols.reshape(G, K, m * P).transpose(0, 2, 1))
        if need_img:
            gc = np.matmul(wt, g3).reshape((C,) + geo[2] + (m,) + geo[1])
            _col2im(gc, gimgt[:, s:s + m], plan)
    return gimg, gw, gb


# ---------------------------------------------------------------------- the autograd op
def _release(self):
    graph.Node._release(self)
    self.args = None  # drop the kept patch matrices with the saved tensors


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
    wm = _wmat(w._data, groups)
    ga, dt = g._data, g._dtype
    gb = None
    if transposed:  # input is the small side: grad_input = W @ im2col(g), grad_w = x @ im2col(g)ᵀ
        if nx or nw:
            gx, _, gw = _im2col_gemm(ga, wm, geo, gw_of=x._data if nw else None)
        else:
            gx = gw = None
        if nb:
            gb = wrap(ga.sum(red), dt)
    else:
        gx, gw, gb = _gemm_col2im(ga, wm, geo, w._data.shape[1] * groups, img=x._data, chunks=chunks,
                                  need_img=nx, need_w=nw, need_b=nb)
        gb = wrap(gb, dt) if nb else None
    gx = wrap(gx, dt) if nx else None
    gw = wrap(gw.reshape(w._data.shape), dt) if nw else None
    return gx, gw, gb


_Convolution = node_class("ConvolutionBackward0", _conv_backward, _release=_release)


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
        wm = _wmat(w, groups)
        out, _, _ = _gemm_col2im(x, wm, geo, w.shape[1] * groups)
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
