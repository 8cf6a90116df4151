"""The compiled loops' float32 exp (ember._kernels.vmath) and the kernels built on it, against float64
references and against torch at the sizes where Ember takes the compiled paths."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F

numba = pytest.importorskip("numba")
from ember._kernels import fused, softmax  # noqa: E402
from ember._kernels.vmath import exp, fma  # noqa: E402

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 88.7, 88.8, 89.5, -87.0, -87.5, -100.0,
                    -103.5, -104.5, -200.0], np.float32)


@numba.njit
def _exp_all(x, out):
    for i in range(x.size):
        out[i] = exp(x[i])


def test_exp_float32_within_two_ulps_and_special_values_as_numpy():
    x = np.concatenate([np.random.default_rng(0).normal(0, 30, 200_000).astype(np.float32), SPECIAL])
    out = np.empty_like(x)
    _exp_all(x, out)
    assert out.dtype == np.float32
    ref = np.exp(x.astype(np.float64))
    normal = np.isfinite(ref) & (ref >= np.finfo(np.float32).tiny) & (ref <= np.finfo(np.float32).max)
    ulps = np.abs(out[normal] - ref[normal]) / np.spacing(ref[normal].astype(np.float32))
    assert ulps.max() <= 2
    sub = (ref < np.finfo(np.float32).tiny)  # subnormals and underflow to 0: within one subnormal step
    assert np.all(np.abs(out[sub] - ref[sub]) <= 1.5 * 2.0 ** -149)
    with np.errstate(over="ignore"):
        expected = np.exp(SPECIAL)
    ours = out[-len(SPECIAL):]
    exact = ~np.isfinite(expected) | (expected == 0) | (expected == 1)  # nan, inf, overflow, underflow to 0, 1
    np.testing.assert_array_equal(ours[exact], expected[exact])
    np.testing.assert_allclose(ours[~exact], expected[~exact], rtol=2.5e-7, atol=0)


def test_exp_float64_is_math_exp():
    x = np.random.default_rng(1).normal(0, 10, 1000)
    out = np.empty_like(x)
    _exp_all(x, out)
    np.testing.assert_array_equal(out, [math.exp(v) for v in x])


def test_fma_rounds_once():
    @numba.njit
    def err(a, b):
        hi = a * b
        return fma(a, b, -hi)
    a, b = np.float32(1.1), np.float32(1.3)
    exact = float(a) * float(b) - float(np.float32(a * b))
    assert err(a, b) == np.float32(exact) and exact != 0


def test_gelu_kernel_float32_error_against_float64_erf():
    from scipy.special import erf
    x = np.concatenate([np.random.default_rng(2).normal(0, 3, 300_000).astype(np.float32),
                        np.array([0, -0.0, 7.7, -7.7, 8, -8, np.inf, -np.inf, np.nan], np.float32)])
    xd = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        cdf = 0.5 * (1 + erf(xd / math.sqrt(2)))
        refs = {"value": xd * cdf, "slope": cdf + xd * np.exp(-xd * xd / 2) / math.sqrt(2 * math.pi)}
    out, slope, alone = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    fused._compiled("gelu")(x, out, slope)
    fused._compiled("gelu")(x, alone, np.empty(0, np.float32))
    for kind, values in (("value", out), ("slope", slope)):
        ref = refs[kind]
        finite = np.isfinite(ref)
        err = np.abs(values[finite] - ref[finite]) / np.maximum(np.abs(ref[finite]), 1.0)
        assert err.max() <= 4 * 2.0 ** -24, (kind, err.max())
    np.testing.assert_array_equal(alone, out)  # the loop without the slope writes the same values
    t = torch.nn.functional.gelu(torch.from_numpy(x[-9:]))
    np.testing.assert_array_equal(np.isnan(F.gelu(ember.from_numpy(x[-9:])).numpy()), np.isnan(t.numpy()))


@pytest.mark.parametrize("shape", [(700, 10000), (3, 64, 4099)])
def test_large_log_softmax_forward_backward_matches_torch(shape):
    rng = np.random.default_rng(3)
    a = (rng.normal(0, 6, shape)).astype(np.float32)
    a.reshape(-1)[5] = -np.inf
    g = rng.normal(0, 1, shape).astype(np.float32)
    t = torch.from_numpy(a).requires_grad_()
    e = ember.from_numpy(a.copy()).requires_grad_()
    ty, ey = torch.log_softmax(t, -1), F.log_softmax(e, -1)
    ty.backward(torch.from_numpy(g))
    ey.backward(ember.from_numpy(g))
    assert softmax._kernels(a) is not None  # the compiled path is the one compared
    ad, gd = a.astype(np.float64), g.astype(np.float64)  # float64 references: as close to them as torch
    ref_y = ad - ad.max(-1, keepdims=True)
    ref_y -= np.log(np.exp(ref_y).sum(-1, keepdims=True))
    ref_g = gd - np.exp(ref_y) * gd.sum(-1, keepdims=True)
    for ours, theirs, ref in ((ey.detach().numpy(), ty.detach().numpy(), ref_y), (e.grad.numpy(), t.grad.numpy(), ref_g)):
        finite = np.isfinite(ref)
        np.testing.assert_array_equal(ours[~finite], ref[~finite])  # the -inf logit's -inf
        ref = np.where(finite, ref, 0)
        scale = np.abs(ref).max(-1, keepdims=True)  # round-off is relative to a row's largest entries
        err = [(np.abs(np.where(finite, z, 0) - ref) / scale).max() for z in (ours, theirs)]
        assert err[0] <= max(2 * err[1], 2e-7), err


def test_log_softmax_row_with_nan_or_inf_as_torch():
    a = np.random.default_rng(4).normal(0, 1, (64, 2048)).astype(np.float32)
    a[1, 7], a[2, 3], a[3, :] = np.nan, np.inf, -np.inf
    ours, theirs = F.log_softmax(ember.from_numpy(a), 1).numpy(), torch.log_softmax(torch.from_numpy(a), 1).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours[~np.isnan(ours)], theirs[~np.isnan(theirs)], rtol=1e-5, atol=1e-5)


def test_causal_attention_float32_matches_torch():
    rng = np.random.default_rng(5)
    q, k, v = (rng.normal(0, 1, (12, 4, 64, 32)).astype(np.float32) for _ in range(3))
    g = rng.normal(0, 1, (12, 4, 64, 32)).astype(np.float32)
    tq, tk, tv = (torch.from_numpy(z).requires_grad_() for z in (q, k, v))
    eq, ek, ev = (ember.from_numpy(z.copy()).requires_grad_() for z in (q, k, v))
    to = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    eo = F.scaled_dot_product_attention(eq, ek, ev, is_causal=True)
    to.backward(torch.from_numpy(g))
    eo.backward(ember.from_numpy(g))
    assert eo.dtype == ember.float32
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=2e-6)
    for e, t in ((eq, tq), (ek, tk), (ev, tv)):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)
