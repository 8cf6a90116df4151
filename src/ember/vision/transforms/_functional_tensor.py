"""Image operations on tensors of shape (..., C, H, W) (torchvision.transforms._functional_tensor):
the geometric and colour ones written with Ember ops, so they keep autograd; the filters, histograms
and grid samplers on NumPy arrays, as data transforms need no graph."""
import math

import numpy as np

import ember


def is_image(img):
    return isinstance(img, ember.Tensor) and img.dim() >= 2


def check_image(img):
    if not is_image(img):
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img):
    check_image(img)
    channels = 1 if img.dim() == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]


def max_value(dtype):
    """The value of full intensity: 1.0 for floating images, the largest integer otherwise."""
    if dtype.is_floating_point:
        return 1.0
    if dtype == ember.bool:
        return 1
    return int(np.iinfo(str(dtype).split(".")[-1]).max)


def hflip(img):
    check_image(img)
    return img.flip(-1)


def vflip(img):
    check_image(img)
    return img.flip(-2)


def crop(img, top, left, height, width):
    """The height x width window at (top, left); parts outside the image are zeros."""
    _, h, w = get_dimensions(img)

    def span(start, size, n):
        # the part of [start, start + size) inside [0, n), and how much of the window lies before it
        lo, hi = min(max(start, 0), n), min(max(start + size, 0), n)
        return lo, max(hi, lo), min(max(lo - start, 0), size)
    y0, y1, above = span(top, height, h)
    x0, x1, before = span(left, width, w)
    window = img[..., y0:y1, x0:x1]
    pads = (before, above, width - (x1 - x0) - before, height - (y1 - y0) - above)
    return pad(window, pads, 0, "constant") if any(pads) else window


def pad(img, padding, fill, padding_mode):
    """padding is (left, top, right, bottom); negative amounts crop."""
    check_image(img)
    left, top, right, bottom = padding
    if min(padding) < 0:
        h, w = img.shape[-2:]
        img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
        left, top, right, bottom = (max(p, 0) for p in padding)
    if padding_mode == "constant":
        def border(n, dim):
            shape = list(img.shape)
            shape[dim] = n
            return img.new_full(shape, fill)
        img = ember.cat([border(left, -1), img, border(right, -1)], -1) if left or right else img
        return ember.cat([border(top, -2), img, border(bottom, -2)], -2) if top or bottom else img
    # edge / reflect / symmetric: NumPy's pad of the index ranges says which row and column to copy
    h, w = img.shape[-2:]
    rows = ember.from_numpy(np.pad(np.arange(h), (top, bottom), mode=padding_mode))
    cols = ember.from_numpy(np.pad(np.arange(w), (left, right), mode=padding_mode))
    return img.index_select(-2, rows).index_select(-1, cols)


def _filter_weights(n_in, n_out, mode, antialias):
    """The (n_out, n_in) matrix that resamples one axis: PIL's scheme (a filter stretched by the
    downscaling factor when antialiasing, weights normalised per output pixel), or PyTorch's plain
    bicubic (a = -0.75, edge taps clamped) when bicubic runs without antialiasing."""
    scale = n_in / n_out
    src = (np.arange(n_out) + 0.5) * scale  # output pixel centres in input coordinates
    weights = np.zeros((n_out, n_in))
    if mode == "bicubic" and not antialias:
        base = np.floor(src - 0.5)
        t = src - 0.5 - base
        for k in range(-1, 3):
            np.add.at(weights, (np.arange(n_out), np.clip(base + k, 0, n_in - 1).astype(int)),
                      _cubic(k - t, -0.75))
        return weights
    stretch = max(scale, 1.0) if antialias else 1.0
    support = (1.0 if mode == "bilinear" else 2.0) * stretch
    for i, c in enumerate(src):
        lo, hi = max(int(c - support + 0.5), 0), min(int(c + support + 0.5), n_in)
        x = (np.arange(lo, hi) - c + 0.5) / stretch
        w = np.maximum(1 - np.abs(x), 0) if mode == "bilinear" else _cubic(x, -0.5)
        weights[i, lo:hi] = w / w.sum() if w.sum() else w
    return weights


def _cubic(x, a):
    """Keys' cubic convolution kernel with parameter a."""
    x = np.abs(x)
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


