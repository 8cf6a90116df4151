"""ember.vision.io (image) against torchvision.io's documented behaviour.

torchvision's codecs are C++ (its image extension needs the CUDA build of torch), so they cannot run
here: PNG is checked exactly against files written and read by a small zlib codec in this test (independent
of Pillow), JPEG within a tolerance; torchvision's Python surface (ImageReadMode, __all__) is compared directly,
and torch gives the expected layout of a decoded (C, H, W) view."""
import io
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

import ember
from ember.vision import io as eio

tvio = pytest.importorskip("torchvision.io")

RNG = np.random.default_rng(0)


# ------------------------------------------------------------------------------ an independent PNG codec
def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_bytes(pixels, color_type, bit_depth=8, palette=None, trns=None):
    """A PNG of `pixels` (H, W[, C]) with filter 0 on every row."""
    h, w = pixels.shape[:2]
    if bit_depth < 8:  # pack samples, most significant bits first
        per = 8 // bit_depth
        padded = np.zeros((h, -(-w // per) * per), np.uint8)
        padded[:, :w] = pixels
        packed = np.zeros((h, padded.shape[1] // per), np.uint8)
        for i in range(per):
            packed |= padded[:, i::per] << (8 - bit_depth * (i + 1))
        rows = packed
    else:
        rows = pixels.astype(">u2" if bit_depth == 16 else np.uint8).reshape(h, -1).view(np.uint8).reshape(h, -1)
    raw = b"".join(b"\x00" + r.tobytes() for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0))
    if palette is not None:
        out += _chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    if trns is not None:
        out += _chunk(b"tRNS", trns)
    return out + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


def png_pixels(data):
    """Decode an 8-bit non-interlaced gray or RGB PNG (any row filters) to (H, W, C)."""
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype = hdr[:4]
    assert depth == 8 and hdr[6] == 0
    c = {0: 1, 2: 3}[ctype]
    raw, stride = zlib.decompress(idat), w * c
    out = np.zeros((h, stride), np.int32)
    for y in range(h):
        f, line = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        prev = out[y - 1] if y else np.zeros(stride, np.int32)
        cur = np.zeros(stride, np.int32)
        for x in range(stride):
            a = cur[x - c] if x >= c else 0
            b, d = prev[x], prev[x - c] if x >= c else 0
            pred = {0: 0, 1: a, 2: b, 3: (a + b) // 2}.get(f)
            if f == 4:
                p = a + b - d
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - d)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else d)
            cur[x] = (line[x] + pred) & 255
        out[y] = cur
    return out.reshape(h, w, c).astype(np.uint8)


def as_tensor(raw):
    return ember.from_numpy(np.frombuffer(bytearray(raw), np.uint8))


def libpng_gray(rgb):
    """libpng's rgb_to_gray(0.2989, 0.587): coefficients in 1/32768ths, truncated."""
    rc, gc = 29890 * 32768 // 100000, 58700 * 32768 // 100000
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    return ((rc * r + gc * g + (32768 - rc - gc) * b) >> 15).astype(np.uint8)


def assert_chw(out, hwc):
    """`out` is torchvision's decoded layout of `hwc`: a uint8 (C, H, W) view with the same strides as torch's."""
    ref = torch.from_numpy(np.ascontiguousarray(hwc)).permute(2, 0, 1)
    assert str(out.dtype) == str(ref.dtype) and tuple(out.shape) == tuple(ref.shape), (out.dtype, out.shape)
    assert out.stride() == torch.empty(hwc.shape, dtype=torch.uint8).permute(2, 0, 1).stride()
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


# ------------------------------------------------------------------------------ the surface
def test_names_and_modes_match_torchvision():
    assert sorted(eio.__all__) == sorted(tvio.__all__)
    assert {m.name: m.value for m in eio.ImageReadMode} == {m.name: m.value for m in tvio.ImageReadMode}
    assert eio.ImageReadMode.RGBA is eio.ImageReadMode.RGB_ALPHA
    assert eio.image.decode_png is eio.decode_png


# ------------------------------------------------------------------------------ PNG, exactly
H, W = 5, 7
GRAY = RNG.integers(0, 256, (H, W, 1)).astype(np.uint8)
GA = RNG.integers(0, 256, (H, W, 2)).astype(np.uint8)
RGB = RNG.integers(0, 256, (H, W, 3)).astype(np.uint8)
RGBA = RNG.integers(0, 256, (H, W, 4)).astype(np.uint8)
PALETTE = RNG.integers(0, 256, (4, 3)).astype(np.uint8)
INDICES = RNG.integers(0, 4, (H, W)).astype(np.uint8)
BITS = RNG.integers(0, 2, (H, W)).astype(np.uint8)
OPAQUE = np.full((H, W, 1), 255, np.uint8)
M = eio.ImageReadMode

PNG_CASES = {  # name: (png bytes, expected pixels for UNCHANGED, GRAY, GRAY_ALPHA, RGB, RGB_ALPHA)
    "gray": (png_bytes(GRAY[..., 0], 0), GRAY, GRAY, np.concatenate([GRAY, OPAQUE], 2), np.repeat(GRAY, 3, 2),
             np.concatenate([np.repeat(GRAY, 3, 2), OPAQUE], 2)),
    "gray_alpha": (png_bytes(GA, 4), GA, GA[..., :1], GA, np.repeat(GA[..., :1], 3, 2),
                   np.concatenate([np.repeat(GA[..., :1], 3, 2), GA[..., 1:]], 2)),
    "rgb": (png_bytes(RGB, 2), RGB, libpng_gray(RGB)[..., None],
            np.concatenate([libpng_gray(RGB)[..., None], OPAQUE], 2), RGB, np.concatenate([RGB, OPAQUE], 2)),
    "rgba": (png_bytes(RGBA, 6), RGBA, libpng_gray(RGBA[..., :3])[..., None],
             np.concatenate([libpng_gray(RGBA[..., :3])[..., None], RGBA[..., 3:]], 2), RGBA[..., :3], RGBA),
    "palette": (png_bytes(INDICES, 3, palette=PALETTE), INDICES[..., None], libpng_gray(PALETTE[INDICES])[..., None],
                None, PALETTE[INDICES], None),
    "palette_trns": (png_bytes(INDICES, 3, palette=PALETTE, trns=bytes([0, 80, 160, 255])), INDICES[..., None],
                     libpng_gray(PALETTE[INDICES])[..., None],
                     np.stack([libpng_gray(PALETTE[INDICES]), np.array([0, 80, 160, 255], np.uint8)[INDICES]], 2),
                     PALETTE[INDICES],
                     np.concatenate([PALETTE[INDICES], np.array([0, 80, 160, 255], np.uint8)[INDICES][..., None]], 2)),
    "1bit": (png_bytes(BITS, 0, bit_depth=1), BITS[..., None] * 255, BITS[..., None] * 255, None,
             np.repeat(BITS[..., None] * 255, 3, 2), None),
}


# (None above: combinations torchvision leaves undefined, where libpng writes fewer channels than it declares)
@pytest.mark.parametrize("name,mode_index", [(n, i) for n in sorted(PNG_CASES) for i in range(5)
                                             if PNG_CASES[n][1 + i] is not None])
def test_decode_png_modes(name, mode_index):
    raw, *expected = PNG_CASES[name]
    mode = [M.UNCHANGED, M.GRAY, M.GRAY_ALPHA, M.RGB, M.RGB_ALPHA][mode_index]
    assert_chw(eio.decode_png(as_tensor(raw), mode), expected[mode_index])
    assert_chw(eio.decode_image(as_tensor(raw), mode.name.lower()), expected[mode_index])  # strings work too


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("level", [0, 6, 9])
def test_encode_png_round_trips(channels, level, tmp_path):
    chw = RNG.integers(0, 256, (channels, 6, 9)).astype(np.uint8)
    enc = eio.encode_png(ember.from_numpy(chw), compression_level=level)
    assert enc.dtype is ember.uint8 and enc.dim() == 1
    np.testing.assert_array_equal(png_pixels(enc.numpy().tobytes()), chw.transpose(1, 2, 0))
    eio.write_png(ember.from_numpy(chw), tmp_path / "x.png", level)
    np.testing.assert_array_equal(eio.read_image(str(tmp_path / "x.png")).numpy(), chw)
    # a non-contiguous (permuted) input encodes the same pixels
    view = ember.from_numpy(np.ascontiguousarray(chw.transpose(1, 2, 0))).permute(2, 0, 1)
    np.testing.assert_array_equal(png_pixels(eio.encode_png(view).numpy().tobytes()), chw.transpose(1, 2, 0))


def test_sixteen_bit_png():
    colour = as_tensor(png_bytes(RNG.integers(0, 65536, (H, W, 3)).astype(np.uint16), 2, bit_depth=16))
    with pytest.raises(NotImplementedError, match="16-bit colour PNG .* not implemented in Ember"):
        eio.decode_png(colour)  # never silently 8-bit
    deep = RNG.integers(0, 65536, (H, W)).astype(np.uint16)
    data = as_tensor(png_bytes(deep, 0, bit_depth=16))
    try:
        ember.zeros(1, dtype=ember.uint16)
        uint16_tensors = True
    except (AttributeError, NotImplementedError):  # a dtype name without tensors, or none at all
        uint16_tensors = False
    if not uint16_tensors:
        with pytest.raises(NotImplementedError, match="not implemented in Ember"):
            eio.decode_png(data)
    else:
        out = eio.decode_png(data)
        assert str(out.dtype) == str(torch.uint16)
        np.testing.assert_array_equal(out.numpy()[0].astype(np.int64), deep)


# ------------------------------------------------------------------------------ JPEG, within libjpeg's spread
def jpeg_bytes(hwc, quality=95, **kw):
    buf = io.BytesIO()
    Image.fromarray(hwc[..., 0] if hwc.shape[2] == 1 else hwc).save(buf, "JPEG", quality=quality, **kw)
    return buf.getvalue()


def close_to(out, ref):
    """A JPEG decode of `ref` at quality 95: within the spread of lossy coding (and of libjpeg builds)."""
    err = np.abs(out.numpy().astype(int) - ref.astype(int))
    assert err.max() <= 12 and err.mean() <= 2.5, (err.max(), err.mean())


SMOOTH = np.stack(list(np.meshgrid(np.linspace(0, 255, 24), np.linspace(40, 200, 16))) +
                  [np.full((16, 24), 128.0)], 2).astype(np.uint8)


@pytest.mark.parametrize("mode", ["UNCHANGED", "GRAY", "RGB"])
@pytest.mark.parametrize("channels", [1, 3])
def test_decode_jpeg(mode, channels):
    src = SMOOTH if channels == 3 else SMOOTH[..., :1]
    out = eio.decode_jpeg(as_tensor(jpeg_bytes(src)), mode=mode)
    want = {"UNCHANGED": channels, "GRAY": 1, "RGB": 3}[mode]
    assert out.dtype is ember.uint8 and tuple(out.shape) == (want, 16, 24)
    assert out.stride() == torch.empty(16, 24, want).permute(2, 0, 1).stride()
    ref = src if want == channels else (np.repeat(src, 3, 2) if want == 3 else libpng_gray(src)[..., None])
    close_to(out, ref.transpose(2, 0, 1))


def test_jpeg_batches_and_encode():
    imgs = [ember.from_numpy(np.ascontiguousarray(SMOOTH.transpose(2, 0, 1))),
            ember.from_numpy(np.ascontiguousarray(SMOOTH[..., :1].transpose(2, 0, 1)))]
    encoded = eio.encode_jpeg(imgs, quality=95)
    assert isinstance(encoded, list) and [e.dim() for e in encoded] == [1, 1]
    decoded = eio.decode_jpeg(encoded)
    assert [tuple(d.shape) for d in decoded] == [(3, 16, 24), (1, 16, 24)]
    for d, i in zip(decoded, imgs):
        close_to(d, i.numpy())
    # lower quality loses more; both are valid JPEGs of the same size
    low = eio.decode_jpeg(eio.encode_jpeg(imgs[0], quality=5))
    assert tuple(low.shape) == (3, 16, 24)
    assert eio.encode_jpeg(imgs[0], quality=5).numel() < encoded[0].numel()


EXIF_EXPECTED = {1: lambda a: a, 2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
                 5: lambda a: a.transpose(1, 0, 2), 6: lambda a: np.rot90(a, -1), 7: lambda a: np.rot90(a, 2).transpose(1, 0, 2),
                 8: lambda a: np.rot90(a, 1)}


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_apply_exif_orientation(fmt, orientation):
    src = np.zeros((4, 6, 3), np.uint8)
    src[:2, :3] = 255  # a white top-left block shows every flip and rotation
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(src).save(buf, fmt, exif=exif, **({"quality": 100} if fmt == "JPEG" else {}))
    data = as_tensor(buf.getvalue())
    plain = eio.decode_image(data)
    turned = eio.decode_image(data, apply_exif_orientation=True)
    assert tuple(plain.shape) == (3, 4, 6)
    want = EXIF_EXPECTED[orientation](src).transpose(2, 0, 1)
    assert tuple(turned.shape) == want.shape
    assert np.abs(turned.numpy().astype(int) - want).max() <= 40


# ------------------------------------------------------------------------------ GIF, WebP, AVIF, HEIC
def test_decode_gif_frames():
    frames = [Image.fromarray(np.full((5, 4, 3), v, np.uint8)) for v in (0, 128, 255)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=10, disposal=1)
    out = eio.decode_gif(as_tensor(buf.getvalue()))
    assert out.dtype is ember.uint8 and tuple(out.shape) == (3, 3, 5, 4) and out.is_contiguous()
    np.testing.assert_array_equal(out.numpy()[:, 0, 0, 0], [0, 128, 255])
    buf = io.BytesIO()
    frames[1].save(buf, "GIF")
    single = eio.decode_image(as_tensor(buf.getvalue()))
    assert tuple(single.shape) == (3, 5, 4)


@pytest.mark.parametrize("mode,alpha,want", [("UNCHANGED", False, 3), ("UNCHANGED", True, 4), ("RGB", True, 3),
                                             ("RGB_ALPHA", False, 4), ("GRAY", True, 4)])
def test_decode_webp_lossless(mode, alpha, want):
    src = RGBA if alpha else RGB
    buf = io.BytesIO()
    Image.fromarray(src).save(buf, "WEBP", lossless=True)
    out = eio.decode_image(as_tensor(buf.getvalue()), mode=mode)
    expected = np.concatenate([src[..., :3], OPAQUE], 2) if want == 4 and not alpha else src[..., :want]
    assert_chw(out, expected)


def test_avif_and_heic():
    from PIL import features
    if features.check("avif"):
        buf = io.BytesIO()
        Image.fromarray(SMOOTH).save(buf, "AVIF", quality=90)
        out = eio.decode_avif(as_tensor(buf.getvalue()))
        assert tuple(out.shape) == (3, 16, 24) and out.dtype is ember.uint8
    with pytest.raises(NotImplementedError, match="decode_heic is not implemented in Ember"):
        eio.decode_heic(as_tensor(b"\x00" * 20))


# ------------------------------------------------------------------------------ files and bad input
def test_read_write_file(tmp_path):
    data = ember.from_numpy(RNG.integers(0, 256, 50).astype(np.uint8))
    eio.write_file(str(tmp_path / "blob"), data)
    back = eio.read_file(tmp_path / "blob")
    assert back.dtype is ember.uint8 and back.dim() == 1
    np.testing.assert_array_equal(back.numpy(), data.numpy())
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(RuntimeError, match="Expected a non empty file"):
        eio.read_file(str(tmp_path / "empty"))
    with pytest.raises(RuntimeError, match=r"\[Errno 2\] No such file or directory"):
        eio.read_file(str(tmp_path / "missing.png"))
    with pytest.raises(RuntimeError, match="Input data should be a 1-dimensional tensor"):
        eio.write_file(str(tmp_path / "x"), ember.zeros(2, 2, dtype=ember.uint8))


GOOD_PNG = PNG_CASES["rgb"][0]
BAD_INPUTS = [
    ("decode_png", lambda: eio.decode_png(as_tensor(GOOD_PNG).float()), RuntimeError, "must have uint8 data type, got float"),
    ("decode_png", lambda: eio.decode_png(as_tensor(GOOD_PNG)[:0]), RuntimeError, "1-dimensional and non-empty"),
    ("decode_png", lambda: eio.decode_png(as_tensor(GOOD_PNG)[::2]), RuntimeError, "must be contiguous"),
    ("decode_png", lambda: eio.decode_png(GOOD_PNG), RuntimeError, "Expected a value of type 'Tensor'"),
    ("decode_png", lambda: eio.decode_png(as_tensor(b"not a png at all")), RuntimeError, "Content is not png"),
    ("decode_png", lambda: eio.decode_png(as_tensor(GOOD_PNG[:60])), RuntimeError, "corrupt or truncated"),
    ("decode_jpeg", lambda: eio.decode_jpeg(as_tensor(b"\x00\x01junk")), RuntimeError, "Not a JPEG file"),
    ("decode_jpeg", lambda: eio.decode_jpeg(as_tensor(jpeg_bytes(SMOOTH)[:40])), RuntimeError, "corrupt or truncated"),
    ("decode_jpeg", lambda: eio.decode_jpeg(as_tensor(jpeg_bytes(SMOOTH)), mode="RGBA"), RuntimeError,
     "mode is not supported for JPEG"),
    ("decode_jpeg", lambda: eio.decode_jpeg([]), ValueError, "at least one element"),
    ("decode_jpeg", lambda: eio.decode_jpeg([b"x"]), ValueError, "must be tensors"),
    ("decode_image", lambda: eio.decode_image(as_tensor(b"BM" + b"\x00" * 40)), RuntimeError, "Unsupported image file"),
    ("decode_image", lambda: eio.decode_image(as_tensor(GOOD_PNG).long()), RuntimeError, "Expected a torch.uint8 tensor"),
    ("decode_image", lambda: eio.decode_image(as_tensor(GOOD_PNG)[:0]), RuntimeError,
     "Expected a non empty 1-dimensional tensor"),
    ("decode_gif", lambda: eio.decode_gif(as_tensor(b"GIF89a" + b"\x00" * 4)), RuntimeError, "corrupt or truncated"),
    ("encode_png", lambda: eio.encode_png(ember.zeros(3, 4, 4, dtype=ember.uint8), 10), RuntimeError,
     "Compression level should be between 0 and 9"),
    ("encode_png", lambda: eio.encode_png(ember.zeros(3, 4, 4)), RuntimeError, "dtype should be uint8"),
    ("encode_png", lambda: eio.encode_png(ember.zeros(4, 4, dtype=ember.uint8)), RuntimeError, "3-dimensional"),
    ("encode_png", lambda: eio.encode_png(ember.zeros(4, 4, 4, dtype=ember.uint8)), RuntimeError,
     "number of channels should be 1 or 3, got: 4"),
    ("encode_jpeg", lambda: eio.encode_jpeg(ember.zeros(3, 4, 4, dtype=ember.uint8), 0), ValueError,
     "between 1 and 100"),
    ("encode_jpeg", lambda: eio.encode_jpeg([]), ValueError, "at least one input tensor"),
    ("encode_jpeg", lambda: eio.encode_jpeg(ember.zeros(2, 4, 4, dtype=ember.uint8)), RuntimeError,
     "number of channels should be 1 or 3, got: 2"),
    ("ImageReadMode", lambda: eio.decode_png(as_tensor(GOOD_PNG), "CMYK"), KeyError, "CMYK"),
]


@pytest.mark.parametrize("fn,call,exc,match", BAD_INPUTS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_INPUTS)])
def test_bad_input_errors(fn, call, exc, match):
    with pytest.raises(exc, match=match):
        call()
