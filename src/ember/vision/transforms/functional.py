"""Functional image transforms (torchvision.transforms.functional).

Each operation takes a PIL image, a tensor image (..., C, H, W) or a NumPy image (H, W, C) or
(H, W), and returns the same kind. PIL images go through Pillow; tensors and arrays through
Ember ops (arrays as a channels-first view, converted back)."""
import math
import numbers
import sys
import warnings
from enum import Enum

import numpy as np
from PIL import Image

import ember
from . import _functional_pil as F_pil
from . import _functional_tensor as F_t


class InterpolationMode(Enum):
    """How resampling fills in pixels (torchvision.transforms.InterpolationMode)."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTER = {InterpolationMode.NEAREST: Image.Resampling.NEAREST,
               InterpolationMode.NEAREST_EXACT: Image.Resampling.NEAREST,
               InterpolationMode.BILINEAR: Image.Resampling.BILINEAR,
               InterpolationMode.BICUBIC: Image.Resampling.BICUBIC, InterpolationMode.BOX: Image.Resampling.BOX,
               InterpolationMode.HAMMING: Image.Resampling.HAMMING,
               InterpolationMode.LANCZOS: Image.Resampling.LANCZOS}
_FROM_PIL_INT = {int(v): k for k, v in _PIL_FILTER.items() if k is not InterpolationMode.NEAREST_EXACT}


def _interpolation(mode):
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, int) and mode in _FROM_PIL_INT:
        return _FROM_PIL_INT[mode]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


def _is_pil_image(img):
    return isinstance(img, Image.Image)


def _apply(img, on_pil, on_tensor, *args):
    """Run the PIL or the tensor version of an operation; NumPy images run the tensor one on a
    channels-first view and come back as (H, W, C) arrays."""
    if isinstance(img, ember.Tensor):
        return on_tensor(img, *args)
    if isinstance(img, Image.Image):
        return on_pil(img, *args)
    if isinstance(img, np.ndarray) and img.ndim in (2, 3):
        chw = img if img.ndim == 2 else np.ascontiguousarray(np.moveaxis(img, -1, 0))
        out = on_tensor(ember.from_numpy(chw), *args)
        out = out.detach().numpy() if isinstance(out, ember.Tensor) else out
        return out if img.ndim == 2 or not isinstance(out, np.ndarray) else np.ascontiguousarray(np.moveaxis(out, 0, -1))
    raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def get_dimensions(img):
    """[channels, height, width] of an image."""
    if isinstance(img, np.ndarray):
        return [1 if img.ndim == 2 else img.shape[-1], img.shape[0], img.shape[1]]
    return _apply(img, F_pil.get_dimensions, F_t.get_dimensions)


def get_image_size(img):
    """[width, height] of an image."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    return get_dimensions(img)[0]


# ---------------------------------------------------------------------- conversions
_PIL_DTYPE = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}


def to_tensor(pic):
    """A PIL image or (H, W[, C]) array as a (C, H, W) tensor; uint8 data is scaled to [0, 1] in
    the default float dtype, other dtypes keep their values and dtype."""
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    elif isinstance(pic, Image.Image):
        arr = np.asarray(pic, _PIL_DTYPE.get(pic.mode, np.uint8))
        if pic.mode == "1":
            arr = arr * np.uint8(255)
        arr = arr.reshape(pic.height, pic.width, len(pic.getbands()))
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    chw = arr.transpose(2, 0, 1)
    if arr.dtype != np.uint8:
        return ember.from_numpy(np.ascontiguousarray(chw))
    default = ember.get_default_dtype()
    if default not in _NUMPY_FLOAT:
        return ember.from_numpy(np.ascontiguousarray(chw)).to(default).div_(255)
    # one pass to a contiguous float array, then an in-place divide: the per-sample hot path of image loaders
    out = np.ascontiguousarray(chw, dtype=_NUMPY_FLOAT[default])
    out /= 255
    return ember.from_numpy(out)


_NUMPY_FLOAT = {ember.float32: np.float32, ember.float64: np.float64}


def pil_to_tensor(pic):
    """A PIL image as a (C, H, W) tensor of its own values and dtype (no scaling)."""
    if not isinstance(pic, Image.Image):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.height, pic.width, len(pic.getbands()))
    return ember.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


_MODES_BY_CHANNELS = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}


