"""sigmoid_focal_loss against torchvision.ops': values, gradients and errors."""
import numpy as np
import pytest
import torch
import torchvision.ops as tops

import ember
from ember.vision import ops


@pytest.mark.parametrize("alpha,gamma,reduction", [(0.25, 2, "none"), (0.5, 0, "mean"), (-1, 1.5, "sum"),
                                                   (1.0, 3, "mean")])
def test_sigmoid_focal_loss_equals_torchvisions(alpha, gamma, reduction):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5)).astype(np.float32) * 3
    y = (rng.random((4, 5)) > 0.7).astype(np.float32)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    got = ops.sigmoid_focal_loss(ex, ember.from_numpy(y), alpha, gamma, reduction)
    want = tops.sigmoid_focal_loss(tx, torch.from_numpy(y), alpha, gamma, reduction)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-6)
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"alpha": 1.5}, {"reduction": "max"}])
def test_sigmoid_focal_loss_errors_as_torchvision(kwargs):
    with pytest.raises(ValueError) as want:
        tops.sigmoid_focal_loss(torch.zeros(2), torch.zeros(2), **kwargs)
    with pytest.raises(ValueError) as got:
        ops.sigmoid_focal_loss(ember.zeros(2), ember.zeros(2), **kwargs)
    assert str(got.value) == str(want.value)
