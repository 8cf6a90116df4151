"""Reading, decoding, encoding and writing images as uint8 tensors (torchvision.io.image), on Pillow.

A decoded image is a (C, H, W) uint8 tensor viewing (H, W, C) pixels, as torchvision returns it.
Pillow does the codec work; the channel conversions of each ImageReadMode are done here in NumPy,
following the libpng/libjpeg transformations torchvision asks for (e.g. libpng's truncating
RGB-to-gray weights), so results do not depend on Pillow's own conversions."""
import io
import os
from enum import Enum

import numpy as np
from PIL import Image, features

import ember

__all__ = ["ImageReadMode", "decode_image", "decode_jpeg", "decode_png", "decode_avif", "decode_heic", "decode_webp",
           "decode_gif", "encode_jpeg", "encode_png", "read_file", "read_image", "write_file", "write_jpeg",
           "write_png"]


class ImageReadMode(Enum):
    """torchvision.io.ImageReadMode: the channels a decoder returns (strings such as "RGB" work too)."""
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


def _mode(mode):
    return ImageReadMode[mode.upper()] if isinstance(mode, str) else mode


def _tensor_arg(fn, name, value):
    # torch.ops raise RuntimeError (not TypeError) for an argument that is no tensor
    if not isinstance(value, ember.Tensor):
        raise RuntimeError(f"{fn}() Expected a value of type 'Tensor' for argument '{name}' but instead found type "
                           f"'{type(value).__name__}'.")
    return value


def _encoded_bytes(fn, data):
    """The bytes of a 1-D contiguous uint8 tensor holding an encoded image; torchvision's checks and messages."""
    _tensor_arg(fn, "data", data)
    if not data.is_contiguous():
        raise RuntimeError("Input tensor must be contiguous.")
    if data.dtype is not ember.uint8:
        raise RuntimeError(f"Input tensor must have uint8 data type, got {str(data.dtype).replace('torch.', '')}")
    if data.dim() != 1 or data.numel() == 0:
        raise RuntimeError(f"Input tensor must be 1-dimensional and non-empty, got {data.dim()} dims  and "
                           f"{data.numel()} numels.")
    return data.numpy().tobytes()


def _open(raw, what):
    """A fully decoded Pillow image; any codec failure is a RuntimeError as torchvision's decoders raise."""
    try:
        img = Image.open(io.BytesIO(raw))
        img.load()
        return img
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError, ... for corrupt data
        raise RuntimeError(f"{what}: the data is corrupt or truncated ({type(e).__name__}: {e})") from None


def _chw(hwc):
    """(H, W, C) pixels as torchvision's (C, H, W) view of them."""
    return ember.from_numpy(np.array(hwc, order="C")).permute(2, 0, 1)  # a copy: canonical strides, writable


def _as_hwc(arr):
    return arr[:, :, None] if arr.ndim == 2 else arr


# libpng's png_set_rgb_to_gray(0.2989, 0.587) in 1/32768ths; the 8-bit path truncates
_GRAY_RC, _GRAY_GC = 29890 * 32768 // 100000, 58700 * 32768 // 100000
_GRAY_BC = 32768 - _GRAY_RC - _GRAY_GC


def _rgb_to_gray(rgb):
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    return ((_GRAY_RC * r + _GRAY_GC * g + _GRAY_BC * b) >> 15).astype(rgb.dtype)


def _convert(hwc, mode, maxval=255):
    """Gray/gray+alpha/RGB/RGBA pixels (H, W, 1|2|3|4) in the channel layout `mode` asks for."""
    c = hwc.shape[2]
    if mode is ImageReadMode.UNCHANGED or c == {ImageReadMode.GRAY: 1, ImageReadMode.GRAY_ALPHA: 2,
                                                ImageReadMode.RGB: 3, ImageReadMode.RGB_ALPHA: 4}[mode]:
        return hwc
    color, alpha = hwc[..., :c - (c % 2 == 0)] if c in (2, 4) else hwc, hwc[..., c - 1:] if c in (2, 4) else None
    if mode in (ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA):
        color = _rgb_to_gray(color)[..., None] if color.shape[2] == 3 else color
    elif color.shape[2] == 1:
        color = np.repeat(color, 3, axis=2)
    if mode in (ImageReadMode.GRAY, ImageReadMode.RGB):
        return color
    if alpha is None:
        alpha = np.full(color.shape[:2] + (1,), maxval, color.dtype)
    return np.concatenate([color, alpha], axis=2)


