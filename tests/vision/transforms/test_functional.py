"""ember.vision.transforms.functional on PIL images, tensors and arrays, checked against
torchvision's documented semantics computed with torch, Pillow and NumPy."""
import colorsys

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from PIL import Image, ImageEnhance

import ember
from ember.vision.transforms import functional as F
from ember.vision.transforms import InterpolationMode
from tests.vision.conftest import rgb_array, pil_rgb, both, assert_close


# ---------------------------------------------------------------------- conversions
PIL_IMAGES = {
    "RGB": lambda: pil_rgb(),
    "L": lambda: pil_rgb().convert("L"),
    "RGBA": lambda: pil_rgb().convert("RGBA"),
    "LA": lambda: pil_rgb().convert("LA"),
    "P": lambda: pil_rgb().convert("P"),
    "1": lambda: pil_rgb().convert("1"),
    "I": lambda: Image.fromarray(rgb_array(5, 6)[..., 0].astype(np.int32) * 300),
    "F": lambda: Image.fromarray(rgb_array(5, 6)[..., 0].astype(np.float32) / 7),
}


def torch_to_tensor(pic):
    """torchvision's to_tensor written with torch: HWC -> CHW, uint8 scaled into [0, 1] float32."""
    arr = np.array(pic)
    if pic.mode == "1":
        arr = arr.astype(np.uint8) * 255
    t = torch.from_numpy(arr.reshape(pic.height, pic.width, -1)).permute(2, 0, 1).contiguous()
    return t.float().div(255) if t.dtype == torch.uint8 else t


@pytest.mark.parametrize("mode", PIL_IMAGES)
def test_to_tensor_pil(mode):
    pic = PIL_IMAGES[mode]()
    assert_close(F.to_tensor(pic), torch_to_tensor(pic))


@pytest.mark.parametrize("arr", [rgb_array(), rgb_array()[..., 0], rgb_array(4, 5).astype(np.float32) / 3,
                                 rgb_array(4, 5).astype(np.float64), rgb_array(3, 3).astype(np.int16)],
                         ids=["uint8_hwc", "uint8_hw", "float32", "float64", "int16"])
def test_to_tensor_array(arr):
    t = torch.from_numpy(np.ascontiguousarray((arr[..., None] if arr.ndim == 2 else arr).transpose(2, 0, 1)))
    assert_close(F.to_tensor(arr), t.float().div(255) if t.dtype == torch.uint8 else t)


def test_to_tensor_uses_default_dtype():
    ember.set_default_dtype(ember.float64)
    try:
        assert F.to_tensor(rgb_array()).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize("bad,error", [(ember.zeros(3, 4, 4), TypeError), (np.zeros((2, 2, 2, 2)), ValueError),
                                       ([1, 2], TypeError)])
def test_to_tensor_errors(bad, error):
    with pytest.raises(error):
        F.to_tensor(bad)


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "P", "I", "F"])
def test_pil_to_tensor(mode):
    pic = PIL_IMAGES[mode]()
    want = torch.from_numpy(np.array(pic).reshape(pic.height, pic.width, -1)).permute(2, 0, 1).contiguous()
    assert_close(F.pil_to_tensor(pic), want)
    with pytest.raises(TypeError, match="pic should be PIL Image"):
        F.pil_to_tensor(np.zeros((2, 2)))


@pytest.mark.parametrize("shape,dtype,mode", [((3, 5, 4), "float32", "RGB"), ((1, 5, 4), "float32", "L"),
                                              ((5, 4), "float32", "L"), ((4, 5, 4), "uint8", "RGBA"),
                                              ((2, 5, 4), "uint8", "LA"), ((3, 5, 4), "uint8", "RGB"),
                                              ((1, 5, 4), "int32", "I"), ((3, 5, 4), "float64", "RGB")])