def _nearest_index(n_in, n_out, exact):
    scale = n_in / n_out
    src = (np.arange(n_out) + (0.5 if exact else 0.0)) * scale
    return ember.from_numpy(np.minimum(np.floor(src).astype(np.int64), n_in - 1))


def resize(img, size, interpolation, antialias):
    """Resample the last two dims to `size` (h, w). Integer images are computed in float32 and
    rounded back, as torchvision does."""
    check_image(img)
    (h, w), (oh, ow) = img.shape[-2:], size
    if interpolation in ("nearest", "nearest-exact"):
        exact = interpolation == "nearest-exact"
        return img.index_select(-2, _nearest_index(h, oh, exact)).index_select(-1, _nearest_index(w, ow, exact))
    if interpolation not in ("bilinear", "bicubic"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input: use nearest, "
                         f"nearest-exact, bilinear or bicubic (or a PIL image)")
    x = img if img.dtype in (ember.float32, ember.float64) else img.to(ember.float32)
    rows = ember.from_numpy(_filter_weights(h, oh, interpolation, antialias)).to(x.dtype)
    cols = ember.from_numpy(_filter_weights(w, ow, interpolation, antialias).T).to(x.dtype)
    out = rows @ x @ cols
    if x is img:
        return out
    if interpolation == "bicubic" and img.dtype == ember.uint8:
        out = out.clamp(0, 255)
    return out.round().to(img.dtype)


def convert_image_dtype(image, dtype=ember.float32):
    """Convert an image's dtype, rescaling intensities: integer full scale <-> 1.0 for floats."""
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or \
                (image.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        # scale so that 1.0 lands just below max + 1: every integer level gets an equal share of [0, 1]
        return image.mul(max_value(dtype) + 1.0 - 1e-3).to(dtype)
    in_max = float(max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / in_max
    out_max = float(max_value(dtype))
    if in_max > out_max:
        return ember.div(image, int((in_max + 1) // (out_max + 1)), rounding_mode="floor").to(dtype)
    return image.to(dtype) * int((out_max + 1) // (in_max + 1))


def rgb_to_grayscale(img, num_output_channels=1):
    """ITU-R 601-2 luma, computed in float and cast back to the image's dtype."""
    if img.dim() < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.dim()}")
    _check_channels(img, (1, 3))
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(-3)
    else:
        gray = img.clone()
    return gray.expand(img.shape) if num_output_channels == 3 else gray


def _check_channels(img, allowed):
    c = get_dimensions(img)[0]
    if c not in allowed:
        raise TypeError(f"Input image tensor permitted channel values are {list(allowed)}, but found {c}")


def _blend(img1, img2, ratio):
    ratio = float(ratio)
    bound = max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img, factor):
    _check_channels(img, (1, 3))
    return _blend(img, ember.zeros_like(img), factor)


def adjust_contrast(img, factor):
    _check_channels(img, (3, 1))
    dtype = img.dtype if img.is_floating_point() else ember.float32
    gray = rgb_to_grayscale(img) if img.shape[-3] == 3 else img
    return _blend(img, gray.to(dtype).mean(dim=(-3, -2, -1), keepdim=True), factor)


def adjust_saturation(img, factor):
    _check_channels(img, (1, 3))
    if img.shape[-3] == 1:
        return img
    return _blend(img, rgb_to_grayscale(img), factor)


def adjust_hue(img, hue_factor):
    _check_channels(img, (1, 3))
    if img.shape[-3] == 1:
        return img
    hsv = _rgb_to_hsv(convert_image_dtype(img, ember.float32))
    h, s, v = hsv.unbind(dim=-3)
    rgb = _hsv_to_rgb(ember.stack(((h + hue_factor) % 1.0, s, v), dim=-3))
    return convert_image_dtype(rgb, img.dtype)


def _rgb_to_hsv(img):
    r, g, b = img.unbind(dim=-3)
    hi, lo = img.max(dim=-3).values, img.min(dim=-3).values
    grey = hi == lo  # hue and saturation are 0 where all channels agree
    chroma = hi - lo
    ones = ember.ones_like(hi)
    s = chroma / ember.where(grey, ones, hi)
    c = ember.where(grey, ones, chroma)
    rc, gc, bc = (hi - r) / c, (hi - g) / c, (hi - b) / c
    h = ember.where(hi == r, bc - gc, ember.where(hi == g, 2.0 + rc - bc, 4.0 + gc - rc))
    return ember.stack((ember.fmod(h / 6.0 + 1.0, 1.0), s, hi), dim=-3)


def _hsv_to_rgb(img):
    h, s, v = img.unbind(dim=-3)
    sector = ember.floor(h * 6.0)
    f = h * 6.0 - sector
    sector = sector.to(ember.int64) % 6
    p = (v * (1.0 - s)).clamp(0.0, 1.0)
    q = (v * (1.0 - s * f)).clamp(0.0, 1.0)
    t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0)
    # (r, g, b) for each of the six 60-degree sectors of the hue circle
    table = ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))
    out = [ember.zeros_like(v) for _ in range(3)]
    for k, rgb in enumerate(table):
        hit = sector == k
        out = [ember.where(hit, x, o) for x, o in zip(rgb, out)]
    return ember.stack(out, dim=-3)


