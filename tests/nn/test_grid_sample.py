"""F.affine_grid and F.grid_sample (nn/_functional/vision.py) against torch: values, gradients for
the input, the grid and theta, the graph's node names, and the errors and warning."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F


def pair(array, dtype):
    return (ember.tensor(array, dtype=getattr(ember, dtype), requires_grad=True),
            torch.tensor(array, dtype=getattr(torch, dtype), requires_grad=True))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_values_and_gradients(mode, padding_mode, align_corners, dtype):
    rng = np.random.default_rng(0)
    (xe, xt), (ge, gt) = pair(rng.standard_normal((2, 3, 4, 5)), dtype), pair(rng.uniform(-1.4, 1.4, (2, 6, 7, 2)), dtype)
    oe = F.grid_sample(xe, ge, mode, padding_mode, align_corners)
    ot = TF.grid_sample(xt, gt, mode, padding_mode, align_corners)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), atol=tol)
    assert oe.dtype == getattr(ember, dtype) and oe.grad_fn.name() == ot.grad_fn.name() == "GridSampler2DBackward0"
    w = rng.standard_normal(ot.shape)
    (oe * ember.tensor(w, dtype=oe.dtype)).sum().backward()
    (ot * torch.tensor(w, dtype=ot.dtype)).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=10 * tol)
    np.testing.assert_allclose(ge.grad.numpy(), gt.grad.numpy(), atol=100 * tol)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 1, 4, 5), (2, 3, 1, 6), (2, 1, 7, 1)])
def test_affine_grid_and_a_spatial_transformer(size, align_corners):
    rng = np.random.default_rng(1)
    (te, tt), (xe, xt) = pair(rng.standard_normal((2, 2, 3)), "float64"), pair(rng.standard_normal(size), "float64")
    ge, gt = F.affine_grid(te, size, align_corners=align_corners), TF.affine_grid(tt, size, align_corners=align_corners)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy(), atol=1e-12)
    assert ge.grad_fn.name() == gt.grad_fn.name()
    oe = F.grid_sample(xe, ge, align_corners=align_corners)
    ot = TF.grid_sample(xt, gt, align_corners=align_corners)
    oe.pow(2).sum().backward()
    ot.pow(2).sum().backward()
    np.testing.assert_allclose(te.grad.numpy(), tt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-10)


def test_identity_theta_resamples_the_image_unchanged():
    x = ember.randn(1, 2, 5, 6)
    grid = F.affine_grid(ember.tensor([[[1.0, 0, 0], [0, 1.0, 0]]]), (1, 2, 5, 6), align_corners=False)
    assert ember.allclose(F.grid_sample(x, grid, align_corners=False), x, atol=1e-6)


ERRORS = [
    lambda T: T.nn.functional.affine_grid(T.randn(2, 3, 3), (2, 1, 4, 5), align_corners=False),
    lambda T: T.nn.functional.affine_grid(T.randn(2, 2, 3), (3, 1, 4, 5), align_corners=False),
    lambda T: T.nn.functional.affine_grid(T.ones(2, 2, 3).long(), (2, 1, 4, 5), align_corners=False),
    lambda T: T.nn.functional.grid_sample(T.randn(2, 3, 4, 5), T.rand(3, 6, 7, 2), align_corners=False),
    lambda T: T.nn.functional.grid_sample(T.randn(2, 3, 4, 5), T.rand(2, 6, 7, 3), align_corners=False),
    lambda T: T.nn.functional.grid_sample(T.randn(2, 3, 4, 5), T.rand(2, 6, 7, 2), mode="foo"),
    lambda T: T.nn.functional.grid_sample(T.randn(2, 3, 4, 5), T.rand(2, 6, 7, 2), padding_mode="foo"),
]


@pytest.mark.parametrize("make", ERRORS)
def test_errors_match_torch(make):
    with pytest.raises(Exception) as theirs:
        make(torch)
    with pytest.raises(type(theirs.value)) as ours:
        make(ember)
    assert str(ours.value) == str(theirs.value)


def test_default_align_corners_warns_as_torch():
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        TF.affine_grid(torch.zeros(1, 2, 3), (1, 1, 2, 2))
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        F.affine_grid(ember.zeros(1, 2, 3), (1, 1, 2, 2))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
