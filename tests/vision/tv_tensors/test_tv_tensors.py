"""ember.vision.tv_tensors against torchvision.tv_tensors: construction, printed form, which ops keep
the subclass and its metadata (clone/to/detach/requires_grad_, everything under set_return_type),
wrap, pickling."""
import copy
import pickle

import numpy as np
import pytest
import torch
from PIL import Image as PILImage

import ember
from ember.vision import tv_tensors as etv
from tests.vision.conftest import rgb_array

import torchvision  # noqa: E402,F401
from torchvision import tv_tensors as ttv  # noqa: E402

ARR = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
BOX = np.array([[1, 2, 5, 7], [0, 0, 3, 3]])


def build(tv, m, kind):
    if kind == "image":
        return tv.Image(m.from_numpy(ARR.copy()))
    if kind == "image2d":
        return tv.Image(m.from_numpy(ARR[0].copy()))
    if kind == "image_float_grad":
        return tv.Image(m.from_numpy(ARR.astype(np.float32)), requires_grad=True)
    if kind == "video":
        return tv.Video(m.from_numpy(np.stack([ARR, ARR])[:, None].repeat(3, 1)[:, :, 0].copy()))
    if kind == "mask":
        return tv.Mask(m.from_numpy((ARR[0] % 2).astype(bool)))
    if kind == "boxes":
        return tv.BoundingBoxes(m.from_numpy(BOX.copy()), format="XYXY", canvas_size=(8, 9))
    if kind == "boxes_1d_float":
        return tv.BoundingBoxes([1.5, 2.0, 3.0, 4.0], format=tv.BoundingBoxFormat.CXCYWH, canvas_size=(8, 9))
    if kind == "keypoints":
        return tv.KeyPoints(m.from_numpy(BOX.reshape(-1, 2).astype(np.float32)), canvas_size=(8, 9))
    raise KeyError(kind)


KINDS = ["image", "image2d", "image_float_grad", "video", "mask", "boxes", "boxes_1d_float", "keypoints"]


def check(e, t):
    assert type(e).__name__ == type(t).__name__
    assert repr(e) == repr(t)
    for attr in ("format", "canvas_size", "clamping_mode"):
        assert str(getattr(e, attr, None)) == str(getattr(t, attr, None))


@pytest.mark.parametrize("kind", KINDS)
def test_construction_and_repr(kind):
    check(build(etv, ember, kind), build(ttv, torch, kind))


OPS = [lambda x: x + 1, lambda x: x * 2, lambda x: x.flip(-1), lambda x: x[0], lambda x: x.clone(),
       lambda x: x.to(x.dtype), lambda x: x.detach(), lambda x: x.float(), lambda x: x.unbind(0),
       lambda x: 1 - x.float()]


@pytest.mark.parametrize("return_type", ["Tensor", "TVTensor"])
@pytest.mark.parametrize("kind", ["image", "boxes", "mask", "keypoints"])
@pytest.mark.parametrize("op", range(len(OPS)))
def test_op_result_types(op, kind, return_type):
    with etv.set_return_type(return_type), ttv.set_return_type(return_type):
        e, t = OPS[op](build(etv, ember, kind)), OPS[op](build(ttv, torch, kind))
        if isinstance(t, tuple):
            for a, b in zip(e, t):
                check(a, b)
        else:
            check(e, t)


def test_set_return_type_global_and_errors():
    img = etv.Image(ember.zeros(1, 2, 2))
    etv.set_return_type("TVTensor")
    try:
        assert type(img + 1) is etv.Image
    finally:
        etv.set_return_type("Tensor")
    assert type(img + 1) is ember.Tensor
    with pytest.raises(ValueError, match="return_type must be 'TVTensor' or 'Tensor', got bad"):
        etv.set_return_type("bad")


def test_inplace_returns_plain_tensor_and_autograd_flows():
    img = etv.Image(ember.zeros(1, 2, 2))
    out = img.add_(1)
    assert type(out) is ember.Tensor and type(img) is etv.Image and float(img.sum()) == 4.0
    x = ember.ones(1, 2, 2, requires_grad=True)
    im = etv.Image(x)
    assert im.requires_grad and im.grad_fn is not None
    (im * 3).sum().backward()
    assert ember.equal(x.grad, ember.full((1, 2, 2), 3.0))


def test_wrap_and_metadata_override():
    boxes = build(etv, ember, "boxes")
    w = etv.wrap(ember.zeros(1, 4), like=boxes, canvas_size=(3, 3))
    t = ttv.wrap(torch.zeros(1, 4), like=build(ttv, torch, "boxes"), canvas_size=(3, 3))
    check(w, t)
    check(etv.wrap(ember.zeros(1, 2, 2), like=build(etv, ember, "mask")),
          ttv.wrap(torch.zeros(1, 2, 2), like=build(ttv, torch, "mask")))


def test_pil_and_errors():
    pil = PILImage.fromarray(rgb_array(3, 4))
    check(etv.Image(pil), ttv.Image(pil))
    check(etv.Mask(pil.convert("L")), ttv.Mask(pil.convert("L")))
    for make, tv in ((lambda tv, m: tv.Image(m.zeros(3)), None), (lambda tv, m: tv.Video(m.zeros(3, 2, 2)), None),
                     (lambda tv, m: tv.BoundingBoxes(m.zeros(1, 1, 4), format="XYXY", canvas_size=(2, 2)), None),
                     (lambda tv, m: tv.KeyPoints(m.zeros(2, 3), canvas_size=(2, 2)), None)):
        with pytest.raises(ValueError) as want:
            make(ttv, torch)
        with pytest.raises(ValueError) as got:
            make(etv, ember)
        assert str(got.value) == str(want.value).replace("torch.Size", "torch.Size")


@pytest.mark.parametrize("kind", ["image", "boxes", "keypoints"])
def test_pickle_and_deepcopy_keep_class_and_metadata(kind):
    x = build(etv, ember, kind)
    for y in (pickle.loads(pickle.dumps(x)), copy.deepcopy(x)):
        assert repr(y) == repr(x) and type(y) is type(x)