def normalize(tensor, mean, std, inplace=False):
    if not isinstance(tensor, ember.Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    if not inplace:
        tensor = tensor.clone()
    mean = ember.as_tensor(mean, dtype=tensor.dtype)
    std = ember.as_tensor(std, dtype=tensor.dtype)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if mean.dim() == 1:
        mean = mean.view(-1, 1, 1)
    if std.dim() == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def rotate(img, angle, interpolation, expand, center, fill):
    """Rotate counter-clockwise by `angle` degrees about `center` (x, y) (default: the image centre)
    as torchvision samples it: each output pixel looks up its source by the inverse rotation, with
    nearest or bilinear interpolation; what falls outside the image is `fill` (one value per channel)."""
    check_image(img)
    c, h, w = get_dimensions(img)
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    # coordinates are pixel indices; a centre given in PIL's convention (pixel i spans [i, i+1]) moves by half a pixel
    cx, cy = ((w - 1) * 0.5, (h - 1) * 0.5) if center is None or expand else (center[0] - 0.5, center[1] - 0.5)
    ow, oh = w, h
    if expand:  # the bounding box of the rotated image, trimmed at 1e-4 against round-off
        xs = np.array([-w, -w, w, w]) * 0.5 * cos + np.array([-h, h, h, -h]) * 0.5 * sin
        ys = -np.array([-w, -w, w, w]) * 0.5 * sin + np.array([-h, h, h, -h]) * 0.5 * cos
        box = lambda v, n: int(math.ceil(np.trunc((v.max() + n / 2) / 1e-4) * 1e-4)  # noqa: E731
                                - math.floor(np.trunc((v.min() + n / 2) / 1e-4) * 1e-4))
        ow, oh = box(xs, w), box(ys, h)
    yy, xx = np.mgrid[0:oh, 0:ow].astype(np.float64)
    dx, dy = xx - (ow - 1) * 0.5 if expand else xx - cx, yy - (oh - 1) * 0.5 if expand else yy - cy
    return _sample(img, cx + dx * cos - dy * sin, cy + dx * sin + dy * cos, interpolation, fill)


def affine(img, matrix, interpolation, fill):
    """Resample by the inverse affine `matrix` (6 numbers, about the image centre, as torchvision's
    _get_inverse_affine_matrix gives it): output pixel (x, y) reads the source at matrix @ (x, y, 1)."""
    check_image(img)
    _, h, w = get_dimensions(img)
    # in float32 through grid_sample's normalised grid, as torchvision computes it: a source that lands
    # on a half pixel rounds the same way
    f = np.float32
    xc = np.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, w, dtype=f)[None, :]
    yc = np.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, h, dtype=f)[:, None]
    # the matrix divided by the half-size first, then applied (the order of torchvision's affine_grid)
    a, b, tx = (f(v) / f(0.5 * w) for v in matrix[:3])
    c, d, ty = (f(v) / f(0.5 * h) for v in matrix[3:])
    gx = xc * a + yc * b + tx
    gy = xc * c + yc * d + ty
    return _sample(img, ((gx + 1) * w - 1) / 2, ((gy + 1) * h - 1) / 2, interpolation, fill)


