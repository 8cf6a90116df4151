"""ember.vision.ops' layer blocks and stochastic depth against torchvision.ops 0.28: printed form,
state_dict, outputs from shared weights, and stochastic depth's statistics and errors."""
import numpy as np
import pytest
import torch
import torchvision.ops as tops
from torch import nn as tnn

import ember
from ember import nn
from ember.vision import ops

# (class name, Ember's arguments, torchvision's arguments, input shape)
BLOCKS = [
    ("Conv2dNormActivation", (3, 8), (3, 8), (2, 3, 9, 9)),
    ("Conv2dNormActivation", (3, 8, 3, 2, None, 1, None, nn.Hardswish, 2), (3, 8, 3, 2, None, 1, None, tnn.Hardswish, 2),
     (2, 3, 9, 9)),
    ("Conv2dNormActivation", (4, 4, (1, 5)), (4, 4, (1, 5)), (1, 4, 6, 7)),
    ("Conv3dNormActivation", (2, 4, 3), (2, 4, 3), (1, 2, 5, 5, 5)),
    ("SqueezeExcitation", (8, 2), (8, 2), (2, 8, 5, 5)),
    ("SqueezeExcitation", (8, 4, nn.SiLU, nn.Hardsigmoid), (8, 4, tnn.SiLU, tnn.Hardsigmoid), (2, 8, 5, 5)),
    ("MLP", (6, [12, 4]), (6, [12, 4]), (3, 6)),
    ("MLP", (6, [12, 8, 4], nn.LayerNorm, nn.ReLU, True, False, 0.1),
     (6, [12, 8, 4], tnn.LayerNorm, tnn.ReLU, True, False, 0.1), (3, 6)),
    ("Permute", ([0, 2, 3, 1],), ([0, 2, 3, 1],), (2, 3, 4, 5)),
    ("FrozenBatchNorm2d", (5,), (5,), (2, 5, 3, 3)),
]


@pytest.mark.parametrize("name,e_args,t_args,shape", BLOCKS)
def test_block_equals_torchvisions(name, e_args, t_args, shape):
    e, t = getattr(ops, name)(*e_args), getattr(tops, name)(*t_args)
    assert repr(e) == repr(t)
    state = t.state_dict()
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == [(k, tuple(v.shape)) for k, v in state.items()]
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for k, v in state.items():
            if v.is_floating_point():
                v.copy_(torch.rand(v.shape, generator=g) + 0.5 if "var" in k else torch.randn(v.shape, generator=g))
    e.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in state.items()})
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    want = t.eval()(torch.from_numpy(x)).detach().numpy()
    got = e.eval()(ember.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_stochastic_depth_keeps_or_drops_whole_rows_and_rescales():
    x = ember.ones(4000, 3)
    ember.manual_seed(0)
    y = ops.stochastic_depth(x, 0.25, "row").numpy()
    rows = y[:, 0]
    assert set(np.unique(y).tolist()) <= {0.0, float(np.float32(1) / np.float32(0.75))} and np.all(y == rows[:, None])
    assert abs((rows == 0).mean() - 0.25) < 0.03
    batch = ops.stochastic_depth(x, 0.5, "batch").numpy()
    assert len(np.unique(batch)) == 1 and batch.flat[0] in (0.0, 2.0)
    assert ops.stochastic_depth(x, 0.9, "row", training=False) is x
    assert ops.stochastic_depth(x, 1.0, "row").abs().sum().item() == 0


def test_stochastic_depth_module_and_errors_as_torchvision():
    assert repr(ops.StochasticDepth(0.2, "row")) == repr(tops.StochasticDepth(0.2, "row"))
    m = ops.StochasticDepth(0.5, "row").eval()
    x = ember.randn(3, 2)
    assert ember.equal(m(x), x)
    for p, mode in ((1.5, "row"), (0.5, "column")):
        with pytest.raises(ValueError) as want:
            tops.stochastic_depth(torch.ones(2), p, mode)
        with pytest.raises(ValueError) as got:
            ops.stochastic_depth(ember.ones(2), p, mode)
        assert str(got.value) == str(want.value)


def test_stochastic_depth_gradient_flows_through_kept_rows():
    x = ember.ones(50, 2, requires_grad=True)
    ember.manual_seed(1)
    y = ops.stochastic_depth(x, 0.5, "row")
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())
