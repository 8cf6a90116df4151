"""deform_conv2d and DeformConv2d (ember.vision.ops.deform_conv) against torchvision.ops 0.28's definition:
torchvision's kernel is C++ that cannot load beside the CPU torch, so the reference here is the operation
written with torch's own grid_sample (bilinear, zero padding) in torch, and, with zero offsets, torch's conv2d.
Values and gradients for input, offset, mask, weight and bias; groups, offset groups, stride, padding,
dilation; DCNv1 and DCNv2; the module's printed form, parameters and errors."""
import math
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
import torchvision.ops as tops

import ember
import ember.nn.functional as F
from ember.vision import ops


def reference(x, offset, weight, bias, stride, padding, dilation, mask):
    """Deformable convolution in torch: every tap sampled with grid_sample, then a grouped product."""
    n, c, h, w = x.shape
    oc, cpg, kh, kw = weight.shape
    taps = kh * kw
    og = offset.shape[1] // (2 * taps)
    oh, ow = offset.shape[2:]
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    cols = []
    for g in range(og):
        xg = x[:, g * c // og:(g + 1) * c // og]
        sampled = []
        for k in range(taps):
            i, j = divmod(k, kw)
            py = (torch.arange(oh, dtype=x.dtype) * sh - ph + i * dh)[:, None] + offset[:, g * 2 * taps + 2 * k]
            px = (torch.arange(ow, dtype=x.dtype) * sw - pw + j * dw)[None, :] + offset[:, g * 2 * taps + 2 * k + 1]
            grid = torch.stack([2 * px / (w - 1) - 1, 2 * py / (h - 1) - 1], -1)
            v = TF.grid_sample(xg, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
            sampled.append(v if mask is None else v * mask[:, g * taps + k][:, None])
        cols.append(torch.stack(sampled, 2))
    groups = c // cpg
    cols = torch.cat(cols, 1).reshape(n, groups, cpg * taps, oh * ow)
    out = torch.einsum("gok,ngkl->ngol", weight.reshape(groups, oc // groups, cpg * taps), cols)
    out = out.reshape(n, oc, oh, ow)
    return out if bias is None else out + bias[None, :, None, None]


CASES = [  # (C, O, kernel, stride, padding, dilation, groups, offset groups, mask, bias)
    (4, 6, (3, 3), (1, 1), (1, 1), (1, 1), 1, 1, False, True),
    (4, 6, (3, 3), (1, 1), (0, 0), (1, 1), 2, 2, True, True),
    (6, 4, (2, 3), (2, 1), (1, 2), (1, 2), 2, 3, True, False),
    (4, 2, (3, 3), (2, 2), (2, 1), (2, 1), 1, 4, True, True),
    (2, 3, (1, 1), (1, 1), (0, 0), (1, 1), 1, 1, False, False),
]


def inputs(case, dtype, seed=0):
    c, o, (kh, kw), stride, padding, dilation, groups, og, use_mask, use_bias = case
    rng = np.random.default_rng(seed)
    n, h, w = 2, 7, 8
    oh = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    arrays = {"input": rng.standard_normal((n, c, h, w)),
              "offset": rng.uniform(-2.5, 2.5, (n, 2 * og * kh * kw, oh, ow)),
              "weight": rng.standard_normal((o, c // groups, kh, kw)),
              "bias": rng.standard_normal(o) if use_bias else None,
              "mask": rng.uniform(0, 1, (n, og * kh * kw, oh, ow)) if use_mask else None}
    return {k: None if v is None else v.astype(dtype) for k, v in arrays.items()}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_deform_conv2d_values_and_gradients(case, dtype):
    arrays = inputs(case, dtype)
    stride, padding, dilation = case[3:6]
    e = {k: None if v is None else ember.tensor(v, requires_grad=True) for k, v in arrays.items()}
    t = {k: None if v is None else torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
    got = ops.deform_conv2d(e["input"], e["offset"], e["weight"], e["bias"], stride, padding, dilation, e["mask"])
    want = reference(t["input"], t["offset"], t["weight"], t["bias"], stride, padding, dilation, t["mask"])
    assert got.dtype == e["input"].dtype and tuple(got.shape) == tuple(want.shape)
    tol = 2e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(9).standard_normal(tuple(want.shape)).astype(dtype)
    got.backward(ember.from_numpy(g))
    want.backward(torch.from_numpy(g))
    for k in arrays:
        if arrays[k] is not None:
            np.testing.assert_allclose(e[k].grad.numpy(), t[k].grad.numpy(), rtol=tol, atol=tol, err_msg=k)


@pytest.mark.parametrize("case", CASES)
def test_zero_offsets_are_a_convolution(case):
    arrays = inputs(case, np.float64, seed=1)
    stride, padding, dilation, groups = case[3:7]
    x, wt = ember.from_numpy(arrays["input"]), ember.from_numpy(arrays["weight"])
    b = None if arrays["bias"] is None else ember.from_numpy(arrays["bias"])
    got = ops.deform_conv2d(x, ember.zeros(*arrays["offset"].shape, dtype=ember.float64), wt, b, stride, padding,
                            dilation)
    want = TF.conv2d(torch.from_numpy(arrays["input"]), torch.from_numpy(arrays["weight"]),
                     None if b is None else torch.from_numpy(arrays["bias"]), stride, padding, dilation, groups)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got.numpy(), F.conv2d(x, wt, b, stride, padding, dilation, groups).numpy(),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("args", [(4, 6, 3), (4, 6, (3, 2), 2, 1, 2, 2, False), (3, 3, 1, 1, 0, 1, 3)])
def test_module_equals_torchvisions(args):
    e, t = ops.DeformConv2d(*args), tops.DeformConv2d(*args)
    assert repr(e) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    fan_in = e.weight[0].numel()
    assert np.abs(e.weight.detach().numpy()).max() <= math.sqrt(6 / ((1 + 5) * fan_in))  # kaiming_uniform_(a=sqrt 5)
    e.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    x = ember.randn(1, args[0], 6, 6)
    kh, kw = e.kernel_size
    oh = (6 + 2 * e.padding[0] - e.dilation[0] * (kh - 1) - 1) // e.stride[0] + 1
    ow = (6 + 2 * e.padding[1] - e.dilation[1] * (kw - 1) - 1) // e.stride[1] + 1
    offset, mask = ember.rand(1, 2 * kh * kw, oh, ow), ember.rand(1, kh * kw, oh, ow)
    assert ember.equal(e(x, offset, mask), ops.deform_conv2d(x, offset, e.weight, e.bias, e.stride, e.padding,
                                                             e.dilation, mask))


def test_errors_as_torchvision(monkeypatch):
    for args in ((4, 6, 3, 1, 0, 1, 3), (4, 6, 3, 1, 0, 1, 4)):
        with pytest.raises(ValueError) as want:
            tops.DeformConv2d(*args)
        with pytest.raises(ValueError) as got:
            ops.DeformConv2d(*args)
        assert str(got.value) == str(want.value)
    # torchvision's Python-level check (its C++ kernel is not needed to reach it)
    monkeypatch.setattr(sys.modules["torchvision.ops.deform_conv"], "_assert_has_ops", lambda: None)
    with pytest.raises(RuntimeError) as want:
        tops.deform_conv2d(torch.zeros(1, 2, 5, 5), torch.zeros(1, 4, 3, 3), torch.zeros(3, 2, 3, 3))
    with pytest.raises(RuntimeError) as got:
        ops.deform_conv2d(ember.zeros(1, 2, 5, 5), ember.zeros(1, 4, 3, 3), ember.zeros(3, 2, 3, 3))
    assert str(got.value) == str(want.value)
    x, w = ember.zeros(1, 2, 5, 5), ember.zeros(3, 2, 3, 3)
    for offset, mask, match in ((ember.zeros(1, 27, 3, 3), None, "offset.shape"),
                                (ember.zeros(1, 18, 4, 3), None, "offset output dims"),
                                (ember.zeros(2, 18, 3, 3), None, "batch size of offset"),
                                (ember.zeros(1, 18, 3, 3), ember.zeros(1, 8, 3, 3), "mask.shape"),
                                (ember.zeros(1, 18, 3, 3), ember.zeros(1, 9, 2, 3), "mask output dims")):
        with pytest.raises(RuntimeError, match=match):
            ops.deform_conv2d(x, offset, w, mask=mask)