def _exif_orientation(img):
    try:
        return int(img.getexif().get(0x0112, 1))
    except Exception:  # an unreadable EXIF block leaves the image as stored
        return 1


def _orient(hwc, orientation):
    """Apply an EXIF orientation tag (1..8) to (H, W, C) pixels."""
    if orientation in (5, 6, 7, 8):
        hwc = hwc.transpose(1, 0, 2)  # now the transposed image (orientation 5)
        return {5: hwc, 6: hwc[:, ::-1], 7: hwc[::-1, ::-1], 8: hwc[::-1]}[orientation]
    return {2: hwc[:, ::-1], 3: hwc[::-1, ::-1], 4: hwc[::-1]}.get(orientation, hwc)


def _uint16():
    dt = getattr(ember, "uint16", None)
    if dt is None:
        raise NotImplementedError("decoding a 16-bit PNG (a torch.uint16 tensor) is not implemented in Ember: Ember "
                                  "has no uint16 dtype")
    return dt


# ---------------------------------------------------------------------------------------------------- files
def read_file(path):
    """torchvision.io.read_file: the bytes of a file as a 1-D uint8 tensor."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise RuntimeError(f"[Errno {e.errno}] {e.strerror}: '{path}'") from None
    if not raw:
        raise RuntimeError("Expected a non empty file")
    return ember.from_numpy(np.frombuffer(bytearray(raw), np.uint8))


def write_file(filename, data):
    """torchvision.io.write_file: write the bytes of a 1-D uint8 tensor to a file."""
    _tensor_arg("write_file", "data", data)
    if data.dtype is not ember.uint8:
        raise RuntimeError("Input tensor dtype should be uint8")
    if data.dim() != 1:
        raise RuntimeError("Input data should be a 1-dimensional tensor")
    try:
        with open(os.fspath(filename), "wb") as f:
            f.write(data.numpy().tobytes())
    except OSError:
        raise RuntimeError("Error opening output file") from None


# ---------------------------------------------------------------------------------------------------- PNG
def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """torchvision.io.decode_png: a PNG's pixels as (C, H, W) uint8 (uint16 for 16-bit PNGs).

    UNCHANGED keeps the stored channels (palette images give their indices, as libpng does)."""
    mode = _mode(mode)
    raw = _encoded_bytes("decode_png", input)
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise RuntimeError("Content is not png!")
    img = _open(raw, "decode_png")
    deep = img.mode.startswith("I")  # 16-bit gray
    if len(raw) > 24 and raw[24] == 16 and not deep:  # IHDR's bit depth: Pillow keeps 8 of 16-bit colour's bits
        raise NotImplementedError("decoding a 16-bit colour PNG (a torch.uint16 tensor) is not implemented in Ember")
    if img.mode == "P":
        if mode is ImageReadMode.UNCHANGED:
            hwc = _as_hwc(np.asarray(img))
        else:  # libpng expands a palette to RGB, and tRNS to alpha
            hwc = np.asarray(img.convert("RGBA" if "transparency" in img.info else "RGB"))
    elif img.mode == "1":
        hwc = _as_hwc(np.asarray(img, np.uint8) * np.uint8(255))
    elif deep:
        hwc = _as_hwc(np.asarray(img).astype(np.uint16))
    elif img.mode in ("L", "LA", "RGB", "RGBA"):
        hwc = _as_hwc(np.asarray(img))
    else:
        raise RuntimeError(f"decode_png: PNG images of Pillow mode {img.mode} are not supported")
    out = _convert(hwc, mode, 65535 if deep else 255)
    if apply_exif_orientation:
        out = _orient(out, _exif_orientation(img))
    if deep:  # NumPy's uint16 goes through int32, the widest type Ember's from_numpy takes for it
        return ember.from_numpy(np.array(out, np.int32, order="C")).to(_uint16()).permute(2, 0, 1)
    return _chw(out)


def _image_hwc(fn, input):
    """The (H, W, C) uint8 pixels of an image tensor to encode, with torchvision's checks."""
    _tensor_arg(fn, "data", input)
    if input.dtype is not ember.uint8:
        raise RuntimeError("Input tensor dtype should be uint8")
    if input.dim() != 3:
        raise RuntimeError("Input data should be a 3-dimensional tensor")
    if input.shape[0] not in (1, 3):
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {input.shape[0]}")
    return np.ascontiguousarray(input.numpy().transpose(1, 2, 0))


