"""ember.vision.transforms.v2 against torchvision's: reprs, deterministic transforms on whole samples
(image, boxes, mask, labels), and random transforms with their drawn parameters fixed (torchvision's
make_params result fed to both), so boxes and masks must move with the image exactly as torchvision
moves them."""
import numpy as np
import pytest
import torch
from PIL import Image

import ember
from ember.vision import tv_tensors as etv
from ember.vision.transforms import v2 as E
from tests.vision.conftest import rgb_array
from tests.vision.transforms.v2.test_functional import same

import torchvision  # noqa: E402,F401
from torchvision import tv_tensors as ttv  # noqa: E402
from torchvision.transforms import v2 as T  # noqa: E402

H, W = 14, 18


def sample(kind="detection", seed=3):
    """The same sample for ember and torchvision: (image, {"boxes", "masks", "labels"})."""
    img = rgb_array(H, W, seed=seed).transpose(2, 0, 1).copy()
    boxes = np.array([[1, 2, 9, 11], [4, 0, 17, 13], [11, 6, 16, 12]], np.float32)
    mask = np.zeros((3, H, W), np.uint8)
    for k, (x1, y1, x2, y2) in enumerate(boxes.astype(int)):
        mask[k, y1:y2, x1:x2] = 1
    labels = np.array([3, 1, 2])
    if kind == "batch":
        imgs = np.stack([img, img[:, ::-1], img[:, :, ::-1]]).astype(np.float32) / 255
        return (ember.from_numpy(imgs.copy()), ember.from_numpy(labels.copy())), \
            (torch.from_numpy(imgs.copy()), torch.from_numpy(labels.copy()))

    points = np.array([[[2.0, 3.0], [9.5, 4.0]], [[16.0, 12.0], [0.0, 0.0]], [[18.5, 2.0], [3.0, -1.0]]],
                      np.float32)

    def build(m, tv, image):
        return (image, {"boxes": tv.BoundingBoxes(m.from_numpy(boxes.copy()), format="XYXY", canvas_size=(H, W)),
                        "masks": tv.Mask(m.from_numpy(mask.copy())), "labels": m.from_numpy(labels.copy()),
                        "points": tv.KeyPoints(m.from_numpy(points.copy()), canvas_size=(H, W))})
    if kind == "pil":
        pil = Image.fromarray(img.transpose(1, 2, 0))
        return build(ember, etv, pil), build(torch, ttv, pil.copy())
    if kind == "float":
        f = img.astype(np.float32) / 255
        return build(ember, etv, etv.Image(ember.from_numpy(f.copy()))), build(torch, ttv, ttv.Image(torch.from_numpy(f)))
    return (build(ember, etv, etv.Image(ember.from_numpy(img.copy()))),
            build(torch, ttv, ttv.Image(torch.from_numpy(img.copy()))))


def same_sample(e, t, atol=1e-4):
    if isinstance(t, dict):
        assert e.keys() == t.keys()
        for k in t:
            same_sample(e[k], t[k], atol)
    elif isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            same_sample(a, b, atol)
    else:
        integer = isinstance(t, torch.Tensor) and not t.is_floating_point() or isinstance(t, Image.Image)
        same(e, t, atol=1 if integer else atol)


