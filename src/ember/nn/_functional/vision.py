"""F.pad, F.interpolate (and the upsample aliases), F.pixel_shuffle, F.pixel_unshuffle.

Padding modes other than 'constant', every interpolation mode and adaptive average pooling are
*separable linear maps*: along each spatial dim, out = M @ in for a small (out, in) matrix M
(a gather when M only picks entries). `_sepmap` applies one such map per dim; its gradient is the
same op with the transposed maps, so every gradient is one more `_sepmap` (and differentiates again).
"""
import math
import warnings

import numpy as np

from ...autograd.grad_mode import state
from ...autograd.graph import record
from ..._ops.registry import fused, node_class, wrap, shape_str

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "affine_grid", "grid_sample", "channel_shuffle", "native_channel_shuffle"]


# ---------------------------------------------------------------------- separable linear maps
def _apply_maps(x, maps):
    """Apply maps[i] along the i-th of the trailing len(maps) axes of array x: None keeps the axis,
    an integer array gathers (exact for inf/nan), a float matrix (out, in) multiplies."""
    d = len(maps)
    for i, m in enumerate(maps):
        if m is None:
            continue
        ax = x.ndim - d + i
        if m.dtype.kind in "iu":
            x = np.take(x, m, axis=ax)
        elif ax == x.ndim - 1:
            x = np.matmul(x, m.T)
        else:
            x = np.moveaxis(np.matmul(m, np.moveaxis(x, ax, -2)), -2, ax)
    return x


def _transpose_map(m, n_in, dtype):
    if m is None:
        return None
    if m.dtype.kind in "iu":  # a gather's adjoint sums into the picked entries
        t = np.zeros((n_in, len(m)), dtype)
        np.add.at(t, (m, np.arange(len(m))), 1)
        return t
    return np.ascontiguousarray(m.T)


_NODES = {}


def _sepmap_backward(self, g):
    maps, sizes = self.args
    return _sepmap(g, tuple(_transpose_map(m, n, g._data.dtype) for m, n in zip(maps, sizes)),
                   type(self).__name__)


def _sepmap(input, maps, name):
    """The separable linear map `maps` on input's trailing dims, recorded as grad_fn `name`."""
    res = wrap(_apply_maps(input._data, maps), input._dtype)
    if input._rg and state.enabled:
        Node = _NODES.get(name)
        if Node is None:
            Node = _NODES[name] = node_class(name, _sepmap_backward)
        d = len(maps)
        record(Node, res, (input,), (maps, input._data.shape[-d:]))
    return res


def _as_float(w, dtype):
    return np.asarray(w, dtype=dtype if np.dtype(dtype).kind == "f" else np.float32)


# ---------------------------------------------------------------------- pad
_PAD_NAMES = {"reflect": "ReflectionPad", "replicate": "ReplicationPad"}


def _pad_index(n, lo, hi, mode):
    """Source index of every padded position along a dim of size n."""
    i = np.arange(-lo, n + hi)
    if mode == "reflect":
        i = np.abs(i)
        i = np.where(i > n - 1, 2 * (n - 1) - i, i)
    elif mode == "replicate":
        i = np.clip(i, 0, n - 1)
    else:
        i = i % n
    return i.astype(np.intp)


def _constant_pad(input, pads, value):
    """pads: (before, after) per trailing dim, negative values crop."""
    x = input._data
    d = len(pads)
    lead = x.shape[:x.ndim - d]
    shape = lead + tuple(n + a + b for n, (a, b) in zip(x.shape[-d:], pads))
    if any(s < 0 for s in shape):
        raise RuntimeError("narrow(): length must be non-negative.")
    out = np.full(shape, value, x.dtype) if value else np.zeros(shape, x.dtype)
    dst = (Ellipsis,) + tuple(slice(max(a, 0), max(a, 0) + n + min(a, 0) + min(b, 0))
                              for n, (a, b) in zip(x.shape[-d:], pads))
    src = (Ellipsis,) + tuple(slice(max(-a, 0), n - max(-b, 0)) for n, (a, b) in zip(x.shape[-d:], pads))
    out[dst] = x[src]
    res = wrap(out, input._dtype)
    if input._rg and state.enabled:
        record(_ConstantPad, res, (input,), pads)
    return res