def _encode(fn, input, fmt, **options):
    """A (1 or 3, H, W) uint8 tensor encoded by Pillow as `fmt`, as a 1-D uint8 tensor of the file's bytes."""
    hwc = _image_hwc(fn, input)
    buf = io.BytesIO()
    Image.fromarray(hwc[:, :, 0] if hwc.shape[2] == 1 else hwc).save(buf, format=fmt, **options)
    return ember.from_numpy(np.frombuffer(bytearray(buf.getvalue()), np.uint8))


def encode_png(input, compression_level=6):
    """torchvision.io.encode_png: a (1 or 3, H, W) uint8 tensor as the bytes of a PNG file (1-D uint8)."""
    if not 0 <= compression_level <= 9:
        raise RuntimeError("Compression level should be between 0 and 9")
    return _encode("encode_png", input, "PNG", compress_level=int(compression_level))


def write_png(input, filename, compression_level=6):
    """torchvision.io.write_png: encode_png, then write the bytes to `filename`."""
    write_file(filename, encode_png(input, compression_level))


# ---------------------------------------------------------------------------------------------------- JPEG
def _decode_jpeg_one(data, mode, apply_exif_orientation):
    raw = _encoded_bytes("decode_jpeg", data)
    if mode not in (ImageReadMode.UNCHANGED, ImageReadMode.GRAY, ImageReadMode.RGB):
        raise RuntimeError("The provided mode is not supported for JPEG files")
    if not raw.startswith(b"\xff\xd8"):
        raise RuntimeError(f"Not a JPEG file: starts with 0x{raw[0]:02x} 0x{raw[1] if len(raw) > 1 else 0:02x}")
    try:
        img = Image.open(io.BytesIO(raw))
        if mode is ImageReadMode.GRAY and img.mode != "CMYK":
            img.draft("L", img.size)  # libjpeg's own YCbCr -> gray (the Y plane), as torchvision asks for
        img.load()
    except Exception as e:
        raise RuntimeError(f"decode_jpeg: the data is corrupt or truncated ({type(e).__name__}: {e})") from None
    if img.mode == "CMYK" and mode is not ImageReadMode.UNCHANGED:
        img = img.convert("RGB")
    hwc = _as_hwc(np.asarray(img))
    out = _convert(hwc, mode)
    if apply_exif_orientation:
        out = _orient(out, _exif_orientation(img))
    return _chw(out)


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu", apply_exif_orientation=False):
    """torchvision.io.decode_jpeg: a JPEG (or a list of them) as (C, H, W) uint8 tensor(s) on the CPU."""
    mode = _mode(mode)
    if ember.device(device).type != "cpu":
        raise NotImplementedError(f"decode_jpeg on device '{device}' (nvjpeg) is not implemented in Ember")
    if isinstance(input, list):
        if len(input) == 0:
            raise ValueError("Input list must contain at least one element")
        if not all(isinstance(t, ember.Tensor) for t in input):
            raise ValueError("All elements of the input list must be tensors.")
        return [_decode_jpeg_one(t, mode, apply_exif_orientation) for t in input]
    return _decode_jpeg_one(input, mode, apply_exif_orientation)


def encode_jpeg(input, quality=75):
    """torchvision.io.encode_jpeg: (1 or 3, H, W) uint8 tensor(s) as the bytes of JPEG file(s) (1-D uint8)."""
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, list):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is passed")
        return [encode_jpeg(t, quality) for t in input]
    return _encode("encode_jpeg", input, "JPEG", quality=int(quality))


def write_jpeg(input, filename, quality=75):
    """torchvision.io.write_jpeg: encode_jpeg, then write the bytes to `filename`."""
    write_file(filename, encode_jpeg(input, quality))


