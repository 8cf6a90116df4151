"""Deformable convolution (Dai et al., 2017) and its modulated form, DCNv2 (Zhu et al., 2018): each kernel tap
reads the input at its grid position moved by a learned (dy, dx) offset, bilinearly, optionally scaled by a
learned mask (torchvision.ops.deform_conv2d).

Written with Ember's ops (gathers of the four bilinear neighbours, then a grouped matrix product), so the
gradients for input, offset, mask, weight and bias are autograd's."""
import ember
from ember import nn
from ember.nn.modules.utils import _pair
from ember.nn.parameter import Parameter

__all__ = ["deform_conv2d", "DeformConv2d"]


def _check(input, offset, weight, mask, n_offset_grps, n_weight_grps, out_h, out_w, stride, padding, dilation):
    kh, kw = weight.shape[-2:]
    for name, t in (("input", input), ("offset", offset), ("weight", weight)) + ((("mask", mask),) if mask is not None
                                                                               else ()):
        if t.dim() != 4:
            raise RuntimeError(f"deform_conv2d: expected {name} to be 4-D, got shape {tuple(t.shape)}")
    if min(stride) <= 0 or min(padding) < 0 or min(dilation) <= 0:
        raise RuntimeError(f"deform_conv2d: stride {stride} and dilation {dilation} must be positive, padding "
                           f"{padding} non-negative")
    if weight.shape[1] * n_weight_grps != input.shape[1] or weight.shape[0] % n_weight_grps:
        raise RuntimeError(f"deform_conv2d: weight of shape {tuple(weight.shape)} does not split an input of "
                           f"{input.shape[1]} channels into groups")
    if offset.shape[1] != n_offset_grps * 2 * kh * kw:
        raise RuntimeError(f"offset.shape[1] is not valid: got: {offset.shape[1]} expected: "
                           f"{n_offset_grps * 2 * kh * kw}")
    if mask is not None and mask.shape[1] != n_offset_grps * kh * kw:
        raise RuntimeError(f"mask.shape[1] is not valid: got: {mask.shape[1]} expected: {n_offset_grps * kh * kw}")
    if input.shape[1] % n_offset_grps:
        raise RuntimeError(f"deform_conv2d: {input.shape[1]} input channels do not split into {n_offset_grps} "
                           "offset groups")
    for name, t in (("offset", offset),) + ((("mask", mask),) if mask is not None else ()):
        if t.shape[0] != input.shape[0]:
            raise RuntimeError(f"invalid batch size of {name}")
        if tuple(t.shape[2:]) != (out_h, out_w):
            raise RuntimeError(f"{name} output dims: ({t.shape[2]}, {t.shape[3]}) - computed output dims: "
                               f"({out_h}, {out_w})")
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError(f"Calculated output size too small - out_h: {out_h} out_w: {out_w}")


def _bilinear_zero_padded(image, y, x):
    """image (N, G, Cg, H, W) read at (y, x) (N, G, P) in pixels, zero outside: (N, G, Cg, P)."""
    n, g, cg, h, w = image.shape
    flat = image.reshape(n, g, cg, h * w)
    y0, x0 = y.detach().floor(), x.detach().floor()
    ly, lx = y - y0, x - x0
    out = 0
    for dy, wy in ((0, 1 - ly), (1, ly)):
        for dx, wx in ((0, 1 - lx), (1, lx)):
            yi, xi = y0 + dy, x0 + dx
            inside = ((yi >= 0) & (yi <= h - 1) & (xi >= 0) & (xi <= w - 1)).to(image.dtype)
            idx = (yi.clamp(0, h - 1) * w + xi.clamp(0, w - 1)).long()
            taps = flat.gather(3, idx[:, :, None, :].expand(n, g, cg, idx.shape[-1]))
            out = out + taps * (wy * wx * inside)[:, :, None, :]
    return out