def test_to_pil_image_from_tensor(shape, dtype, mode):
    arr = np.random.default_rng(1).random(shape)
    arr = arr.astype(dtype) if dtype.startswith("float") else (arr * 250).astype(dtype)
    img = F.to_pil_image(ember.from_numpy(arr))
    assert img.mode == mode and img.size == (shape[-1], shape[-2])
    # documented: floats are scaled by 255 and cast to bytes (truncating, as torch's .byte())
    t = torch.from_numpy(arr)
    want = t.mul(255).byte() if t.is_floating_point() else t
    want = want.permute(1, 2, 0) if want.dim() == 3 else want
    np.testing.assert_array_equal(np.array(img), want.squeeze(-1).numpy() if want.dim() == 3 and want.shape[-1] == 1
                                  else want.numpy())


def test_to_pil_image_from_array_and_float_mode():
    arr = rgb_array()
    assert np.array_equal(np.array(F.to_pil_image(arr)), arr)
    f = np.random.default_rng(0).random((1, 3, 3)).astype(np.float32)
    img = F.to_pil_image(ember.from_numpy(f), mode="F")
    assert img.mode == "F" and np.array_equal(np.array(img), f[0])


@pytest.mark.parametrize("bad,mode,error,match", [
    (ember.zeros(5, 3, 3), None, ValueError, "pic should not have > 4 channels. Got 5 channels."),
    (ember.zeros(1, 1, 3, 3), None, ValueError, "pic should be 2/3 dimensional. Got 4 dimensions."),
    (ember.zeros(1, 3, 3), "RGB", ValueError, r"Incorrect mode \(RGB\) supplied"),
    (ember.zeros(3, 3, 3), "LA", ValueError, r"Only modes \['RGB', 'YCbCr', 'HSV'\] are supported for 3D inputs"),
    ([1], None, TypeError, "pic should be Tensor or ndarray"),
    (ember.zeros(3, 3, 3, dtype=ember.int64), None, TypeError, "Input type int64 is not supported")])
def test_to_pil_image_errors(bad, mode, error, match):
    with pytest.raises(error, match=match):
        F.to_pil_image(bad, mode)


CONVERSIONS = [("uint8", "float32"), ("uint8", "float64"), ("float32", "uint8"), ("float64", "uint8"),
               ("uint8", "int32"), ("int32", "uint8"), ("int16", "int32"), ("float32", "int16"),
               ("float32", "float64"), ("uint8", "uint8")]