# ---------------------------------------------------------------------------------------------------- GIF, WebP, AVIF, HEIC
def decode_gif(input):
    """torchvision.io.decode_gif: a GIF's frames as RGB uint8, (C, H, W) for one frame, (N, C, H, W) for more."""
    raw = _encoded_bytes("decode_gif", input)
    img = _open(raw, "decode_gif")
    frames = []
    for i in range(getattr(img, "n_frames", 1)):
        img.seek(i)
        frames.append(np.asarray(img.convert("RGB")))
    out = np.ascontiguousarray(np.stack(frames).transpose(0, 3, 1, 2))
    return ember.from_numpy(out[0] if len(frames) == 1 else out)


def _rgb_or_rgba(img, mode):
    """RGB, or RGBA when asked for or when the image has alpha and no mode is forced (gray modes act as UNCHANGED)."""
    has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    rgb = mode is ImageReadMode.RGB or (mode is not ImageReadMode.RGB_ALPHA and not has_alpha)
    return _chw(np.asarray(img.convert("RGB" if rgb else "RGBA")))


def decode_webp(input, mode=ImageReadMode.UNCHANGED):
    """torchvision.io.decode_webp: a still WebP image as RGB or RGBA (C, H, W) uint8."""
    mode = _mode(mode)
    raw = _encoded_bytes("decode_webp", input)
    img = _open(raw, "decode_webp")
    if getattr(img, "n_frames", 1) > 1:
        raise RuntimeError("Animated WebP files are not supported.")
    return _rgb_or_rgba(img, mode)


def decode_avif(input, mode=ImageReadMode.UNCHANGED):
    """torchvision.io.decode_avif: an AVIF image as RGB or RGBA (C, H, W) uint8 (when Pillow reads AVIF)."""
    if not features.check("avif"):
        raise NotImplementedError("decode_avif is not implemented in Ember with this Pillow (built without AVIF)")
    if isinstance(input, ember.Tensor) and input.dtype is not ember.uint8:
        raise RuntimeError(f"Input tensor must have uint8 data type, got {str(input.dtype).replace('torch.', '')}")
    raw = _encoded_bytes("decode_avif", input)
    return _rgb_or_rgba(_open(raw, "decode_avif"), _mode(mode))


def decode_heic(input, mode=ImageReadMode.UNCHANGED):
    """torchvision.io.decode_heic: not available (Pillow has no HEIC decoder)."""
    raise NotImplementedError("decode_heic is not implemented in Ember: Pillow has no HEIC decoder")


# ---------------------------------------------------------------------------------------------------- any format
_PNG, _JPEG = b"\x89PNG", b"\xff\xd8\xff"


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """torchvision.io.decode_image: a JPEG, PNG, GIF or WebP image (bytes tensor or path) as (C, H, W) uint8."""
    if not isinstance(input, ember.Tensor):
        input = read_file(os.fspath(input))
    mode = _mode(mode)
    _tensor_arg("decode_image", "data", input)
    if input.dtype is not ember.uint8:  # decode_image words its checks apart from the decoders'
        raise RuntimeError("Expected a torch.uint8 tensor")
    if input.dim() != 1 or input.numel() == 0:
        raise RuntimeError("Expected a non empty 1-dimensional tensor")
    raw = _encoded_bytes("decode_image", input)
    if raw.startswith(_JPEG):
        return _decode_jpeg_one(input, mode, apply_exif_orientation)
    if raw.startswith(_PNG):
        return decode_png(input, mode, apply_exif_orientation)
    if raw[:6] in (b"GIF87a", b"GIF89a"):
        return decode_gif(input)
    if raw[:4] == b"RIFF" and raw[8:15] == b"WEBPVP8":
        return decode_webp(input, mode)
    raise RuntimeError("Unsupported image file. Only jpeg, png, webp and gif are currently supported. For avif and "
                       "heic format, please rely on `decode_avif` and `decode_heic` directly.")


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """torchvision.io.read_image: read_file, then decode_image."""
    return decode_image(read_file(path), mode, apply_exif_orientation=apply_exif_orientation)
