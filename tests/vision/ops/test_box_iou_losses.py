"""generalized_box_iou_loss, distance_box_iou_loss and complete_box_iou_loss (ember.vision.ops.giou_loss,
diou_loss, ciou_loss) against torchvision.ops 0.28: values and gradients of both boxes, every reduction,
eps, float32/float64/integer boxes, batched and empty inputs, and the error for a bad reduction."""
import importlib

import numpy as np
import pytest
import torch
import torchvision.ops as tops

import ember
from ember.vision import ops

LOSSES = [("giou_loss", "generalized_box_iou_loss"), ("diou_loss", "distance_box_iou_loss"),
          ("ciou_loss", "complete_box_iou_loss")]


def boxes(shape, seed, dtype):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10, shape + (2,))
    return np.concatenate([xy, xy + rng.uniform(0.5, 8, shape + (2,))], -1).astype(dtype)


@pytest.mark.parametrize("module,name", LOSSES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype,shape,eps", [(np.float32, (7,), 1e-7), (np.float64, (3, 4), 1e-7),
                                             (np.float64, (5,), 0.5), (np.float32, (0,), 1e-7)])
def test_loss_and_gradients_equal_torchvisions(module, name, reduction, dtype, shape, eps):
    a, b = boxes(shape, 0, dtype), boxes(shape, 1, dtype)
    a[:1], a[1:2] = b[:1], b[1:2] + 20  # a perfect match and a disjoint pair
    fn = getattr(importlib.import_module(f"ember.vision.ops.{module}"), name)
    assert fn is getattr(ops, name)
    ea, eb = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    got, want = fn(ea, eb, reduction, eps), getattr(tops, name)(ta, tb, reduction, eps)
    assert str(got.dtype) == str(want.dtype) and tuple(got.shape) == tuple(want.shape)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(2).standard_normal(tuple(want.shape)).astype(dtype)
    got.backward(ember.from_numpy(g))
    want.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ea.grad.numpy(), ta.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(eb.grad.numpy(), tb.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("module,name", LOSSES)
def test_integer_boxes_and_bad_reduction(module, name):
    a, b = boxes((4,), 3, np.float64).round().astype(np.int64), boxes((4,), 4, np.float64).round().astype(np.int64)
    got, want = getattr(ops, name)(ember.from_numpy(a), ember.from_numpy(b)), \
        getattr(tops, name)(torch.from_numpy(a), torch.from_numpy(b))
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    with pytest.raises(ValueError) as want_err:
        getattr(tops, name)(torch.from_numpy(a), torch.from_numpy(b), reduction="max")
    with pytest.raises(ValueError) as got_err:
        getattr(ops, name)(ember.from_numpy(a), ember.from_numpy(b), reduction="max")
    assert str(got_err.value) == str(want_err.value)