def _sample(img, sx, sy, interpolation, fill):
    """The image read at source coordinates (sx, sy) (pixel indices, one pair per output pixel) by
    nearest or bilinear interpolation, as grid_sample does; outside the image it is `fill`."""
    c, h, w = get_dimensions(img)
    oh, ow = sx.shape
    flat = img.reshape(*img.shape[:-2], h * w)
    blend = fill is not None  # torchvision blends with the fill only when one is given
    fill = [0.0] * c if fill is None else [float(fill)] * c if isinstance(fill, (int, float)) else list(fill)
    fill = ember.tensor(fill, dtype=img.dtype if img.is_floating_point() else ember.float32).reshape(-1, 1)

    def tap(y, x):
        """Source values at integer (y, x), zero outside, and where they were inside (as 0/1)."""
        inside = ((y >= 0) & (y < h) & (x >= 0) & (x < w)).reshape(-1)
        idx = ember.from_numpy((np.clip(y, 0, h - 1) * w + np.clip(x, 0, w - 1)).reshape(-1))
        return flat.index_select(-1, idx).to(fill.dtype) * ember.from_numpy(inside).to(fill.dtype), inside

    if interpolation == "nearest":
        vals, inside = tap(np.rint(sy).astype(np.int64), np.rint(sx).astype(np.int64))
        out = ember.where(ember.from_numpy(inside), vals, fill)
    elif interpolation == "bilinear":
        y0, x0 = np.floor(sy).astype(np.int64), np.floor(sx).astype(np.int64)
        fy, fx = sy - y0, sx - x0
        out, cover = 0, 0
        for oy, wy in ((0, 1 - fy), (1, fy)):
            for ox, wx in ((0, 1 - fx), (1, fx)):
                vals, inside = tap(y0 + oy, x0 + ox)
                wgt = (wy * wx).reshape(-1)
                out = out + vals * ember.from_numpy(wgt).to(fill.dtype)
                cover = cover + wgt * inside
        cover = ember.from_numpy(cover).to(fill.dtype)
        if blend:  # torchvision's blend with the fill where the taps left the image
            out = out * cover + (1.0 - cover) * fill
    else:
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    if not img.is_floating_point():
        out = out.round().clamp(0, max_value(img.dtype))
    return out.to(img.dtype).reshape(*img.shape[:-2], oh, ow)


# ---------------------------------------------------------------------- filters and point operations
def _depthwise(img, kernel, padding=None):
    """Each channel of img correlated with the 2-D `kernel` (float math, rounded back for integer
    images), after `padding` (left, right, top, bottom) by reflection if given. NumPy windows and one
    tensordot: a data transform needs no graph, and this skips compiling conv2d's kernels."""
    dtype = np.float64 if img.dtype == ember.float64 else np.float32
    x = img.detach().numpy().astype(dtype, copy=False)
    if padding is not None:
        left, right, top, bottom = padding
        x = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)], mode="reflect")
    k = kernel.detach().numpy().astype(dtype)
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape, axis=(-2, -1))
    out = np.tensordot(windows, k, axes=([-2, -1], [0, 1]))
    if not img.is_floating_point():
        out = np.round(out)
    return ember.from_numpy(np.ascontiguousarray(out)).to(img.dtype)


def _gaussian_kernel1d(size, sigma):
    x = np.linspace(-(size - 1) * 0.5, (size - 1) * 0.5, size, dtype=np.float32)
    pdf = np.exp(-0.5 * (x / np.float32(sigma)) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img, kernel_size, sigma):
    """Blur with a (kx, ky) Gaussian of std (sx, sy), the borders reflected."""
    check_image(img)
    kernel = np.outer(_gaussian_kernel1d(kernel_size[1], sigma[1]), _gaussian_kernel1d(kernel_size[0], sigma[0]))
    kx, ky = kernel_size[0] // 2, kernel_size[1] // 2
    return _depthwise(img, ember.from_numpy(kernel.astype(np.float32)), [kx, kx, ky, ky])


def adjust_sharpness(img, factor):
    """Blend with a smoothed copy (3x3 kernel, centre weight 5; border pixels kept): factor 0 smooths,
    1 leaves the image, 2 sharpens."""
    _check_channels(img, (1, 3))
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    kernel = ember.ones(3, 3)
    kernel[1, 1] = 5.0
    smooth = img.clone()
    smooth[..., 1:-1, 1:-1] = _depthwise(img, kernel / 13.0)
    return _blend(img, smooth, factor)


def adjust_gamma(img, gamma, gain=1):
    """gain * img ** gamma on the [0, 1] scale."""
    _check_channels(img, (1, 3))
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    x = img if img.is_floating_point() else convert_image_dtype(img, ember.float32)
    return convert_image_dtype((gain * x.pow(gamma)).clamp(0, 1), img.dtype)


