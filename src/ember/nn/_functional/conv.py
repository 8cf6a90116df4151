"""Convolutions: F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, F.unfold, F.fold.

What a convolution computes: with the patches of the image as columns (im2col, K kernel offsets per
channel), y = W (O, C·K) @ cols, a batch of G GEMMs with groups; the weight gradient is gy @ colsᵀ and
the input gradient col2im(Wᵀ @ gy). A transposed convolution is the same with the roles of input and
output swapped. How this CPU runs them (layouts, compiled loops, chunks on the threads) is
ember._kernels.conv's business.

Geometry `geo` = (image size, output size, kernel, stride, padding before, dilation), each a tuple
over the spatial dims; the padding after is implied by the output size (so 'same' may be uneven).
"""
import math

from ...autograd.graph import record
from ...autograd.grad_mode import state
from ..._ops.registry import node_class, wrap, shape_str
from ..._kernels import conv as _backend

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]


def _ntuple(value, n):
    """An int or a sequence as an n-tuple of ints (torch.nn.modules.utils._ntuple)."""
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _wmat(w, groups):
    """Weight (O, Cg, *K) as (G, O/G, Cg·K): one GEMM operand per group."""
    return w.reshape(groups, w.shape[0] // groups, -1)


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
    geo, transposed, groups = self.args
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
    wm = _wmat(wa, groups)
    gx = gw = gb = None
    if transposed:  # the input is the output side: grad_input = W @ im2col(g), grad_w from the same columns
        if nx or nw:
            gx, gw = _backend.forward(ga, wm, geo, gw_of=xa if nw else None)
        if nb:
            gb = ga.sum(red)
    else:
        gx, gw, gb = _backend.image_grad(ga, wm, geo, xa.shape[1] if nx else None, nw, xa, nb)
    return (wrap(gx, dt) if nx else None, wrap(_backend.reshaped(gw, wa.shape), dt) if nw else None,
            wrap(gb, dt) if nb else None)


_Convolution = node_class("ConvolutionBackward0", _conv_backward)


def _conv_op(input, weight, bias, geo, transposed, groups):
    """The convolution (or its transpose) on a batched input with a resolved geometry."""
    x, w = input._data, weight._data
    dt = input._dtype
    b = bias._data if bias is not None else None
    rg = state.enabled and (input._rg or weight._rg or (bias is not None and bias._rg))
    wm = _wmat(w, groups)
    if transposed:
        out = _backend.image_grad(x, wm, geo, w.shape[1] * groups)[0]
        if b is not None:
            out += b.reshape((-1,) + (1,) * len(geo[0]))
    else:
        out = _backend.forward(x, wm, geo, b)[0]
    res = wrap(out, dt)
    if rg:
        node = record(_Convolution, res, (input, weight, bias), (geo, transposed, groups))
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
_Im2Col = node_class("Im2ColBackward0", lambda self, g: _fold_op(g, self.args))
_Col2Im = node_class("Col2ImBackward0", lambda self, g: _unfold_op(g, self.args))


def _unfold_op(input, geo):
    x = input._data
    batched = x.ndim == len(geo[0]) + 2
    out = _backend.unfold(x if batched else x[None], geo)
    res = wrap(out if batched else out[0], input._dtype)
    if input._rg and state.enabled:
        record(_Im2Col, res, (input,), geo)
    return res


def _fold_op(input, geo):
    x = input._data
    out = _backend.fold(x if x.ndim == 3 else x[None], geo)
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