_ConstantPad = node_class("ConstantPadNdBackward0",
                          lambda self, g: _constant_pad(g, tuple((-a, -b) for a, b in self.args), 0))


def pad(input, pad, mode="constant", value=None):
    """Pad the trailing len(pad)//2 dims; pad = (last_before, last_after, prev_before, ...)
    (torch.nn.functional.pad). Modes: constant, reflect, replicate, circular."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    d = len(pad) // 2
    if d > input.dim():
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    pads = tuple((pad[2 * i], pad[2 * i + 1]) for i in reversed(range(d)))
    if mode == "constant":
        return _constant_pad(input, pads, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if d > 3 or input.dim() not in (d + 1, d + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: "
            "padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    sizes = input.shape[-d:]
    for i, (n, (a, b)) in enumerate(zip(sizes, pads)):
        if mode == "reflect" and (a >= n or b >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({a}, {b}) at dimension {input.dim() - d + i} of input "
                               f"{shape_str(input.shape)}")
        if mode == "circular" and (a > n or b > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    maps = tuple(_pad_index(n, a, b, mode) if (a or b) else None for n, (a, b) in zip(sizes, pads))
    name = f"{_PAD_NAMES[mode]}{d}DBackward0" if mode in _PAD_NAMES else "torch::autograd::CopySlices"
    return _sepmap(input, maps, name)


# ---------------------------------------------------------------------- interpolate
_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODE_NAMES = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear",
               "bicubic": "Bicubic", "trilinear": "Trilinear"}
_CUBIC_A = -0.75


def _scale(n_in, n_out, align_corners, factor, ft=np.float32):
    """torch's source-index scale, in the precision torch computes it (float32 for float inputs)."""
    if align_corners:
        return ft((n_in - 1) / (n_out - 1)) if n_out > 1 else ft(0)
    return ft(1.0 / factor) if factor is not None and factor > 0 else ft(n_in / n_out)


def _nearest_map(n_in, n_out, factor, exact):
    if n_in == n_out:
        return None
    s = _scale(n_in, n_out, False, factor)
    o = np.arange(n_out, dtype=np.float32)
    src = np.floor((o + np.float32(0.5)) * s) if exact else np.floor(o * s)
    return np.minimum(src.astype(np.intp), n_in - 1)


