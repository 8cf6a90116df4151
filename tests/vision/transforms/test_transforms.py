"""Transform objects: torchvision's reprs and argument checks, random draws repeatable under
ember.manual_seed, and each transform doing what its functional counterpart does."""
import random

import numpy as np
import pytest
import torch
from PIL import Image

import ember
from ember.vision import transforms as T
from ember.vision.transforms import functional as F
from tests.vision.conftest import rgb_array, pil_rgb, assert_close

REPRS = [  # torchvision's printed forms
    (T.ToTensor(), "ToTensor()"),
    (T.PILToTensor(), "PILToTensor()"),
    (T.ToPILImage(), "ToPILImage()"),
    (T.ToPILImage("RGB"), "ToPILImage(mode=RGB)"),
    (T.Normalize((0.1307,), (0.3081,)), "Normalize(mean=(0.1307,), std=(0.3081,))"),
    (T.Normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2], inplace=True), "Normalize(mean=[0.5, 0.5, 0.5], std=[0.2, 0.2, 0.2])"),
    (T.Resize(32), "Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)"),
    (T.Resize((16, 20), T.InterpolationMode.NEAREST, antialias=False),
     "Resize(size=(16, 20), interpolation=nearest, max_size=None, antialias=False)"),
    (T.CenterCrop(24), "CenterCrop(size=(24, 24))"),
    (T.CenterCrop((24, 20)), "CenterCrop(size=(24, 20))"),
    (T.RandomCrop(32, padding=4), "RandomCrop(size=(32, 32), padding=4)"),
    (T.RandomResizedCrop(224), "RandomResizedCrop(size=(224, 224), scale=(0.08, 1.0), ratio=(0.75, 1.3333), "
                               "interpolation=bilinear, antialias=True)"),
    (T.RandomHorizontalFlip(), "RandomHorizontalFlip(p=0.5)"),
    (T.RandomVerticalFlip(0.3), "RandomVerticalFlip(p=0.3)"),
    (T.Grayscale(), "Grayscale(num_output_channels=1)"),
    (T.RandomGrayscale(), "RandomGrayscale(p=0.1)"),
    (T.ColorJitter(), "ColorJitter(brightness=None, contrast=None, saturation=None, hue=None)"),
    (T.ColorJitter(0.2, (0.5, 1.5), 0, 0.1),
     "ColorJitter(brightness=[0.8, 1.2], contrast=[0.5, 1.5], saturation=None, hue=[-0.1, 0.1])"),
    (T.RandomRotation(10), "RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)"),
    (T.Pad(2), "Pad(padding=2, fill=0, padding_mode=constant)"),
    (T.Lambda(lambda x: x), "Lambda()"),
    (T.ConvertImageDtype(ember.float32), "ConvertImageDtype()"),
    (T.Compose([T.ToTensor()]), "Compose(\n    ToTensor()\n)"),
    (T.Compose([T.ToTensor(), T.Normalize((0.1302,), (0.3069,))]),
     "Compose(\n    ToTensor()\n    Normalize(mean=(0.1302,), std=(0.3069,))\n)"),
    (T.Compose([]), "Compose(\n)"),
    (T.RandomApply([T.RandomHorizontalFlip()], p=0.3), "RandomApply(\n    p=0.3\n    RandomHorizontalFlip(p=0.5)\n)"),
]


@pytest.mark.parametrize("transform,text", REPRS, ids=[t for _, t in REPRS])
def test_repr_as_torchvision(transform, text):
    assert repr(transform) == text


def test_module_transforms_are_modules():
    assert isinstance(T.Normalize((0.5,), (0.5,)), ember.nn.Module)
    seq = ember.nn.Sequential(T.CenterCrop(4), T.Normalize((0.5,), (0.5,)))
    x = ember.rand(1, 6, 6)
    assert_close(seq(x), torch.from_numpy(((x.numpy()[:, 1:5, 1:5] - 0.5) / 0.5).astype(np.float32)))
    assert not isinstance(T.ToTensor(), ember.nn.Module) and not isinstance(T.Compose([]), ember.nn.Module)