def torch_convert(t, dtype):
    """torchvision's convert_image_dtype, written out with torch."""
    imax = {torch.uint8: 255, torch.int16: 32767, torch.int32: 2 ** 31 - 1, torch.int64: 2 ** 63 - 1}
    if t.dtype == dtype:
        return t
    if t.is_floating_point():
        return t.to(dtype) if dtype.is_floating_point else t.mul(imax[dtype] + 1.0 - 1e-3).to(dtype)
    if dtype.is_floating_point:
        return t.to(dtype) / float(imax[t.dtype])
    if imax[t.dtype] > imax[dtype]:
        return torch.div(t, (imax[t.dtype] + 1) // (imax[dtype] + 1), rounding_mode="floor").to(dtype)
    return t.to(dtype) * ((imax[dtype] + 1) // (imax[t.dtype] + 1))


@pytest.mark.parametrize("src,dst", CONVERSIONS)
def test_convert_image_dtype(src, dst):
    rng = np.random.default_rng(2)
    arr = rng.random((2, 3, 4)).astype(src) if src.startswith("float") else \
        rng.integers(0, np.iinfo(src).max, (2, 3, 4)).astype(src)
    e, t = both(arr)
    assert_close(F.convert_image_dtype(e, getattr(ember, dst)), torch_convert(t, getattr(torch, dst)), rtol=1e-6)


def test_convert_image_dtype_unsafe_cast():
    with pytest.raises(RuntimeError, match="The cast from torch.float32 to torch.int64 cannot be performed safely."):
        F.convert_image_dtype(ember.zeros(1, 2, 2), ember.int64)


# ---------------------------------------------------------------------- normalize
@pytest.mark.parametrize("shape,mean,std", [((3, 4, 5), (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)),
                                            ((1, 4, 5), (0.1302,), (0.3069,)), ((2, 3, 4, 4), [0.5] * 3, [2.0] * 3),
                                            ((3, 2, 2), 0.5, 0.25)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normalize(shape, mean, std, dtype):
    e, t = both(np.random.default_rng(3).random(shape).astype(dtype))
    m = torch.as_tensor(mean, dtype=t.dtype)
    s = torch.as_tensor(std, dtype=t.dtype)
    want = (t - (m.view(-1, 1, 1) if m.dim() else m)) / (s.view(-1, 1, 1) if s.dim() else s)
    out = F.normalize(e, mean, std)
    assert_close(out, want)
    assert out is not e and e.tolist() == t.tolist()  # the input is untouched
    same = F.normalize(e, mean, std, inplace=True)
    assert same is e
    assert_close(e, want)


@pytest.mark.parametrize("bad,error,match", [
    (ember.zeros(3, 2, 2, dtype=ember.uint8), TypeError, "Input tensor should be a float tensor. Got torch.uint8."),
    (ember.zeros(2, 2), ValueError, r"Expected tensor to be a tensor image of size \(..., C, H, W\). Got "
                                    r"tensor.size\(\) = torch.Size\(\[2, 2\]\)"),
    (np.zeros((3, 2, 2)), TypeError, "img should be Tensor Image")])
def test_normalize_errors(bad, error, match):
    with pytest.raises(error, match=match):
        F.normalize(bad, (0.5,), (0.5,))
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to torch.float32"):
        F.normalize(ember.zeros(1, 2, 2), (0.5,), (0.0,))


# ---------------------------------------------------------------------- resize
@pytest.mark.parametrize("size,hw,want", [(8, (13, 17), (8, 10)), (8, (17, 13), (10, 8)), ((5, 9), (13, 17), (5, 9)),
                                          ([6], (13, 17), (6, 7)), (13, (13, 17), (13, 17)), (30, (10, 10), (30, 30))])
def test_resize_output_size(size, hw, want):
    img = pil_rgb(*hw)
    assert F.resize(img, size).size[::-1] == want
    assert tuple(F.resize(F.to_tensor(img), size).shape[-2:]) == want
    assert F.resize(rgb_array(*hw), size).shape == want + (3,)


def test_resize_max_size():
    assert F.resize(pil_rgb(10, 40), 8, max_size=20).size == (20, 5)
    with pytest.raises(ValueError, match="max_size = 8 must be strictly greater than the requested size"):
        F.resize(pil_rgb(), 8, max_size=8)
    with pytest.raises(ValueError, match="max_size should only be passed if size specifies the length"):
        F.resize(pil_rgb(), (8, 8), max_size=20)
    with pytest.raises(ValueError, match="Size must be an int or a 1 or 2 element tuple/list, not a 3 element"):
        F.resize(pil_rgb(), (8, 8, 8))
    with pytest.raises(TypeError, match="Argument interpolation should be a InterpolationMode"):
        F.resize(pil_rgb(), 8, interpolation="bilinear")
    with pytest.warns(UserWarning, match="Anti-alias option is always applied for PIL Image input"):
        F.resize(pil_rgb(), 8, antialias=False)


@pytest.mark.parametrize("mode", ["NEAREST", "BILINEAR", "BICUBIC", "BOX", "LANCZOS"])
def test_resize_pil_is_pillow(mode):
    img = pil_rgb(20, 30)
    out = F.resize(img, (11, 7), interpolation=InterpolationMode[mode])
    assert np.array_equal(np.array(out), np.array(img.resize((7, 11), getattr(Image.Resampling, mode))))
    assert np.array_equal(np.array(F.resize(img, (11, 7), interpolation=int(getattr(Image.Resampling, mode)))),
                          np.array(out))


@pytest.mark.parametrize("hw,out", [((20, 30), (7, 11)), ((9, 9), (20, 13)), ((16, 16), (8, 8)), ((5, 40), (5, 9))])
@pytest.mark.parametrize("mode,antialias", [("bilinear", True), ("bilinear", False), ("bicubic", True),
                                            ("bicubic", False)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_resize_tensor_matches_torch_interpolate(hw, out, mode, antialias, dtype):
    e, t = both(np.random.default_rng(4).random((2, 3) + hw).astype(dtype))
    got = F.resize(e, out, InterpolationMode(mode), antialias=antialias)
    want = TF.interpolate(t, size=out, mode=mode, align_corners=False, antialias=antialias)
    assert_close(got, want, atol=1e-5 if dtype == "float32" else 1e-12)
    assert_close(F.resize(e[0], out, InterpolationMode(mode), antialias=antialias), want[0],
                 atol=1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_resize_tensor_nearest(mode):
    e, t = both(rgb_array(13, 17).transpose(2, 0, 1))
    for out in ((5, 6), (30, 41)):
        assert_close(F.resize(e, out, InterpolationMode(mode)), TF.interpolate(t[None], size=out, mode=mode)[0])


def test_resize_uint8_tensor_and_pil_agree():
    arr = rgb_array(40, 60)
    e, t = both(arr.transpose(2, 0, 1))
    got = F.resize(e, (17, 23))
    want = TF.interpolate(t[None].float(), size=(17, 23), mode="bilinear", antialias=True)[0].round().byte()
    assert_close(got, want, atol=1)  # computed in float and rounded back to uint8
    # torchvision documents that tensor and PIL resizing are close; here within 1 grey level
    pil = np.array(F.resize(Image.fromarray(arr), (17, 23))).transpose(2, 0, 1).astype(int)
    assert np.abs(got.numpy().astype(int) - pil).max() <= 1


# ---------------------------------------------------------------------- crops, pads, flips
@pytest.mark.parametrize("size", [(5, 7), (6, 6), 4, (12, 16), (1, 1), [3]])
@pytest.mark.parametrize("hw", [(13, 17), (12, 16)])
def test_center_crop(size, hw):
    arr = rgb_array(*hw)
    ch, cw = (size, size) if isinstance(size, int) else (size[0], size[-1])
    top, left = int(round((hw[0] - ch) / 2.0)), int(round((hw[1] - cw) / 2.0))  # Python's round, as documented
    want = torch.from_numpy(arr.transpose(2, 0, 1).copy())[:, top:top + ch, left:left + cw]
    e = ember.from_numpy(arr.transpose(2, 0, 1).copy())
    assert_close(F.center_crop(e, size), want)
    assert np.array_equal(np.array(F.center_crop(Image.fromarray(arr), size)), want.permute(1, 2, 0).numpy())
    assert np.array_equal(F.center_crop(arr, size), want.permute(1, 2, 0).numpy())


@pytest.mark.parametrize("size", [(20, 21), (13, 25), (30, 5)])
def test_center_crop_larger_than_image_pads_with_zeros(size):
    arr = rgb_array(13, 17)
    e = F.center_crop(ember.from_numpy(arr.transpose(2, 0, 1).copy()), size)
    p = np.array(F.center_crop(Image.fromarray(arr), size))
    assert tuple(e.shape) == (3,) + size and p.shape == size + (3,)
    # the documented padding: (crop - size) // 2 before, the rest after, then a central crop
    ph, pw = max(size[0] - 13, 0), max(size[1] - 17, 0)
    padded = np.pad(arr, ((ph // 2, (ph + 1) // 2), (pw // 2, (pw + 1) // 2), (0, 0)))
    H, W = padded.shape[:2]
    top, left = int(round((H - size[0]) / 2.0)), int(round((W - size[1]) / 2.0))
    want = padded[top:top + size[0], left:left + size[1]]
    assert np.array_equal(e.numpy().transpose(1, 2, 0), want) and np.array_equal(p, want)


@pytest.mark.parametrize("box", [(2, 3, 5, 6), (-2, -3, 6, 8), (10, 14, 6, 6), (-20, 0, 4, 4), (0, 0, 13, 17),
                                 (30, -9, 3, 5), (-3, -4, 20, 30)])
def test_crop_outside_is_zeros_like_pil(box):
    img = pil_rgb()
    e = F.crop(F.pil_to_tensor(img), *box)
    want = np.array(F.crop(img, *box))  # PIL fills outside with zeros
    assert np.array_equal(e.numpy().transpose(1, 2, 0), want)
    assert np.array_equal(F.crop(np.array(img), *box), want)


PADS = [1, (2, 3), (1, 2, 3, 4), [2], (0, 0, 5, 0), (-1, 2, 0, -2)]


@pytest.mark.parametrize("padding", PADS)
@pytest.mark.parametrize("mode,torch_mode", [("constant", "constant"), ("edge", "replicate"),
                                             ("reflect", "reflect"), ("symmetric", None)])
def test_pad_matches_torch_and_pillow(padding, mode, torch_mode):
    arr = rgb_array(6, 7)
    e, t = both(arr.transpose(2, 0, 1).astype(np.float32))
    p = padding if isinstance(padding, int) else list(padding)
    l, tp, r, b = (p,) * 4 if isinstance(p, int) else (p * 4 if len(p) == 1 else (p * 2 if len(p) == 2 else p))
    if torch_mode is not None:
        want = TF.pad(t[None], (l, r, tp, b), mode=torch_mode, **({"value": 7.0} if mode == "constant" else {}))[0]
    else:
        cropped = arr[max(-tp, 0):6 - max(-b, 0), max(-l, 0):7 - max(-r, 0)]
        want = torch.from_numpy(np.pad(cropped, ((max(tp, 0), max(b, 0)), (max(l, 0), max(r, 0)), (0, 0)),
                                       mode="symmetric").transpose(2, 0, 1).astype(np.float32).copy())
    assert_close(F.pad(e, padding, fill=7, padding_mode=mode), want)
    pil = np.array(F.pad(Image.fromarray(arr), padding, fill=7, padding_mode=mode))
    np.testing.assert_array_equal(pil, want.permute(1, 2, 0).numpy().astype(np.uint8))


def test_pad_errors():
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        F.pad(pil_rgb(), "2")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element"):
        F.pad(pil_rgb(), (1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        F.pad(pil_rgb(), 1, padding_mode="wrap")


def test_flips():
    arr = rgb_array()
    e, t = both(arr.transpose(2, 0, 1).copy())
    assert_close(F.hflip(e), t.flip(-1))
    assert_close(F.vflip(e), t.flip(-2))
    assert np.array_equal(np.array(F.hflip(Image.fromarray(arr))), arr[:, ::-1])
    assert np.array_equal(np.array(F.vflip(Image.fromarray(arr))), arr[::-1])
    assert np.array_equal(F.hflip(arr), arr[:, ::-1]) and np.array_equal(F.vflip(arr[..., 0]), arr[::-1, :, 0])
    with pytest.raises(TypeError, match="img should be PIL Image or Tensor"):
        F.hflip([1, 2])


def test_geometry_keeps_autograd_on_tensors():
    x = ember.rand(3, 8, 8, requires_grad=True)
    F.resize(F.pad(F.hflip(x), 2, padding_mode="reflect"), (5, 5)).sum().backward()
    assert x.grad is not None and tuple(x.grad.shape) == (3, 8, 8)


# ---------------------------------------------------------------------- colour
def torch_gray(t):
    r, g, b = t.unbind(-3)
    return (0.2989 * r + 0.587 * g + 0.114 * b).to(t.dtype).unsqueeze(-3)


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("channels", [1, 3])
def test_rgb_to_grayscale_tensor(dtype, channels):
    arr = rgb_array().transpose(2, 0, 1)
    e, t = both(arr if dtype == "uint8" else arr.astype(np.float32) / 255)
    want = torch_gray(t)
    assert_close(F.rgb_to_grayscale(e, channels), want.expand(t.shape) if channels == 3 else want)


def test_grayscale_pil_is_pillow_luma():
    img = pil_rgb()
    assert np.array_equal(np.array(F.to_grayscale(img)), np.array(img.convert("L")))
    three = F.rgb_to_grayscale(img, 3)
    assert three.mode == "RGB" and np.array_equal(np.array(three), np.dstack([np.array(img.convert("L"))] * 3))
    with pytest.raises(TypeError, match="Input should be PIL Image"):
        F.to_grayscale(ember.zeros(3, 2, 2))
    with pytest.raises(TypeError, match="permitted channel values are \\[1, 3\\], but found 2"):
        F.rgb_to_grayscale(ember.zeros(2, 2, 2))


def torch_blend(a, b, ratio):
    bound = 1.0 if a.is_floating_point() else 255.0
    return (ratio * a + (1.0 - ratio) * b).clamp(0, bound).to(a.dtype)


ADJUST = {  # torchvision's tensor formulas, written with torch
    "brightness": lambda t, f: torch_blend(t, torch.zeros_like(t), f),
    "contrast": lambda t, f: torch_blend(t, torch_gray(t).to(t.dtype if t.is_floating_point() else torch.float32)
                                         .mean(dim=(-3, -2, -1), keepdim=True), f),
    "saturation": lambda t, f: torch_blend(t, torch_gray(t), f),
}
ENHANCE = {"brightness": ImageEnhance.Brightness, "contrast": ImageEnhance.Contrast, "saturation": ImageEnhance.Color}


@pytest.mark.parametrize("what", ADJUST)
@pytest.mark.parametrize("factor", [0.0, 0.5, 1.0, 1.7])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_adjust_tensor(what, factor, dtype):
    arr = rgb_array(6, 5).transpose(2, 0, 1)
    e, t = both(arr if dtype == "uint8" else arr.astype(np.float32) / 255)
    got = getattr(F, f"adjust_{what}")(e, factor)
    assert_close(got, ADJUST[what](t, factor), atol=0 if dtype == "uint8" else 1e-6)


@pytest.mark.parametrize("what", ENHANCE)
@pytest.mark.parametrize("factor", [0.0, 0.5, 1.3])
def test_adjust_pil_is_image_enhance(what, factor):
    img = pil_rgb()
    got = getattr(F, f"adjust_{what}")(img, factor)
    assert np.array_equal(np.array(got), np.array(ENHANCE[what](img).enhance(factor)))
    with pytest.raises(ValueError, match=f"{what}_factor \\(-1\\) is not non-negative."):
        getattr(F, f"adjust_{what}")(img, -1)


def colorsys_hue(arr, hue):
    """Shift the hue of a float RGB image (C, H, W) with Python's colorsys, pixel by pixel."""
    out = np.empty_like(arr)
    for i in range(arr.shape[1]):
        for j in range(arr.shape[2]):
            h, s, v = colorsys.rgb_to_hsv(*arr[:, i, j])
            out[:, i, j] = colorsys.hsv_to_rgb((h + hue) % 1.0, s, v)
    return out


@pytest.mark.parametrize("hue", [-0.5, -0.2, 0.0, 0.13, 0.5])
def test_adjust_hue_tensor(hue):
    arr = rgb_array(5, 6, seed=3).transpose(2, 0, 1).astype(np.float32) / 255
    arr[:, 0, 0] = 0.5  # a grey pixel
    got = F.adjust_hue(ember.from_numpy(arr.copy()), hue)
    np.testing.assert_allclose(got.numpy(), colorsys_hue(arr.astype(np.float64), hue), atol=1e-5)
    u8 = F.adjust_hue(ember.from_numpy((arr * 255).round().astype(np.uint8)), hue)
    assert u8.dtype == ember.uint8
    assert np.abs(u8.numpy().astype(float) - colorsys_hue(arr.astype(np.float64), hue) * 255).max() <= 1.5


def test_adjust_hue_pil_and_range():
    img = pil_rgb()
    h, s, v = img.convert("HSV").split()
    shifted = (np.array(h).astype(int) + int(0.2 * 255)) % 256
    want = Image.merge("HSV", (Image.fromarray(shifted.astype(np.uint8)), s, v)).convert("RGB")
    assert np.array_equal(np.array(F.adjust_hue(img, 0.2)), np.array(want))
    assert F.adjust_hue(img.convert("L"), 0.3).mode == "L"
    with pytest.raises(ValueError, match=r"hue_factor \(0.7\) is not in \[-0.5, 0.5\]."):
        F.adjust_hue(img, 0.7)


# ---------------------------------------------------------------------- rotation
@pytest.mark.parametrize("angle", [0, 30, 90, -45, 180])
@pytest.mark.parametrize("expand", [False, True])
def test_rotate_pil_is_pillow(angle, expand):
    img = pil_rgb(10, 14)
    got = F.rotate(img, angle, expand=expand)
    assert np.array_equal(np.array(got), np.array(img.rotate(angle, Image.Resampling.NEAREST, expand=expand)))


def torch_rotate(t, angle, mode, fill=0.0):
    """torchvision's tensor rotation about the centre, with torch's affine_grid and grid_sample."""
    a = np.radians(angle)
    h, w = t.shape[-2:]
    theta = torch.tensor([[np.cos(a), -np.sin(a) * h / w, 0], [np.sin(a) * w / h, np.cos(a), 0]],
                         dtype=torch.float64)[None]
    x = torch.cat([t[None].double(), torch.ones_like(t[None, :1]).double()], 1)
    grid = TF.affine_grid(theta, list(x.shape), align_corners=False)
    out = TF.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    img, mask = out[:, :-1], out[:, -1:].expand_as(out[:, :-1])
    img = torch.where(mask < 0.5, fill, img) if mode == "nearest" else img * mask + (1.0 - mask) * fill
    return img[0]


@pytest.mark.parametrize("angle", [33, 90, -61, 203])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_rotate_tensor_matches_grid_sample(angle, mode):
    arr = np.random.default_rng(6).random((3, 9, 11))  # odd sides: a quarter turn maps pixel centres onto centres
    got = F.rotate(ember.from_numpy(arr.copy()), angle, InterpolationMode(mode), fill=0.25)
    want = torch_rotate(torch.from_numpy(arr.copy()), angle, mode, fill=0.25)
    diff = np.abs(got.numpy() - want.numpy())
    assert diff.max() < 1e-9


@pytest.fixture(scope="module")
def tv():
    """torchvision, its C++ operators' registrations skipped (they cannot load beside the CPU build of torch)."""
    import sys
    import types
    sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
    return pytest.importorskip("torchvision")


AFFINE_PARAMS = [(0.0, (0, 0), 1.0, 0.0), (30.0, (2, -3), 1.0, 0.0), (-45.0, (0, 0), 0.8, 0.0),
                 (12.5, (1, 4), 1.2, 10.0), (90.0, (0, 0), 1.0, [5.0, -8.0]), (7.0, (-3, 2), 0.9, [20.0])]


@pytest.mark.parametrize("params", AFFINE_PARAMS, ids=str)
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_affine_pil_matches_torchvision(tv, params, mode):
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (13, 17, 3), dtype=np.uint8))
    got = F.affine(img, *params, interpolation=InterpolationMode(mode), fill=7)
    want = tv.transforms.functional.affine(img, *params, interpolation=tv.transforms.InterpolationMode(mode), fill=7)
    assert np.array_equal(np.array(got), np.array(want))


@pytest.mark.parametrize("params", AFFINE_PARAMS, ids=str)
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_affine_tensor_matches_torchvision(tv, params, mode):
    arr = np.random.default_rng(1).random((2, 3, 11, 14), dtype=np.float32)
    got = F.affine(ember.from_numpy(arr.copy()), *params, interpolation=InterpolationMode(mode), fill=[0.5] * 3,
                   center=[4, 6])
    want = tv.transforms.functional.affine(torch.from_numpy(arr.copy()), *params, fill=[0.5] * 3, center=[4, 6],
                                           interpolation=tv.transforms.InterpolationMode(mode))
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5)


def test_affine_uint8_tensor_matches_torchvision(tv):
    arr = np.random.default_rng(2).integers(0, 255, (1, 9, 12), dtype=np.uint8)
    got = F.affine(ember.from_numpy(arr.copy()), 20.0, [1, 1], 1.1, 5.0, interpolation=InterpolationMode.BILINEAR)
    want = tv.transforms.functional.affine(torch.from_numpy(arr.copy()), 20.0, [1, 1], 1.1, 5.0,
                                           interpolation=tv.transforms.InterpolationMode.BILINEAR)
    assert got.dtype == ember.uint8 and np.abs(got.numpy().astype(int) - want.numpy().astype(int)).max() <= 1


@pytest.mark.parametrize("args, error", [((1.0, (0, 0, 0), 1.0, 0.0), ValueError), ((1.0, 0, 1.0, 0.0), TypeError),
                                         ((1.0, (0, 0), 0.0, 0.0), ValueError), ((1.0, (0, 0), 1.0, [1, 2, 3]), ValueError),
                                         (("a", (0, 0), 1.0, 0.0), TypeError)])
def test_affine_errors_match_torchvision(tv, args, error):
    img = Image.new("L", (5, 5))
    with pytest.raises(error) as theirs:
        tv.transforms.functional.affine(img, *args)
    with pytest.raises(error) as ours:
        F.affine(img, *args)
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------- kernels compared with torchvision itself
import torchvision.transforms.functional as TVF  # noqa: E402  (conftest stubs its C++ registrations first)

_DISP = np.random.default_rng(3).normal(0, 0.05, (1, 13, 17, 2)).astype(np.float32)
_PERSPECTIVE = ([[0, 0], [16, 0], [16, 12], [0, 12]], [[2, 1], [15, 0], [14, 11], [1, 12]])
# name -> (call with the functional module, the backend whose inputs it takes: "any" or "tensor")
KERNELS = {
    "adjust_sharpness": lambda M, x: M.adjust_sharpness(x, 1.7),
    "adjust_sharpness0": lambda M, x: M.adjust_sharpness(x, 0.3),
    "adjust_gamma": lambda M, x: M.adjust_gamma(x, 0.7, 1.1),
    "autocontrast": lambda M, x: M.autocontrast(x),
    "equalize": lambda M, x: M.equalize(x),
    "invert": lambda M, x: M.invert(x),
    "posterize": lambda M, x: M.posterize(x, 3),
    "solarize": lambda M, x: M.solarize(x, 100 if _integer(x) else 0.4),
    "gaussian_blur": lambda M, x: M.gaussian_blur(x, [3, 5], [0.8, 1.3]),
    "gaussian_blur_default_sigma": lambda M, x: M.gaussian_blur(x, 5),
    "perspective": lambda M, x: M.perspective(x, *_PERSPECTIVE),
    "perspective_nearest_fill": lambda M, x: M.perspective(x, *_PERSPECTIVE, M.InterpolationMode.NEAREST, [9, 8, 7]),
    "elastic": lambda M, x: M.elastic_transform(x, _module_tensor(M, _DISP)),
    "five_crop": lambda M, x: M.five_crop(x, (5, 7)),
    "ten_crop": lambda M, x: M.ten_crop(x, 6, vertical_flip=True),
    "erase": lambda M, x: M.erase(x, 2, 3, 4, 5, _module_tensor(M, np.zeros((1, 1, 1), np.uint8)).to(x.dtype))
    if not isinstance(x, Image.Image) else None,
}
_UINT8_ONLY = {"equalize", "posterize"}


def _integer(x):
    return isinstance(x, Image.Image) or not x.is_floating_point()


def _module_tensor(M, arr):
    return (torch if M is TVF else ember).from_numpy(arr.copy())


def _inputs(kind):
    arr = rgb_array(13, 17, seed=5)
    if kind == "pil":
        return Image.fromarray(arr), Image.fromarray(arr)
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if kind == "float":
        chw = chw.astype(np.float32) / 255
    if kind == "batch":
        chw = np.stack([chw, chw[:, ::-1]])
    return both(chw)


def _same(e, t, atol):
    if isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _same(a, b, atol)
    elif isinstance(t, Image.Image):
        assert isinstance(e, Image.Image) and e.mode == t.mode and e.size == t.size
        np.testing.assert_allclose(np.asarray(e, np.float64), np.asarray(t, np.float64), atol=atol)
    else:
        assert_close(e, t, atol=atol)


@pytest.mark.parametrize("kind", ["uint8", "float", "batch", "pil"])
@pytest.mark.parametrize("name", KERNELS)
def test_kernel_equals_torchvision(name, kind):
    if name in _UINT8_ONLY and kind == "float":
        with pytest.raises(TypeError, match="Only torch.uint8 image tensors are supported"):
            KERNELS[name](F, _inputs(kind)[0])
        return
    e_in, t_in = _inputs(kind)
    want = KERNELS[name](TVF, t_in)
    if want is None:
        return
    # float kernels agree to round-off; integer results may differ by one level where the float sum sits on .5
    _same(KERNELS[name](F, e_in), want, atol=1e-5 if kind == "float" else 0)