def _cubic_weights(t):
    a = _CUBIC_A
    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1
    def far(x):   # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _linear_map(n_in, n_out, align_corners, factor, cubic, dtype):
    ft = np.float64 if dtype == np.float64 else np.float32
    s = _scale(n_in, n_out, align_corners, factor, ft)
    o = np.arange(n_out, dtype=ft)
    src = o * s if align_corners else (o + ft(0.5)) * s - ft(0.5)
    m = np.zeros((n_out, n_in), np.float64)
    rows = np.arange(n_out)
    if cubic:
        i0 = np.floor(src)
        t = src - i0
        for k, w in enumerate(_cubic_weights(t)):
            np.add.at(m, (rows, np.clip(i0.astype(np.intp) - 1 + k, 0, n_in - 1)), w)
    else:
        if not align_corners:
            src = np.maximum(src, ft(0))
        i0 = src.astype(np.intp)  # src >= 0, so truncation is floor
        i1 = np.minimum(i0 + 1, n_in - 1)
        l1 = src - i0.astype(ft)
        np.add.at(m, (rows, i0), ft(1) - l1)
        np.add.at(m, (rows, i1), l1)
    return _as_float(m, dtype)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *spatial) by `size` or `scale_factor` (torch.nn.functional.interpolate).
    Modes: nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area."""
    d = input.dim() - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    spatial = tuple(input.shape[2:])
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != d:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(spatial)} and output size of {size}. Please "
                                 "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            out = tuple(int(s) for s in size)
        else:
            out = (int(size),) * d
        factors = (None,) * d
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != d:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(spatial)} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "scale_factor in (s1, s2, ...,sK) format.")
            factors = tuple(float(f) for f in scale_factor)
        else:
            factors = (float(scale_factor),) * d
        out = tuple(int(math.floor(n * f)) for n, f in zip(spatial, factors))
        if recompute_scale_factor:
            factors = (None,) * d
    else:
        raise ValueError("either size or scale_factor should be defined")
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not supported by Ember")
    if mode == "area":
        from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[d - 1](input, out)
    if mode not in _MODE_NAMES or d not in (1, 2, 3):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                                  "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    need = _MODE_DIMS.get(mode)
    if need is not None and need != d:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {need + 2}D input")
    if mode.startswith("nearest"):
        maps = tuple(_nearest_map(n, o, f, mode == "nearest-exact") for n, o, f in zip(spatial, out, factors))
    else:
        dt = input._data.dtype
        maps = tuple(_linear_map(n, o, align_corners, f, mode == "bicubic", dt) for n, o, f in zip(spatial, out, factors))
    return _sepmap(input, maps, f"Upsample{_MODE_NAMES[mode]}{d}DBackward0")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate (torch.nn.functional.upsample)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode='bilinear', align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------- pixel shuffle
def _shuffle_array(x, r, up):
    *lead, c, h, w = x.shape
    n = len(lead)
    if up:  # (*, C·r·r, H, W) -> (*, C, H·r, W·r)
        y = x.reshape(*lead, c // (r * r), r, r, h, w)
        y = y.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
        return y.reshape(*lead, c // (r * r), h * r, w * r)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


def _shuffle(input, r, up):
    res = wrap(np.ascontiguousarray(_shuffle_array(input._data, r, up)), input._dtype)
    if input._rg and state.enabled:
        record(_PixelShuffle if up else _PixelUnshuffle, res, (input,), r)
    return res


_PixelShuffle = node_class("PixelShuffleBackward0", lambda self, g: _shuffle(g, self.args, False))
_PixelUnshuffle = node_class("PixelUnshuffleBackward0", lambda self, g: _shuffle(g, self.args, True))


def _check_shuffle(name, input, r):
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{name} expects a positive {'upscale' if name == 'pixel_shuffle' else 'downscale'}"
                           f"_factor, but got {r}")


def pixel_shuffle(input, upscale_factor):
    """(*, C·r², H, W) -> (*, C, H·r, W·r) (torch.nn.functional.pixel_shuffle)."""
    r = int(upscale_factor)
    _check_shuffle("pixel_shuffle", input, r)
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return _shuffle(input, r, True)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H·r, W·r) -> (*, C·r², H, W) (torch.nn.functional.pixel_unshuffle)."""
    r = int(downscale_factor)
    _check_shuffle("pixel_unshuffle", input, r)
    for name, n in (("height", input.shape[-2]), ("width", input.shape[-1])):
        if n % r:
            dim = -2 if name == "height" else -1
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({dim})={n} is not divisible by {r}")
    return _shuffle(input, r, False)


# ---------------------------------------------------------------------- spatial transformers
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
                  "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample "
                  "for details.")


def _align(align_corners):
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return align_corners


def _base_coords(n, align_corners, dtype):
    """The normalised coordinates of n pixel centres: -1 and 1 are the outer pixels' centres
    (align_corners) or the image's edges."""
    xs = np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(n)
    return (xs if align_corners else xs * (n - 1) / n).astype(dtype.np)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) of the 2-D affine maps theta (N, 2, 3) for an output of
    `size` (N, C, H, W), in grid_sample's normalised coordinates (torch.nn.functional.affine_grid)."""
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(size)
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid for a {len(size)}-D size is not implemented in Ember (only 4-D)")
    if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                         f"Got {theta.shape}.")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, 3] "
                           f"but got: [{theta.shape[0]}, 3].")
    if min(size[2:]) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    return _affine_grid(theta, size, _align(align_corners))