ARG_ERRORS = [
    (lambda: T.Resize(3.5), TypeError, "Size should be int or sequence. Got <class 'float'>"),
    (lambda: T.Resize((1, 2, 3)), ValueError, "If size is a sequence, it should have 1 or 2 values"),
    (lambda: T.CenterCrop((1, 2, 3)), ValueError, "Please provide only two dimensions (h, w) for size."),
    (lambda: T.Lambda(3), TypeError, "Argument lambd should be callable, got 'int'"),
    (lambda: T.ColorJitter(brightness=-1), ValueError, "If brightness is a single number, it must be non negative."),
    (lambda: T.ColorJitter(hue=0.7), ValueError, "hue values should be between (-0.5, 0.5), but got [-0.7, 0.7]."),
    (lambda: T.ColorJitter(contrast=(1, 2, 3)), TypeError,
     "contrast should be a single number or a list/tuple with length 2."),
    (lambda: T.RandomRotation(-3), ValueError, "If degrees is a single number, it must be positive."),
    (lambda: T.RandomRotation((1, 2, 3)), ValueError, "degrees should be a sequence of length 2."),
    (lambda: T.Pad((1, 2, 3)), ValueError, "Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element"),
    (lambda: T.Pad(1, padding_mode="wrap"), ValueError, "Padding mode should be either constant, edge, reflect or"),
    (lambda: T.RandomCrop(40)(pil_rgb()), ValueError, "Required crop size (40, 40) is larger than input image size"),
]


@pytest.mark.parametrize("make,error,message", ARG_ERRORS, ids=[m for _, _, m in ARG_ERRORS])
def test_argument_errors(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert message in str(info.value)


def test_to_tensor_normalize_pipeline_of_the_mnist_seed():
    digit = Image.fromarray(rgb_array(28, 28)[..., 0], mode="L")
    out = T.Compose([T.ToTensor(), T.Normalize((0.1302,), (0.3069,))])(digit)
    want = (torch.from_numpy(np.array(digit)).float().div(255)[None] - 0.1302) / 0.3069
    assert_close(out, want, atol=1e-6)


def test_normalize_inplace_option():
    x = ember.rand(3, 4, 4)
    keep = x.clone()
    y = T.Normalize([0.5] * 3, [0.5] * 3)(x)
    assert y is not x and ember.equal(x, keep)
    z = T.Normalize([0.5] * 3, [0.5] * 3, inplace=True)(x)
    assert z is x and ember.allclose(x, (keep - 0.5) / 0.5)


RANDOM = {
    "crop": lambda: T.RandomCrop(8, padding=2),
    "crop_pad_if_needed": lambda: T.RandomCrop((20, 9), pad_if_needed=True, padding_mode="edge"),
    "hflip": lambda: T.RandomHorizontalFlip(),
    "vflip": lambda: T.RandomVerticalFlip(),
    "resized_crop": lambda: T.RandomResizedCrop(10, scale=(0.2, 0.9)),
    "jitter": lambda: T.ColorJitter(0.4, 0.4, 0.4, 0.1),
    "grayscale": lambda: T.RandomGrayscale(0.5),
    "rotation": lambda: T.RandomRotation(30),
    "apply": lambda: T.RandomApply([T.ColorJitter(0.5)], p=0.5),
}
IMAGES = {"pil": pil_rgb, "tensor": lambda: F.to_tensor(pil_rgb()), "uint8_tensor": lambda: F.pil_to_tensor(pil_rgb()),
          "array": rgb_array}


def _as_array(img):
    if isinstance(img, Image.Image):
        return np.array(img)
    return img.numpy() if isinstance(img, ember.Tensor) else img


@pytest.mark.parametrize("kind", IMAGES)
@pytest.mark.parametrize("name", RANDOM)
def test_random_transforms_repeat_under_manual_seed(name, kind):
    t = RANDOM[name]()
    outs = []
    for seed in (0, 0, 1, 2, 3):
        ember.manual_seed(seed)
        outs.append(_as_array(t(IMAGES[kind]())))
    assert type(outs[0]) is np.ndarray and np.array_equal(outs[0], outs[1])
    assert any(o.shape != outs[0].shape or not np.array_equal(o, outs[0]) for o in outs[2:])


@pytest.mark.parametrize("name", ["crop", "hflip", "vflip", "resized_crop", "rotation"])
def test_geometric_transforms_agree_across_image_kinds(name):
    """The same draw on a PIL image, a uint8 tensor and an HWC array gives the same pixels."""
    results = {}
    for kind in ("pil", "uint8_tensor", "array"):
        ember.manual_seed(7)
        out = _as_array(RANDOM[name]()(IMAGES[kind]()))
        results[kind] = out.transpose(1, 2, 0) if kind == "uint8_tensor" else out
    assert np.array_equal(results["uint8_tensor"], results["array"])
    tol = 0 if name in ("crop", "hflip", "vflip") else 255
    assert results["pil"].shape == results["array"].shape
    assert np.abs(results["pil"].astype(int) - results["array"].astype(int)).max() <= tol
    if name == "resized_crop":  # PIL and tensor resampling agree up to rounding
        assert np.abs(results["pil"].astype(int) - results["array"].astype(int)).mean() < 1.0


def test_random_crop_is_a_window_of_the_padded_image():
    img = F.pil_to_tensor(pil_rgb(10, 12))
    padded = F.pad(img, 3).numpy()
    for seed in range(5):
        ember.manual_seed(seed)
        out = T.RandomCrop((7, 9), padding=3)(img).numpy()
        assert any(np.array_equal(out, padded[:, i:i + 7, j:j + 9]) for i in range(10) for j in range(10))


def test_flip_probability():
    img = ember.arange(6.0).reshape(1, 2, 3)
    ember.manual_seed(0)
    flips = sum(T.RandomHorizontalFlip(0.3)(img)[0, 0, 0].item() == 2.0 for _ in range(2000))
    assert 500 < flips < 700
    assert all(T.RandomVerticalFlip(1.0)(img).equal(img.flip(-2)) for _ in range(5))
    assert all(T.RandomVerticalFlip(0.0)(img) is img for _ in range(5))


def test_random_resized_crop_params():
    img = pil_rgb(40, 60)
    ember.manual_seed(0)
    for _ in range(50):
        i, j, h, w = T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= i <= 40 - h and 0 <= j <= 60 - w and 0 < h <= 40 and 0 < w <= 60
        assert 0.08 * 2400 * 0.8 <= h * w <= 2400 and 0.5 < w / h < 1.6
    # an impossible aspect ratio falls back to the central crop of the nearest allowed ratio
    assert T.RandomResizedCrop.get_params(img, (0.99, 1.0), (5.0, 6.0)) == (14, 0, 12, 60)
    assert T.RandomResizedCrop(24)(img).size == (24, 24)
    with pytest.warns(UserWarning, match="Scale and ratio should be of kind"):
        T.RandomResizedCrop(8, scale=(1.0, 0.5))


def test_color_jitter_applies_each_adjustment_once_in_random_order():
    jitter = T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2)
    ember.manual_seed(3)
    order, b, c, s, h = T.ColorJitter.get_params(jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue)
    assert sorted(order.tolist()) == [0, 1, 2, 3]
    assert 0.5 <= b <= 1.5 and 0.5 <= c <= 1.5 and 0.5 <= s <= 1.5 and -0.2 <= h <= 0.2
    img = F.to_tensor(pil_rgb())
    want = img
    for k in order.tolist():
        want = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue][k](want, [b, c, s, h][k])
    ember.manual_seed(3)
    assert ember.allclose(jitter(img), want)