def _at_least_3d(img):
    check_image(img)
    if img.dim() < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.dim()}")


def invert(img):
    """Full intensity minus the image."""
    _at_least_3d(img)
    _check_channels(img, (1, 3))
    return ~img if img.dtype == ember.bool else max_value(img.dtype) - img


def posterize(img, bits):
    """Keep the `bits` highest bits of each uint8 value."""
    _at_least_3d(img)
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _check_channels(img, (1, 3))
    return img & (256 - 2 ** (8 - bits))


def solarize(img, threshold):
    """Invert the pixels at or above `threshold`."""
    _at_least_3d(img)
    _check_channels(img, (1, 3))
    if threshold > max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return ember.where(img >= threshold, invert(img), img)


def autocontrast(img):
    """Stretch each channel so its darkest value becomes 0 and its brightest full intensity."""
    _at_least_3d(img)
    _check_channels(img, (1, 3))
    bound = max_value(img.dtype)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    lo = img.amin(dim=(-2, -1), keepdim=True).to(dtype)
    hi = img.amax(dim=(-2, -1), keepdim=True).to(dtype)
    flat = hi == lo  # a constant channel is left as it is
    scale = ember.where(flat, ember.ones_like(hi), bound / ember.where(flat, ember.ones_like(hi), hi - lo))
    lo = ember.where(flat, ember.zeros_like(lo), lo)
    return ((img - lo) * scale).clamp(0, bound).to(img.dtype)


def _equalize_channel(values):
    """PIL's histogram equalisation of one uint8 channel (a NumPy array)."""
    hist = np.bincount(values.reshape(-1), minlength=256)
    step = hist[hist != 0][:-1].sum() // 255  # the last non-empty level does not count
    if step == 0:
        return values
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate(([0], lut[:-1])), 0, 255).astype(np.uint8)
    return lut[values]


def equalize(img):
    """Equalise each channel's histogram (uint8 images)."""
    check_image(img)
    if not 3 <= img.dim() <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.dim()}")
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _check_channels(img, (1, 3))
    arr = img.detach().numpy()
    out = np.stack([_equalize_channel(ch) for ch in arr.reshape(-1, *arr.shape[-2:])]).reshape(arr.shape)
    return ember.from_numpy(out)


def erase(img, i, j, h, w, v, inplace=False):
    """The image with the window (i, j, h, w) set to v."""
    check_image(img)
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


# ---------------------------------------------------------------------- grid transforms
def _grid_source(gx, gy, h, w):
    """grid_sample's normalised grid (align_corners=False) as source pixel indices."""
    return ((gx + 1) * w - 1) / 2, ((gy + 1) * h - 1) / 2


def perspective(img, coeffs, interpolation, fill):
    """Resample by the projective map `coeffs` (8 numbers, PIL's convention: output pixel centre (x, y)
    reads the source at ((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (g x + h y + 1)))."""
    check_image(img)
    _, h, w = get_dimensions(img)
    f = np.float32
    a, b, c, d, e, ff, g, hh = (f(v) for v in coeffs)
    x = np.linspace(0.5, w - 0.5, w, dtype=f)[None, :]
    y = np.linspace(0.5, h - 0.5, h, dtype=f)[:, None]
    den = x * g + y * hh + f(1)
    gx = (x * (a / f(0.5 * w)) + y * (b / f(0.5 * w)) + c / f(0.5 * w)) / den - f(1)
    gy = (x * (d / f(0.5 * h)) + y * (e / f(0.5 * h)) + ff / f(0.5 * h)) / den - f(1)
    return _sample(img, *_grid_source(gx, gy, h, w), interpolation, fill)


def elastic_transform(img, displacement, interpolation, fill):
    """Resample at the identity grid plus `displacement` (1, H, W, 2, in grid_sample's [-1, 1] units)."""
    check_image(img)
    _, h, w = get_dimensions(img)
    f = np.float32
    disp = displacement.detach().numpy().astype(f).reshape(h, w, 2)
    gx = np.linspace((1 - w) / w, (w - 1) / w, w, dtype=f)[None, :] + disp[..., 0]
    gy = np.linspace((1 - h) / h, (h - 1) / h, h, dtype=f)[:, None] + disp[..., 1]
    return _sample(img, *_grid_source(gx, gy, h, w), interpolation, fill)
