"""FeaturePyramidNetwork with LastLevelMaxPool / LastLevelP6P7 (ember.vision.ops.feature_pyramid_network) and
MultiScaleRoIAlign (ember.vision.ops.poolers) against torchvision.ops 0.28: printed form, state_dict keys
and shapes, outputs and gradients from the same weights (torchvision's state_dict loaded into Ember),
the version-1 checkpoint layout, and errors."""
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torchvision.ops as tops
from torch import nn as tnn
from torchvision.ops import feature_pyramid_network as tfpn

import ember
from ember import nn
from ember.vision import ops
from ember.vision.ops import feature_pyramid_network as efpn

_tv_roi_align_module = sys.modules["torchvision.ops.roi_align"]
_tv_eager_roi_align = getattr(_tv_roi_align_module._roi_align, "__wrapped__", _tv_roi_align_module._roi_align)


def randomized_state(module, seed=0):
    """torchvision's state_dict with random values (biases and norms too), as Ember tensors."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for k, v in module.state_dict().items():
            if v.is_floating_point():
                v.copy_(torch.rand(v.shape, generator=g) + 0.5 if "var" in k
                        else torch.randn(v.shape, generator=g) * 0.3)
    return {k: ember.from_numpy(v.numpy().copy()) for k, v in module.state_dict().items()}


def features(channels, sizes, seed=1, n=2):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, c, s, s + 1)).astype(np.float32) for c, s in zip(channels, sizes)]
    names = [f"feat{i}" for i in range(len(arrays))]
    return arrays, names


FPNS = [  # (in_channels_list, out_channels, extra block (name, args), norm)
    ([4, 6, 8], 5, None, False),
    ([3, 5], 4, ("LastLevelMaxPool", ()), False),
    ([4, 6, 8], 8, ("LastLevelP6P7", (8, 8)), False),   # P6 from P5
    ([4, 6, 8], 5, ("LastLevelP6P7", (8, 5)), True),    # P6 from C5, BatchNorm in the blocks
]


@pytest.mark.parametrize("in_channels,out_channels,extra,norm", FPNS)
def test_fpn_equals_torchvisions(in_channels, out_channels, extra, norm):
    eb = getattr(efpn, extra[0])(*extra[1]) if extra else None
    tb = getattr(tfpn, extra[0])(*extra[1]) if extra else None
    e = ops.FeaturePyramidNetwork(in_channels, out_channels, eb, nn.BatchNorm2d if norm else None)
    t = tops.FeaturePyramidNetwork(in_channels, out_channels, tb, tnn.BatchNorm2d if norm else None)
    assert repr(e) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    e.load_state_dict(randomized_state(t))
    e.eval(), t.eval()
    arrays, names = features(in_channels, [16, 8, 4][-len(in_channels):])
    ex = OrderedDict((k, ember.tensor(a, requires_grad=True)) for k, a in zip(names, arrays))
    tx = OrderedDict((k, torch.tensor(a, requires_grad=True)) for k, a in zip(names, arrays))
    got, want = e(ex), t(tx)
    assert list(got.keys()) == list(want.keys())
    for k in want:
        np.testing.assert_allclose(got[k].detach().numpy(), want[k].detach().numpy(), rtol=1e-4, atol=1e-5)
    sum(v.pow(2).sum() for v in got.values()).backward()
    sum(v.pow(2).sum() for v in want.values()).backward()
    for k in names:
        np.testing.assert_allclose(ex[k].grad.numpy(), tx[k].grad.numpy(), rtol=1e-4, atol=1e-4)
    weight = "inner_blocks.0.0.weight"
    np.testing.assert_allclose(dict(e.named_parameters())[weight].grad.numpy(),
                               dict(t.named_parameters())[weight].grad.numpy(), rtol=1e-4, atol=1e-4)


def test_fpn_loads_the_version_1_layout_and_initialises_as_torchvision():
    t = tops.FeaturePyramidNetwork([3, 4], 2)
    state = randomized_state(t)
    old = {k.replace(".0.", "."): v for k, v in state.items()}  # before the blocks became Conv2dNormActivation
    e = ops.FeaturePyramidNetwork([3, 4], 2)
    e.load_state_dict(old)
    for k, v in e.state_dict().items():
        assert ember.equal(v, state[k])
    fresh = ops.FeaturePyramidNetwork([64], 32, efpn.LastLevelP6P7(32, 32))
    w = fresh.inner_blocks[0][0].weight.detach().numpy()
    bound = np.sqrt(6 / ((1 + 1) * 64))  # kaiming_uniform_(a=1): fan_in 64
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound and fresh.inner_blocks[0][0].bias.abs().sum() == 0
    assert fresh.extra_blocks.p6.bias.abs().sum().item() == 0


def test_fpn_errors_as_torchvision():
    for args, kind in ((([3, 0], 4), ValueError), (([3], 4, tnn.ReLU()), TypeError)):
        with pytest.raises(kind) as want:
            tops.FeaturePyramidNetwork(*args)
        e_args = args if len(args) == 2 else args[:2] + (nn.ReLU(),)
        with pytest.raises(kind) as got:
            ops.FeaturePyramidNetwork(*e_args)
        assert str(got.value).split(" not ")[0] == str(want.value).split(" not ")[0]


@pytest.mark.parametrize("names,output_size,sampling_ratio,kwargs", [
    (["feat0", "feat2"], 3, 2, {"canonical_scale": 16, "canonical_level": 2}), (["feat1"], (2, 3), -1, {}),
    (["feat0", "feat1", "feat2"], (2, 2), 2, {"canonical_scale": 16, "canonical_level": 2})])
def test_multiscale_roi_align_equals_torchvisions(names, output_size, sampling_ratio, kwargs, monkeypatch):
    monkeypatch.setattr(_tv_roi_align_module, "_roi_align", _tv_eager_roi_align)
    arrays, all_names = features([3, 3, 3], [32, 16, 8], n=2)
    e = ops.MultiScaleRoIAlign(names, output_size, sampling_ratio, **kwargs)
    t = tops.MultiScaleRoIAlign(names, output_size, sampling_ratio, **kwargs)
    assert repr(e) == repr(t)
    rng = np.random.default_rng(5)
    boxes = []
    for n in (6, 4):  # small and large boxes inside a 64 x 66 image, so several levels are used
        xy = rng.uniform(0, 30, (n, 2))
        boxes.append(np.concatenate([xy, xy + rng.uniform(2, 32, (n, 2))], 1).astype(np.float32))
    ex = OrderedDict((k, ember.tensor(a, requires_grad=True)) for k, a in zip(all_names, arrays))
    tx = OrderedDict((k, torch.tensor(a, requires_grad=True)) for k, a in zip(all_names, arrays))
    shapes = [(64, 66), (60, 62)]
    got = e(ex, [ember.from_numpy(b) for b in boxes], shapes)
    want = t(tx, [torch.from_numpy(b) for b in boxes], shapes)
    assert e.scales == t.scales and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-6)
    if len(names) > 1:
        levels = e.map_levels([ember.from_numpy(b) for b in boxes])
        assert levels.tolist() == t.map_levels([torch.from_numpy(b) for b in boxes]).tolist()
        assert len(set(levels.tolist())) > 1
    got.pow(2).sum().backward()
    want.pow(2).sum().backward()
    for k in all_names:
        e_grad, t_grad = ex[k].grad, tx[k].grad
        assert (e_grad is None) == (t_grad is None)
        if t_grad is not None:
            np.testing.assert_allclose(e_grad.numpy(), t_grad.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="images list should not be empty"):
        ops.MultiScaleRoIAlign(names, output_size, sampling_ratio)(ex, [ember.from_numpy(b) for b in boxes], [])