def to_pil_image(pic, mode=None):
    """A (C, H, W) tensor or (H, W, C) array as a PIL image; floating data is taken as [0, 1]
    and scaled to bytes unless mode is 'F'."""
    if isinstance(pic, ember.Tensor):
        if pic.dim() not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.dim()} dimensions.")
        pic = (pic.permute(1, 2, 0) if pic.dim() == 3 else pic).detach().numpy()
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = pic[:, :, None]
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    if np.issubdtype(pic.dtype, np.floating) and mode != "F":
        pic = (pic * 255).astype(np.uint8)
    channels = pic.shape[2]
    if channels == 1:
        pic = pic[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16" if sys.byteorder == "little" else "I;16B",
                    np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(pic.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be {expected}")
        mode = expected
        if mode is not None and mode.startswith("I;16"):
            pic = pic.astype(np.uint16)  # Pillow's 16-bit greyscale is unsigned
    else:
        permitted = _MODES_BY_CHANNELS[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
        if mode is None and pic.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {pic.dtype} is not supported")
    return Image.fromarray(pic, mode=mode)


def convert_image_dtype(image, dtype=ember.float32):
    """Change a tensor image's dtype, rescaling values between integer full scale and [0, 1]."""
    if not isinstance(image, ember.Tensor):
        raise TypeError("Input img should be Tensor Image")
    return F_t.convert_image_dtype(image, dtype)


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean) / std per channel, for a float tensor image (..., C, H, W)."""
    return F_t.normalize(tensor, mean, std, inplace)


# ---------------------------------------------------------------------- geometry
def _resized_size(h, w, size, max_size):
    if len(size) == 2:
        return [size[0], size[1]]
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                             f"smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_long, new_short] if w <= h else [new_short, new_long]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to size (h, w), or, for an int, so that the smaller edge becomes size (keeping the aspect ratio)."""
    interpolation = _interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             f"tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                             "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    _, h, w = get_dimensions(img)
    out = _resized_size(h, w, [size] if isinstance(size, int) else list(size), max_size)
    if out == [h, w]:
        return img
    if antialias is False and isinstance(img, Image.Image):
        warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.")
    return _apply(img, lambda im: F_pil.resize(im, out, _PIL_FILTER[interpolation]),
                  lambda t: F_t.resize(t, out, interpolation.value, antialias))


def _ltrb(padding):
    """torchvision's padding forms (int, (lr, tb) or (l, t, r, b)) as (left, top, right, bottom)."""
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, numbers.Number):
        return (int(padding),) * 4
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if len(padding) == 1:
        return (padding[0],) * 4
    if len(padding) == 2:
        return (padding[0], padding[1], padding[0], padding[1])
    return tuple(padding)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders: padding is an int, (left/right, top/bottom) or (left, top, right, bottom);
    modes constant (with fill), edge, reflect, symmetric."""
    ltrb = _ltrb(padding)
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    return _apply(img, F_pil.pad, F_t.pad, ltrb, fill, padding_mode)


def crop(img, top, left, height, width):
    """The height x width window whose top-left corner is (top, left); outside the image is zeros."""
    return _apply(img, F_pil.crop, F_t.crop, top, left, height, width)


def _pair(size):
    if isinstance(size, numbers.Number):
        return (int(size), int(size))
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return (size[0], size[0])
    return tuple(size)


def center_crop(img, output_size):
    """The central crop of output_size (padded with zeros where the image is smaller)."""
    ch, cw = _pair(output_size)
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        img = pad(img, [max(cw - w, 0) // 2, max(ch - h, 0) // 2, max(cw - w + 1, 0) // 2, max(ch - h + 1, 0) // 2])
        _, h, w = get_dimensions(img)
        if (ch, cw) == (h, w):
            return img
    # Python's round: halves go to the even neighbour, as in torchvision
    return crop(img, int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)), ch, cw)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    return _apply(img, F_pil.hflip, F_t.hflip)


def vflip(img):
    return _apply(img, F_pil.vflip, F_t.vflip)


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by `angle` degrees about `center` (default: the image centre)."""
    interpolation = _interpolation(interpolation)
    if center is not None and not (isinstance(center, (list, tuple)) and len(center) == 2):
        raise ValueError("Argument center should be a sequence of length 2")
    return _apply(img, lambda im: F_pil.rotate(im, angle, _PIL_FILTER[interpolation], expand, center, fill),
                  lambda t: F_t.rotate(t, angle, interpolation.value, expand, center, fill))


def _inverse_affine_matrix(center, angle, translate, scale, shear, inverted=True):
    """The 2x3 matrix (row-major, 6 numbers) taking an output pixel to its source: the inverse of
    translate . centre . rotate . scale . shear . centre^-1 (angles in degrees); that map itself
    (source to output, for points and boxes) with inverted=False."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    (cx, cy), (tx, ty) = center, translate
    # rotation with shear, without scale; its determinant is 1, so its inverse is its adjugate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if not inverted:
        m = [v * scale for v in (a, b, 0.0, c, d, 0.0)]
        m[2] += cx + tx - m[0] * cx - m[1] * cy
        m[5] += cy + ty - m[3] * cx - m[4] * cy
        return m
    m = [v / scale for v in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def _affine_args(angle, translate, scale, shear, center):
    """Check affine's arguments (torchvision's errors); the shear as [x, y] degrees."""
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    return shear


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Rotate by `angle` degrees, translate by (tx, ty) pixels, scale and shear (degrees, one value
    or (x, y)) about `center` (default: the image centre), keeping the image size."""
    interpolation = _interpolation(interpolation)
    shear = _affine_args(angle, translate, scale, shear, center)
    _, height, width = get_dimensions(img)
    if _is_pil_image(img):  # PIL measures from the image's corner, pixel i spanning [i, i + 1]
        matrix = _inverse_affine_matrix(center or [width * 0.5, height * 0.5], float(angle), translate, scale, shear)
        return F_pil.affine(img, matrix, _PIL_FILTER[interpolation], fill)
    centre = [0.0, 0.0] if center is None else [c - n * 0.5 for c, n in zip(center, (width, height))]
    matrix = _inverse_affine_matrix(centre, float(angle), [float(t) for t in translate], scale, shear)
    return _apply(img, None, lambda t: F_t.affine(t, matrix, interpolation.value, fill))


# ---------------------------------------------------------------------- colour
def rgb_to_grayscale(img, num_output_channels=1):
    """Luma of an RGB image, with 1 or 3 (identical) output channels."""
    if num_output_channels not in (1, 3) and isinstance(img, Image.Image):
        raise ValueError("num_output_channels should be either 1 or 3")
    return _apply(img, F_pil.to_grayscale, F_t.rgb_to_grayscale, num_output_channels)


def to_grayscale(img, num_output_channels=1):
    if not isinstance(img, Image.Image):
        raise TypeError("Input should be PIL Image")
    return rgb_to_grayscale(img, num_output_channels)


def _non_negative(name, factor):
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")


def adjust_brightness(img, brightness_factor):
    """Blend with black: 0 gives black, 1 the original, 2 twice as bright."""
    _non_negative("brightness_factor", brightness_factor)
    return _apply(img, F_pil.adjust_brightness, F_t.adjust_brightness, brightness_factor)


def adjust_contrast(img, contrast_factor):
    """Blend with the mean grey level: 0 gives solid grey, 1 the original."""
    _non_negative("contrast_factor", contrast_factor)
    return _apply(img, F_pil.adjust_contrast, F_t.adjust_contrast, contrast_factor)


def adjust_saturation(img, saturation_factor):
    """Blend with the greyscale image: 0 gives black and white, 1 the original."""
    _non_negative("saturation_factor", saturation_factor)
    return _apply(img, F_pil.adjust_saturation, F_t.adjust_saturation, saturation_factor)


def adjust_hue(img, hue_factor):
    """Rotate the hue by hue_factor turns (in [-0.5, 0.5])."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    return _apply(img, F_pil.adjust_hue, F_t.adjust_hue, hue_factor)


def adjust_gamma(img, gamma, gain=1):
    """gain * img ** gamma on the [0, 1] intensity scale."""
    return _apply(img, F_pil.adjust_gamma, F_t.adjust_gamma, gamma, gain)


def adjust_sharpness(img, sharpness_factor):
    """Blend with a smoothed copy: 0 smooths, 1 gives the original, 2 sharpens."""
    _non_negative("sharpness_factor", sharpness_factor)
    return _apply(img, F_pil.adjust_sharpness, F_t.adjust_sharpness, sharpness_factor)


def autocontrast(img):
    """Stretch each channel to the full intensity range."""
    return _apply(img, F_pil.autocontrast, F_t.autocontrast)


def equalize(img):
    """Equalise each channel's histogram (uint8 tensors or PIL images)."""
    return _apply(img, F_pil.equalize, F_t.equalize)


def invert(img):
    """The negative image."""
    return _apply(img, F_pil.invert, F_t.invert)


def posterize(img, bits):
    """Keep the `bits` highest bits of each channel (0 to 8)."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    return _apply(img, F_pil.posterize, F_t.posterize, bits)


def solarize(img, threshold):
    """Invert the pixels at or above `threshold`."""
    return _apply(img, F_pil.solarize, F_t.solarize, threshold)


def _tensor_roundtrip(kernel):
    """Run a tensor kernel on a PIL image (as torchvision does for blur and elastic): to a tensor and back."""
    def on_pil(img, *args):
        return to_pil_image(kernel(pil_to_tensor(img), *args), mode=img.mode)
    return on_pil


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian of odd kernel_size (kx, ky) and std sigma (sx, sy), the borders reflected;
    sigma defaults to 0.3 * ((k - 1) * 0.5 - 1) + 0.8."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    kernel_size = [kernel_size, kernel_size] if isinstance(kernel_size, int) else list(kernel_size)
    if len(kernel_size) == 1:
        kernel_size = kernel_size * 2
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    if any(k % 2 == 0 or k < 0 for k in kernel_size):
        raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    sigma = [float(sigma)] * 2 if isinstance(sigma, (int, float)) else [float(s) for s in sigma]
    if len(sigma) == 1:
        sigma = sigma * 2
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    if any(s <= 0.0 for s in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    if not isinstance(img, (ember.Tensor, Image.Image)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
    return _apply(img, _tensor_roundtrip(F_t.gaussian_blur), F_t.gaussian_blur, kernel_size, sigma)


def erase(img, i, j, h, w, v, inplace=False):
    """Set the window (i, j, h, w) of a tensor image to v."""
    if not isinstance(img, ember.Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    return F_t.erase(img, i, j, h, w, v, inplace)


def _crop_size(size):
    """(h, w) from an int, a 1-sequence or a 2-sequence."""
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return size


def five_crop(img, size):
    """The four corner crops and the central crop of `size`: (tl, tr, bl, br, center)."""
    size = _crop_size(size)
    _, h, w = get_dimensions(img)
    ch, cw = size
    if ch > h or cw > w:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(h, w)}")
    return (crop(img, 0, 0, ch, cw), crop(img, 0, w - cw, ch, cw), crop(img, h - ch, 0, ch, cw),
            crop(img, h - ch, w - cw, ch, cw), center_crop(img, [ch, cw]))


def ten_crop(img, size, vertical_flip=False):
    """five_crop of the image, then of its horizontal (or vertical) mirror."""
    size = _crop_size(size)
    return five_crop(img, size) + five_crop(vflip(img) if vertical_flip else hflip(img), size)


def _perspective_coeffs(startpoints, endpoints):
    """The 8 coefficients of the projective map taking each end point back to its start point
    (least squares in float64, returned in float32 as torchvision does)."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
                         f"{len(endpoints)} endpoints.")
    rows = []
    for (x, y), (u, v) in zip(endpoints, startpoints):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    b = np.asarray(startpoints, dtype=np.float64).reshape(8)
    return np.linalg.lstsq(np.asarray(rows, dtype=np.float64), b, rcond=None)[0].astype(np.float32).tolist()


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Warp so that the four `startpoints` (corners, [x, y]) land on `endpoints`."""
    coeffs = _perspective_coeffs(startpoints, endpoints)
    interpolation = _interpolation(interpolation)
    return _apply(img, lambda im: F_pil.perspective(im, coeffs, _PIL_FILTER[interpolation], fill),
                  lambda t: F_t.perspective(t, coeffs, interpolation.value, fill))


def elastic_transform(img, displacement, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Move each pixel by `displacement` (1, H, W, 2; grid_sample's [-1, 1] units)."""
    interpolation = _interpolation(interpolation)
    if not isinstance(displacement, ember.Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    _, h, w = get_dimensions(img)
    if list(displacement.shape) != [1, h, w, 2]:
        raise ValueError(f"Argument displacement shape should be {[1, h, w, 2]}, but given {list(displacement.shape)}")
    return _apply(img, _tensor_roundtrip(F_t.elastic_transform), F_t.elastic_transform, displacement,
                  interpolation.value, fill)


pil_modes_mapping = {mode: int(f) for mode, f in _PIL_FILTER.items()}  # InterpolationMode -> Pillow's constant