def deform_conv2d(input, offset, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), mask=None):
    """Deformable 2-D convolution of input (N, C, H, W) with weight (O, C / groups, kH, kW): tap (i, j) of output
    position (y, x) reads input at (y * stride - padding + i * dilation + dy, ... + dx), offsets from offset
    (N, 2 * offset_groups * kH * kW, oH, oW) as (dy, dx) pairs, times mask (N, offset_groups * kH * kW, oH, oW)
    when given (torchvision.ops.deform_conv2d)."""
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    n, c, h, w = input.shape
    out_channels, _, kh, kw = weight.shape
    n_offset_grps = offset.shape[1] // (2 * kh * kw)
    n_weight_grps = c // weight.shape[1]
    if n_offset_grps == 0:
        raise RuntimeError("the shape of the offset tensor at dimension 1 is not valid. It should be a multiple of "
                           f"2 * weight.size[2] * weight.size[3].\nGot offset.shape[1]={offset.shape[1]}, while "
                           f"2 * weight.size[2] * weight.size[3]={2 * kh * kw}")
    out_h = (h + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    out_w = (w + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    _check(input, offset, weight, mask, n_offset_grps, n_weight_grps, out_h, out_w, (sh, sw), (ph, pw), (dh, dw))
    taps = kh * kw
    # the undeformed grid: tap (i, j) of output (oy, ox) sits at (oy * sh - ph + i * dh, ox * sw - pw + j * dw)
    gy = (ember.arange(out_h, dtype=input.dtype) * sh - ph).reshape(1, out_h, 1) + \
        (ember.arange(kh, dtype=input.dtype) * dh).repeat_interleave(kw).reshape(taps, 1, 1)
    gx = (ember.arange(out_w, dtype=input.dtype) * sw - pw).reshape(1, 1, out_w) + \
        (ember.arange(kw, dtype=input.dtype) * dw).repeat(kh).reshape(taps, 1, 1)
    off = offset.reshape(n, n_offset_grps, taps, 2, out_h, out_w)
    y = (gy + off[:, :, :, 0]).reshape(n, n_offset_grps, -1)
    x = (gx + off[:, :, :, 1]).reshape(n, n_offset_grps, -1)
    cols = _bilinear_zero_padded(input.reshape(n, n_offset_grps, c // n_offset_grps, h, w), y, x)
    cols = cols.reshape(n, n_offset_grps, c // n_offset_grps, taps, out_h * out_w)
    if mask is not None:
        cols = cols * mask.reshape(n, n_offset_grps, 1, taps, out_h * out_w)
    cols = cols.reshape(n, n_weight_grps, (c // n_weight_grps) * taps, out_h * out_w)
    out = weight.reshape(n_weight_grps, out_channels // n_weight_grps, -1) @ cols
    out = out.reshape(n, out_channels, out_h, out_w)
    return out if bias is None else out + bias.reshape(1, out_channels, 1, 1)


class DeformConv2d(nn.Module):
    """A deformable convolution layer: forward(input, offset, mask=None) (torchvision.ops.DeformConv2d)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _pair(kernel_size), _pair(stride)
        self.padding, self.dilation, self.groups = _pair(padding), _pair(dilation), groups
        self.weight = Parameter(ember.empty(out_channels, in_channels // groups, *self.kernel_size))
        self.register_parameter("bias", Parameter(ember.empty(out_channels)) if bias else None)
        self.reset_parameters()

    reset_parameters = nn.Conv2d.reset_parameters  # a convolution's default initialisation

    def forward(self, input, offset, mask=None):
        return deform_conv2d(input, offset, self.weight, self.bias, stride=self.stride, padding=self.padding,
                             dilation=self.dilation, mask=mask)

    def __repr__(self):
        s = (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        s += f", padding={self.padding}" if self.padding != (0, 0) else ""
        s += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        s += f", groups={self.groups}" if self.groups != 1 else ""
        s += ", bias=False" if self.bias is None else ""
        return s + ")"