def to_ember(value):
    """A torchvision parameter as the Ember one: tensors converted, containers walked."""
    if isinstance(value, torch.Tensor):
        return ember.from_numpy(value.numpy().copy())
    if isinstance(value, dict):
        return {k: to_ember(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_ember(v) for v in value)
    return value


# (ember transform, torchvision transform) built from the same arguments
def both(name, *args, **kwargs):
    return getattr(E, name)(*args, **kwargs), getattr(T, name)(*args, **kwargs)


REPRS = [("Resize", (12,), {}), ("Resize", ((8, 9),), {"antialias": False}), ("CenterCrop", (5,), {}),
         ("RandomResizedCrop", (16,), {}), ("RandomCrop", (3,), {"padding": 2}), ("Pad", (2,), {}),
         ("RandomRotation", (5,), {}), ("RandomAffine", (10,), {"translate": (0.1, 0.2), "shear": 3}),
         ("RandomPerspective", (), {}), ("ElasticTransform", (), {}), ("RandomZoomOut", (), {}),
         ("RandomIoUCrop", (), {}), ("RandomHorizontalFlip", (), {}), ("ColorJitter", (0.2, 0.3), {}),
         ("RandomPhotometricDistort", (), {}), ("Grayscale", (3,), {}), ("RandomGrayscale", (), {}),
         ("RandomPosterize", (3,), {}), ("RandomSolarize", (100,), {}), ("RandomAdjustSharpness", (2,), {}),
         ("GaussianBlur", (3,), {}), ("RandomErasing", (), {}), ("Normalize", ([0.5], [0.2]), {}),
         ("SanitizeBoundingBoxes", (), {}), ("ConvertBoundingBoxFormat", ("XYWH",), {}),
         ("ClampBoundingBoxes", (), {}), ("FiveCrop", (3,), {}), ("TenCrop", (3,), {}), ("MixUp", (), {"num_classes": 3}),
         ("CutMix", (), {"num_classes": 3}), ("AutoAugment", (), {}), ("RandAugment", (), {}),
         ("TrivialAugmentWide", (), {}), ("AugMix", (), {}), ("ToImage", (), {}), ("ToPureTensor", (), {}),
         ("RandomShortestSize", (3,), {}), ("RandomResize", (3, 5), {}), ("ScaleJitter", ((4, 4),), {}),
         ("GaussianNoise", (), {}), ("Identity", (), {}), ("RGB", (), {})]


@pytest.mark.parametrize("name,args,kwargs", REPRS, ids=[r[0] + str(i) for i, r in enumerate(REPRS)])
def test_repr(name, args, kwargs):
    e, t = both(name, *args, **kwargs)
    assert repr(e) == repr(t)


def test_container_reprs():
    e = E.Compose([E.RandomApply([E.RandomInvert()], p=0.3), E.RandomChoice([E.Grayscale(), E.RGB()]),
                   E.RandomOrder([E.RGB()])])
    t = T.Compose([T.RandomApply([T.RandomInvert()], p=0.3), T.RandomChoice([T.Grayscale(), T.RGB()]),
                   T.RandomOrder([T.RGB()])])
    assert repr(e) == repr(t)


DETERMINISTIC = [
    ("Resize", (10,), {}), ("Resize", ((9, 23),), {}), ("Resize", (None,), {"max_size": 12}),
    ("CenterCrop", ((8, 11),), {}), ("CenterCrop", (20,), {}), ("Pad", ([1, 2, 3, 4],), {}),
    ("Pad", (2,), {"fill": {ttv.Image: 9, ttv.Mask: 0}}), ("Grayscale", (3,), {}), ("RGB", (), {}),
    ("ConvertBoundingBoxFormat", ("CXCYWH",), {}), ("ClampBoundingBoxes", (), {}), ("Identity", (), {}),
    ("SanitizeBoundingBoxes", (), {"min_size": 6}), ("ToPureTensor", (), {}),
    ("SanitizeKeyPoints", (), {}), ("SetClampingMode", ("hard",), {}), ("ClampKeyPoints", (), {}),
]


def _ember_args(args, kwargs):
    """torchvision-typed arguments (dict keys that are tv_tensor classes) as Ember's."""
    def conv(v):
        if isinstance(v, dict):
            return {getattr(etv, k.__name__) if isinstance(k, type) else k: conv(x) for k, x in v.items()}
        return v
    return [conv(a) for a in args], {k: conv(v) for k, v in kwargs.items()}


@pytest.mark.parametrize("kind", ["uint8", "pil"])
@pytest.mark.parametrize("name,args,kwargs", DETERMINISTIC, ids=[d[0] + str(i) for i, d in enumerate(DETERMINISTIC)])
def test_deterministic_transform_on_a_detection_sample(name, args, kwargs, kind):
    (e_in, t_in) = sample("pil" if kind == "pil" else "detection")
    eargs, ekwargs = _ember_args(args, kwargs)
    want = getattr(T, name)(*args, **kwargs)(t_in)
    got = getattr(E, name)(*eargs, **ekwargs)(e_in)
    same_sample(got, want)


def test_compose_to_float_and_normalize():
    (e_in, t_in) = sample()
    e = E.Compose([E.ToImage(), E.ToDtype(ember.float32, scale=True), E.Normalize([0.4, 0.5, 0.6], [0.2, 0.2, 0.3])])
    t = T.Compose([T.ToImage(), T.ToDtype(torch.float32, scale=True), T.Normalize([0.4, 0.5, 0.6], [0.2, 0.2, 0.3])])
    same_sample(e(e_in), t(t_in))
    # a dict of dtypes: per type, "others" for the rest
    e = E.ToDtype({etv.Image: ember.float64, etv.Mask: ember.int64, "others": None}, scale=True)
    t = T.ToDtype({ttv.Image: torch.float64, ttv.Mask: torch.int64, "others": None}, scale=True)
    same_sample(e(e_in), t(t_in))


def test_conversions():
    arr = rgb_array(5, 6)
    pil = Image.fromarray(arr)
    same(E.ToImage()(pil), T.ToImage()(pil))
    same(E.ToImage()(arr), T.ToImage()(arr))
    same(E.PILToTensor()(pil), T.PILToTensor()(pil))
    same(E.ToPILImage()(etv.Image(ember.from_numpy(arr.transpose(2, 0, 1).copy()))),
         T.ToPILImage()(ttv.Image(torch.from_numpy(arr.transpose(2, 0, 1).copy()))))
    # a pure tensor is the image only when the sample has no explicit image: here the labels pass through
    e = E.ToImage()({"image": pil, "labels": ember.tensor([1])})
    assert type(e["image"]) is etv.Image and type(e["labels"]) is ember.Tensor


RANDOM = [
    ("RandomHorizontalFlip", (), {"p": 1.0}), ("RandomVerticalFlip", (), {"p": 1.0}),
    ("RandomResizedCrop", (12,), {}), ("RandomResizedCrop", ((9, 13),), {"scale": (0.3, 0.9)}),
    ("RandomCrop", (10,), {"padding": 2}), ("RandomCrop", (16,), {"pad_if_needed": True}),
    ("RandomZoomOut", (), {"p": 1.0, "fill": {ttv.Image: 7, "others": 0}}), ("RandomRotation", (30,), {}),
    ("RandomRotation", (30,), {"expand": True}),
    ("RandomAffine", (20,), {"translate": (0.1, 0.1), "scale": (0.8, 1.2), "shear": 10}),
    ("RandomPerspective", (), {"p": 1.0}), ("ElasticTransform", (), {"alpha": 5.0, "sigma": 1.0}),
    ("ColorJitter", (0.3, 0.3, 0.3, 0.1), {}), ("RandomPhotometricDistort", (), {"p": 1.0}),
    ("RandomGrayscale", (), {"p": 1.0}), ("GaussianBlur", (3,), {}), ("RandomIoUCrop", (), {}),
    ("RandomInvert", (), {"p": 1.0}), ("RandomPosterize", (3,), {"p": 1.0}), ("RandomSolarize", (100,), {"p": 1.0}),
    ("RandomAutocontrast", (), {"p": 1.0}), ("RandomEqualize", (), {"p": 1.0}),
    ("RandomAdjustSharpness", (2.0,), {"p": 1.0}), ("RandomChannelPermutation", (), {}),
    ("RandomShortestSize", ([8, 10],), {"max_size": 15}), ("RandomResize", (6, 12), {}),
    ("ScaleJitter", ((12, 12),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", RANDOM, ids=[r[0] + str(i) for i, r in enumerate(RANDOM)])
def test_random_transform_with_torchvisions_parameters(name, args, kwargs, monkeypatch):
    """torchvision draws the parameters; both apply them to the same sample (image, boxes, mask, labels)."""
    (e_in, t_in) = sample()
    eargs, ekwargs = _ember_args(args, kwargs)
    e, t = getattr(E, name)(*eargs, **ekwargs), getattr(T, name)(*args, **kwargs)
    drawn = []
    real = t.make_params
    monkeypatch.setattr(t, "make_params", lambda flat: drawn.append(real(flat)) or drawn[-1])
    torch.manual_seed(0)
    want = t(t_in)
    monkeypatch.setattr(e, "make_params", lambda flat: to_ember(drawn[0]))
    same_sample(e(e_in), want)


@pytest.mark.parametrize("name", ["MixUp", "CutMix"])
def test_mixup_cutmix_with_torchvisions_parameters(name, monkeypatch):
    (e_in, t_in) = sample("batch")
    e, t = getattr(E, name)(num_classes=4), getattr(T, name)(num_classes=4)
    drawn = []
    real = t.make_params
    monkeypatch.setattr(t, "make_params", lambda flat: drawn.append(real(flat)) or drawn[-1])
    want = t(*t_in)
    monkeypatch.setattr(e, "make_params", lambda flat: to_ember(drawn[0]))
    same_sample(e(*e_in), want)
    with pytest.raises(ValueError, match="num_classes must be passed"):
        getattr(E, name)()(*e_in)


def test_random_erasing_with_torchvisions_parameters(monkeypatch):
    x = rgb_array(H, W).transpose(2, 0, 1).astype(np.float32) / 255
    e, t = E.RandomErasing(p=1.0, value=0.5), T.RandomErasing(p=1.0, value=0.5)
    drawn = []
    real = t.make_params
    monkeypatch.setattr(t, "make_params", lambda flat: drawn.append(real(flat)) or drawn[-1])
    want = t(ttv.Image(torch.from_numpy(x.copy())))
    monkeypatch.setattr(e, "make_params", lambda flat: to_ember(drawn[0]))
    same(e(etv.Image(ember.from_numpy(x.copy()))), want)


def test_make_params_ranges():
    """Ember's own draws: in range and shaped as torchvision's."""
    (e_in, _) = sample()
    flat = [e_in[0], e_in[1]["boxes"]]
    ember.manual_seed(0)
    for _ in range(20):
        p = E.RandomResizedCrop(8, scale=(0.2, 0.6)).make_params(flat)
        assert 0 <= p["top"] <= H - p["height"] and 0 <= p["left"] <= W - p["width"]
        assert 0.2 * H * W * 0.7 <= p["height"] * p["width"] <= 0.6 * H * W * 1.3
        p = E.RandomAffine(15, translate=(0.2, 0.1), scale=(0.9, 1.1), shear=(-5, 5, -2, 2)).make_params(flat)
        assert -15 <= p["angle"] <= 15 and abs(p["translate"][0]) <= round(0.2 * W) and 0.9 <= p["scale"] <= 1.1
        assert -5 <= p["shear"][0] <= 5 and -2 <= p["shear"][1] <= 2
        p = E.RandomCrop(10, padding=2).make_params(flat)
        assert 0 <= p["top"] <= H + 4 - 10 and p["padding"] == [2, 2, 2, 2]


def test_pure_tensor_heuristic_and_passthrough():
    img = ember.rand(3, 8, 8)
    other = ember.rand(3, 8, 8)
    out = E.RandomHorizontalFlip(p=1.0)(img, other)
    assert ember.equal(out[0], img.flip(-1)) and out[1] is other
    # an explicit Image: pure tensors pass through
    image = etv.Image(img)
    out = E.RandomHorizontalFlip(p=1.0)({"image": image, "extra": other, "name": "x"})
    assert type(out["image"]) is etv.Image and out["extra"] is other and out["name"] == "x"


ERRORS = [
    ("Normalize", ([0.5], [0.5]), {}, "pil", TypeError),
    ("RandomIoUCrop", (), {}, "image_only", TypeError),
    ("RandomErasing", (), {"value": [1, 2]}, "image_only", ValueError),
    ("MixUp", (), {"num_classes": 3}, "detection", ValueError),
    ("RandomCrop", (40,), {}, "detection", ValueError),
]


@pytest.mark.parametrize("name,args,kwargs,kind,error", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_as_torchvision(name, args, kwargs, kind, error):
    if kind == "image_only":
        arr = rgb_array(H, W).transpose(2, 0, 1).copy()
        e_in, t_in = etv.Image(ember.from_numpy(arr.copy())), ttv.Image(torch.from_numpy(arr.copy()))
    else:
        (e_in, t_in) = sample("pil" if kind == "pil" else "detection")
    if name == "RandomErasing":
        kwargs = dict(kwargs, p=1.0)
    with pytest.raises(error) as want:
        getattr(T, name)(*args, **kwargs)(t_in)
    with pytest.raises(error) as got:
        getattr(E, name)(*args, **kwargs)(e_in)
    assert str(got.value).split(" (in ")[0] == str(want.value)


def test_five_crop_refuses_boxes_and_auto_augment_refuses_masks():
    (e_in, _) = sample()
    with pytest.raises(TypeError):
        E.FiveCrop(5)(e_in)
    with pytest.raises(TypeError):
        E.AutoAugment()(e_in)