def test_random_order_and_choice_use_python_random():
    ts = [T.Lambda(lambda x: x + [1]), T.Lambda(lambda x: x + [2]), T.Lambda(lambda x: x + [3])]
    random.seed(0)
    a = T.RandomOrder(ts)([])
    random.seed(0)
    assert T.RandomOrder(ts)([]) == a and sorted(a) == [1, 2, 3]
    random.seed(1)
    picks = {tuple(T.RandomChoice(ts, p=[0.0, 1.0, 0.0])([])) for _ in range(20)}
    assert picks == {(2,)}
    assert repr(T.RandomChoice(ts)).endswith(")(p=None)")


def test_grayscale_and_convert_dtype_transforms():
    img = pil_rgb()
    assert np.array_equal(np.array(T.Grayscale()(img)), np.array(img.convert("L")))
    assert T.Grayscale(3)(F.to_tensor(img)).shape == ember.Size([3, 13, 17])
    u8 = F.pil_to_tensor(img)
    assert_close(T.ConvertImageDtype(ember.float32)(u8), torch.from_numpy(np.array(img)).permute(2, 0, 1).float() / 255)


def test_to_pil_image_then_to_tensor_round_trip():
    x = ember.rand(3, 5, 6)
    back = T.ToTensor()(T.ToPILImage()(x))
    assert_close(back, torch.from_numpy((x.numpy() * 255).astype(np.uint8).astype(np.float32) / 255))


@pytest.fixture(scope="module")
def tv():
    """torchvision, its C++ operators' registrations skipped (they cannot load beside the CPU build of torch)."""
    import sys
    import types
    sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
    return pytest.importorskip("torchvision")


AFFINE_ARGS = [dict(degrees=10), dict(degrees=(-5, 20), translate=(0.1, 0.2)), dict(degrees=0, scale=(0.8, 1.2)),
               dict(degrees=3, shear=7), dict(degrees=3, shear=(1, 2, 3, 4), fill=4, center=(1, 2)),
               dict(degrees=0, interpolation=T.InterpolationMode.BILINEAR)]


@pytest.mark.parametrize("kwargs", AFFINE_ARGS, ids=str)
def test_random_affine_repr_matches_torchvision(tv, kwargs):
    theirs = {k: tv.transforms.InterpolationMode(v.value) if k == "interpolation" else v for k, v in kwargs.items()}
    assert repr(T.RandomAffine(**kwargs)) == repr(tv.transforms.RandomAffine(**theirs))


@pytest.mark.parametrize("kwargs", AFFINE_ARGS, ids=str)
def test_random_affine_params_stay_in_range_and_apply_as_functional_affine(kwargs):
    t = T.RandomAffine(**kwargs)
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8))
    for seed in range(20):
        ember.manual_seed(seed)
        angle, (tx, ty), scale, (sx, sy) = T.RandomAffine.get_params(t.degrees, t.translate, t.scale, t.shear, [30, 20])
        assert t.degrees[0] <= angle <= t.degrees[1]
        if t.translate:
            assert abs(tx) <= 30 * t.translate[0] + 0.5 and abs(ty) <= 20 * t.translate[1] + 0.5
        assert (t.scale or (1, 1))[0] <= scale <= (t.scale or (1, 1))[1]
        shear = t.shear or [0, 0, 0, 0]
        assert shear[0] <= sx <= shear[1] and (sy == 0 if len(shear) == 2 or not t.shear else shear[2] <= sy <= shear[3])
        ember.manual_seed(seed)
        want = F.affine(img, angle, [tx, ty], scale, [sx, sy], interpolation=t.interpolation, fill=t.fill,
                        center=t.center)
        assert np.array_equal(np.array(t(img)), np.array(want))


@pytest.mark.parametrize("kwargs, error", [(dict(degrees=-1), ValueError), (dict(degrees=(1, 2, 3)), ValueError),
                                           (dict(degrees=0, translate=(0.1, 2)), ValueError),
                                           (dict(degrees=0, scale=(0, 1)), ValueError),
                                           (dict(degrees=0, shear=(1, 2, 3)), ValueError),
                                           (dict(degrees=0, translate=0.1), TypeError)])
def test_random_affine_errors_match_torchvision(tv, kwargs, error):
    with pytest.raises(error) as theirs:
        tv.transforms.RandomAffine(**kwargs)
    with pytest.raises(error) as ours:
        T.RandomAffine(**kwargs)
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------- the transforms added for torchvision 0.28's list
import torchvision.transforms as TT  # noqa: E402


NEW_REPRS = ["RandomPosterize(3)", "RandomInvert()", "RandomSolarize(100, p=0.3)", "RandomAdjustSharpness(2)",
             "RandomAutocontrast()", "RandomEqualize()", "FiveCrop(3)", "TenCrop(4, True)", "GaussianBlur(3)",
             "GaussianBlur(5, sigma=0.7)", "RandomPerspective()", "ElasticTransform()", "RandomErasing()",
             "RandomErasing(value='random')"]


@pytest.mark.parametrize("text", NEW_REPRS)
def test_new_transform_reprs(text):
    assert repr(eval("T." + text)) == repr(eval("TT." + text))


def test_all_of_torchvisions_names():
    assert sorted(n for n in dir(TT) if not n.startswith("_")) == sorted(n for n in dir(T) if not n.startswith("_")
                                                                       and n in dir(TT))
    assert set(n for n in dir(TT) if not n.startswith("_")) <= set(dir(T))


P1 = [("RandomInvert", ()), ("RandomPosterize", (3,)), ("RandomSolarize", (90,)), ("RandomAdjustSharpness", (1.8,)),
      ("RandomAutocontrast", ()), ("RandomEqualize", ())]


@pytest.mark.parametrize("name,args", P1, ids=[n for n, _ in P1])
def test_probability_one_transforms_equal_torchvision(name, args):
    arr = rgb_array(9, 11, seed=8)
    e, t = getattr(T, name)(*args, p=1.0), getattr(TT, name)(*args, p=1.0)
    assert_close(e(ember.from_numpy(arr.transpose(2, 0, 1).copy())), t(torch.from_numpy(arr.transpose(2, 0, 1).copy())))
    assert np.array_equal(np.asarray(e(Image.fromarray(arr))), np.asarray(t(Image.fromarray(arr))))
    x = ember.from_numpy(arr.transpose(2, 0, 1).copy())
    assert getattr(T, name)(*args, p=0.0)(x) is x


def test_crops_and_linear_transformation_equal_torchvision():
    arr = rgb_array(9, 11, seed=8).transpose(2, 0, 1).astype(np.float32) / 255
    e, t = ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy())
    for a, b in zip(T.TenCrop(5)(e), TT.TenCrop(5)(t)):
        assert_close(a, b)
    m = np.random.default_rng(0).normal(size=(297, 297)).astype(np.float32) / 50
    mean = np.random.default_rng(1).random(297).astype(np.float32)
    got = T.LinearTransformation(ember.from_numpy(m), ember.from_numpy(mean))(e)
    assert_close(got, TT.LinearTransformation(torch.from_numpy(m), torch.from_numpy(mean))(t), atol=1e-4)
    with pytest.raises(ValueError, match="transformation_matrix should be square"):
        T.LinearTransformation(ember.zeros(2, 3), ember.zeros(2))


def test_random_params_fixed_into_both(monkeypatch):
    """Perspective, erasing, blur and elastic with torchvision's drawn parameters given to both."""
    arr = rgb_array(12, 14, seed=1).transpose(2, 0, 1).astype(np.float32) / 255
    e, t = ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy())
    start, end = TT.RandomPerspective.get_params(14, 12, 0.5)
    monkeypatch.setattr(TT.RandomPerspective, "get_params", staticmethod(lambda *a: (start, end)))
    monkeypatch.setattr(T.RandomPerspective, "get_params", staticmethod(lambda *a: (start, end)))
    assert_close(T.RandomPerspective(p=1.0)(e), TT.RandomPerspective(p=1.0)(t), atol=1e-5)
    erase = TT.RandomErasing.get_params(t, (0.1, 0.3), (0.5, 2.0), value=[0.5])
    monkeypatch.setattr(TT.RandomErasing, "get_params", staticmethod(lambda *a, **k: erase))
    monkeypatch.setattr(T.RandomErasing, "get_params", staticmethod(
        lambda *a, **k: erase[:4] + (ember.from_numpy(erase[4].numpy()),)))
    assert_close(T.RandomErasing(p=1.0, value=0.5)(e), TT.RandomErasing(p=1.0, value=0.5)(t))
    monkeypatch.setattr(TT.GaussianBlur, "get_params", staticmethod(lambda lo, hi: 0.9))
    monkeypatch.setattr(T.GaussianBlur, "get_params", staticmethod(lambda lo, hi: 0.9))
    assert_close(T.GaussianBlur(5)(e), TT.GaussianBlur(5)(t), atol=1e-6)
    disp = TT.ElasticTransform.get_params([5.0, 5.0], [1.0, 1.0], [12, 14])
    monkeypatch.setattr(TT.ElasticTransform, "get_params", staticmethod(lambda *a: disp))
    monkeypatch.setattr(T.ElasticTransform, "get_params", staticmethod(lambda *a: ember.from_numpy(disp.numpy())))
    assert_close(T.ElasticTransform()(e), TT.ElasticTransform()(t), atol=1e-5)


def test_new_get_params_structure():
    ember.manual_seed(0)
    start, end = T.RandomPerspective.get_params(20, 10, 0.5)
    assert start == [[0, 0], [19, 0], [19, 9], [0, 9]]
    assert all(0 <= x < 20 and 0 <= y < 10 for x, y in end)
    assert end[0][0] <= 5 and end[1][0] >= 14 and end[2][1] >= 7 and end[3][1] >= 7
    disp = T.ElasticTransform.get_params([50.0, 50.0], [5.0, 5.0], [10, 12])
    assert tuple(disp.shape) == (1, 10, 12, 2)
    assert 0.1 <= T.GaussianBlur.get_params(0.1, 2.0) <= 2.0
    i, j, h, w, v = T.RandomErasing.get_params(ember.zeros(3, 20, 20), (0.1, 0.2), (0.5, 2.0), value=None)
    assert 0.1 * 400 * 0.6 <= h * w <= 0.2 * 400 * 1.4 and tuple(v.shape) == (3, h, w)
