"""ember.vision.ops box operations against torchvision.ops 0.28 (its pure-Python box functions), and
non-maximum suppression against a NumPy reference written here (torchvision's nms is C++ that cannot load
beside the CPU torch)."""
import numpy as np
import pytest
import torch
import torchvision.ops as tops

import ember
from ember.vision import ops


def random_boxes(n, seed, dtype=np.float32):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20, (n, 2))
    wh = rng.uniform(0.5, 10, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(dtype)


def both(a):
    return ember.from_numpy(a.copy()), torch.from_numpy(a.copy())


def check(got, want, atol=1e-5):
    assert str(got.dtype) == str(want.dtype) and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=atol)


@pytest.mark.parametrize("fn", ["box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_iou_family_equals_torchvisions(fn, dtype):
    (e1, t1), (e2, t2) = both(random_boxes(7, 0, dtype)), both(random_boxes(5, 1, dtype))
    check(getattr(ops, fn)(e1, e2), getattr(tops, fn)(t1, t2))


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "cxcywh"])
def test_iou_and_area_in_every_format(fmt):
    boxes = [tops.box_convert(torch.from_numpy(random_boxes(6, s)), "xyxy", fmt).numpy() for s in (2, 3)]
    (e1, t1), (e2, t2) = both(boxes[0]), both(boxes[1])
    check(ops.box_area(e1, fmt=fmt), tops.box_area(t1, fmt=fmt))
    check(ops.box_iou(e1, e2, fmt=fmt), tops.box_iou(t1, t2, fmt=fmt))


@pytest.mark.parametrize("in_fmt", ["xyxy", "xywh", "cxcywh"])
@pytest.mark.parametrize("out_fmt", ["xyxy", "xywh", "cxcywh"])
def test_box_convert_equals_torchvisions(in_fmt, out_fmt):
    e, t = both(random_boxes(8, 4))
    check(ops.box_convert(e, in_fmt, out_fmt), tops.box_convert(t, in_fmt, out_fmt))


def test_box_convert_errors():
    e, t = both(random_boxes(2, 0))
    with pytest.raises(ValueError) as want:
        tops.box_convert(t, "xyxy", "yxyx")
    with pytest.raises(ValueError) as got:
        ops.box_convert(e, "xyxy", "yxyx")
    assert str(got.value) == str(want.value)
    with pytest.raises(NotImplementedError, match="not implemented in Ember"):
        ops.box_convert(e, "xywhr", "cxcywhr")


def test_clip_and_remove_small_equal_torchvisions():
    e, t = both(random_boxes(10, 5) - 3)
    check(ops.clip_boxes_to_image(e, (12, 15)), tops.clip_boxes_to_image(t, (12, 15)))
    check(ops.remove_small_boxes(e, 4.0), tops.remove_small_boxes(t, 4.0))


def test_masks_to_boxes_equals_torchvisions():
    masks = np.zeros((3, 9, 11), np.uint8)
    masks[0, 2:5, 3:8] = 1
    masks[1, 8, 0] = 1
    e, t = both(masks)
    check(ops.masks_to_boxes(e), tops.masks_to_boxes(t))


def reference_nms(boxes, scores, threshold):
    """Greedy NMS as the papers state it, one box at a time."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    keep = []
    for i in order:
        if all(tops.box_iou(torch.from_numpy(boxes[i:i + 1]), torch.from_numpy(boxes[k:k + 1])).item() <= threshold
               for k in keep):
            keep.append(i)
    return keep


@pytest.mark.parametrize("threshold", [0.1, 0.5, 0.8])
def test_nms_equals_the_reference(threshold):
    boxes = random_boxes(40, 6)
    scores = np.random.default_rng(7).permutation(40).astype(np.float32)
    keep = ops.nms(ember.from_numpy(boxes), ember.from_numpy(scores), threshold)
    assert keep.dtype == ember.int64 and keep.tolist() == reference_nms(boxes, scores, threshold)


@pytest.mark.parametrize("n", [30, 1200])  # both of torchvision's strategies (the switch is at 4000 coordinates)
def test_batched_nms_works_per_category(n):
    boxes = random_boxes(n, 8)
    scores = np.random.default_rng(9).permutation(n).astype(np.float32)
    idxs = np.random.default_rng(10).integers(0, 3, n)
    keep = ops.batched_nms(ember.from_numpy(boxes), ember.from_numpy(scores), ember.from_numpy(idxs), 0.3).tolist()
    want = []
    for c in range(3):
        members = np.nonzero(idxs == c)[0]
        want += [members[i] for i in reference_nms(boxes[members], scores[members], 0.3)] if n < 100 else \
            [members[i] for i in ops.nms(ember.from_numpy(boxes[members]), ember.from_numpy(scores[members]),
                                         0.3).tolist()]
    assert keep == sorted(want, key=lambda i: -scores[i])
    assert ops.batched_nms(ember.zeros(0, 4), ember.zeros(0), ember.zeros(0, dtype=ember.int64), 0.5).shape == (0,)