@fused("AffineGridGeneratorBackward0")
def _affine_grid(theta, size, align_corners):
    n, _, h, w = size
    xs, ys = _base_coords(w, align_corners, theta.dtype), _base_coords(h, align_corners, theta.dtype)
    base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((1, 1), xs.dtype)), -1)  # (H, W, 3)
    grid = wrap(np.ascontiguousarray(base.reshape(1, h * w, 3)), theta.dtype) @ theta.transpose(1, 2)
    return grid.view(n, h, w, 2)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input (N, C, H, W) read at grid (N, H', W', 2) of normalised (x, y) locations: -1 the left/top,
    1 the right/bottom (torch.nn.functional.grid_sample). Outside the image `padding_mode` decides:
    zeros, the border's value, or the image reflected."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic" or input.dim() != 4:
        raise NotImplementedError(f"grid_sample with mode={mode!r} on a {input.dim()}-D input is not implemented in "
                                  "Ember (bilinear and nearest on 4-D inputs are)")
    if grid.dim() != 4 or grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes "
                           f"{shape_str(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
                           f"{shape_str(input.shape)} and grid with sizes {shape_str(grid.shape)}")
    return _grid_sample(input, grid, mode, padding_mode, _align(align_corners))


def _source(g, n, padding_mode, align_corners):
    """Normalised grid coordinates as pixel coordinates along an axis of n pixels, after padding_mode."""
    x = (g + 1) / 2 * (n - 1) if align_corners else ((g + 1) * n - 1) / 2
    if padding_mode == "reflection":  # fold into [lo, hi]: the centres' span, or the edges'
        lo, span = (0.0, n - 1.0) if align_corners else (-0.5, float(n))
        if span <= 0:
            return x * 0
        x = (x - lo).abs()
        flips = (x / span).floor()
        extra = x - flips * span
        x = (extra + lo).where(flips % 2 == 0, span - extra + lo)
    if padding_mode != "zeros":
        x = x.clamp(0, n - 1)
    return x


@fused("GridSampler2DBackward0")
def _grid_sample(input, grid, mode, padding_mode, align_corners):
    n, c, h, w = input.shape
    x = _source(grid[..., 0], w, padding_mode, align_corners)
    y = _source(grid[..., 1], h, padding_mode, align_corners)
    flat = input.reshape(n, c, h * w)

    def tap(yi, xi):
        """input at integer (yi, xi) (N, H', W'), zero where that falls outside the image."""
        inside = (xi >= 0) & (xi <= w - 1) & (yi >= 0) & (yi <= h - 1)
        idx = (yi.clamp(0, h - 1) * w + xi.clamp(0, w - 1)).long().reshape(n, 1, -1).expand(n, c, -1)
        return flat.gather(2, idx).reshape(n, c, *xi.shape[1:]) * inside.unsqueeze(1).to(input.dtype)

    if mode == "nearest":
        return tap(y.detach().round(), x.detach().round())
    x0, y0 = x.detach().floor(), y.detach().floor()
    wx, wy = (x - x0).unsqueeze(1), (y - y0).unsqueeze(1)
    return ((tap(y0, x0) * (1 - wx) + tap(y0, x0 + 1) * wx) * (1 - wy)
            + (tap(y0 + 1, x0) * (1 - wx) + tap(y0 + 1, x0 + 1) * wx) * wy)


def channel_shuffle(input, groups):
    """Interleave the channels (dim 1) of `groups` groups: (N, g*k, ...) read in k-major order
    (torch.nn.functional.channel_shuffle)."""
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"[{', '.join(map(str, input.shape))}]")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c = input.shape[:2]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    rest = tuple(input.shape[2:])
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle
