"""Image operations on PIL images (torchvision.transforms._functional_pil)."""
import numpy as np
from PIL import Image, ImageEnhance, ImageOps


def get_dimensions(img):
    return [len(img.getbands()), img.height, img.width]


def hflip(img):
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def crop(img, top, left, height, width):
    # PIL fills the parts of the box outside the image with zeros
    return img.crop((left, top, left + width, top + height))


def resize(img, size, resample):
    height, width = size
    return img.resize((width, height), resample)


def _fill_color(fill, img):
    """`fill` as the colour value of img's mode: one number per band (a tuple for several bands)."""
    bands = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * bands
        if len(fill) != bands:
            raise ValueError(f"The number of elements in 'fill' does not match the number of bands of the image "
                             f"({len(fill)} != {bands})")
        fill = tuple(fill)
    return int(fill) if img.mode != "F" and isinstance(fill, float) else fill


def pad(img, padding, fill, padding_mode):
    """padding is (left, top, right, bottom); negative amounts crop."""
    left, top, right, bottom = padding
    if min(padding) < 0:
        cl, ct, cr, cb = (max(-p, 0) for p in padding)
        img = img.crop((cl, ct, img.width - cr, img.height - cb))
        left, top, right, bottom = (max(p, 0) for p in padding)
    palette = img.getpalette() if img.mode == "P" else None
    if padding_mode == "constant":
        out = ImageOps.expand(img, border=(left, top, right, bottom), fill=_fill_color(fill, img))
    else:
        arr = np.asarray(img)
        widths = ((top, bottom), (left, right)) + ((0, 0),) * (arr.ndim - 2)
        out = Image.fromarray(np.pad(arr, widths, mode=padding_mode), mode=img.mode if arr.ndim == 3 else None)
    if palette is not None:
        out.putpalette(palette)
    return out


def to_grayscale(img, num_output_channels):
    gray = img.convert("L")
    if num_output_channels == 1:
        return gray
    return Image.fromarray(np.dstack([np.asarray(gray)] * 3), mode="RGB")


def adjust_brightness(img, factor):
    return ImageEnhance.Brightness(img).enhance(factor)


def adjust_contrast(img, factor):
    return ImageEnhance.Contrast(img).enhance(factor)


def adjust_saturation(img, factor):
    return ImageEnhance.Color(img).enhance(factor)


def adjust_hue(img, hue_factor):
    if img.mode in ("L", "1", "I", "F"):
        return img
    h, s, v = img.convert("HSV").split()
    # the hue channel is a byte: the shift (truncated to whole steps) wraps around the colour circle
    shifted = np.asarray(h, dtype=np.uint8) + np.uint8(int(hue_factor * 255) % 256)
    return Image.merge("HSV", (Image.fromarray(shifted, mode="L"), s, v)).convert(img.mode)


def affine(img, matrix, resample, fill):
    return img.transform(img.size, Image.Transform.AFFINE, matrix, resample, fillcolor=_fill_color(fill, img))


def rotate(img, angle, resample, expand, center, fill):
    return img.rotate(angle, resample, expand=expand, center=center, fillcolor=_fill_color(fill, img))


def adjust_sharpness(img, factor):
    return ImageEnhance.Sharpness(img).enhance(factor)


def adjust_gamma(img, gamma, gain=1.0):
    mode = img.mode
    # a lookup table on the byte levels, as torchvision builds it (truncated, just under 256 at the top)
    table = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.convert("RGB").point(table).convert(mode)


def autocontrast(img):
    return ImageOps.autocontrast(img)


def equalize(img):
    return ImageOps.equalize(img)


def invert(img):
    return ImageOps.invert(img)


def posterize(img, bits):
    return ImageOps.posterize(img, bits)


def solarize(img, threshold):
    return ImageOps.solarize(img, threshold)


def perspective(img, coeffs, resample, fill):
    return img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, resample, fillcolor=_fill_color(fill, img))
