"""nn.init and every layer's default initialisation, checked against the documented
distributions (bounds and moments of large draws) and against torch's gains, fans and errors."""
import math

import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import raises_like

init = ember.nn.init


def big(*shape):
    ember.manual_seed(0)
    return ember.empty(*shape)


def moments(t):
    a = t.detach().numpy().astype(np.float64).ravel()
    return a.min(), a.max(), a.mean(), a.std()


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("selu",),
                                  ("leaky_relu",), ("leaky_relu", 0.2), ("leaky_relu", 0)])
def test_calculate_gain_matches_torch(args):
    assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


@pytest.mark.parametrize("args", [("foo",), ("leaky_relu", "x"), ("leaky_relu", True)])
def test_calculate_gain_errors(args):
    t_exc, e_exc = raises_like(lambda: torch.nn.init.calculate_gain(*args), lambda: init.calculate_gain(*args))
    assert str(e_exc) == str(t_exc)


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5, 5), (6, 2, 7), (2, 3, 2, 2, 2)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(ember.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fan_error():
    t_exc, e_exc = raises_like(lambda: torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(3)),
                               lambda: init._calculate_fan_in_and_fan_out(ember.empty(3)))
    assert str(e_exc) == str(t_exc)


def _uniform_ok(t, bound):
    lo, hi, mean, std = moments(t)
    assert -bound <= lo and hi <= bound and lo < -0.98 * bound and hi > 0.98 * bound
    assert abs(mean) < 0.02 * bound and abs(std - bound / math.sqrt(3)) < 0.02 * bound


def _normal_ok(t, std, mean=0.0):
    _, _, m, s = moments(t)
    assert abs(m - mean) < 0.02 * std and abs(s - std) < 0.02 * std


def test_uniform_normal_constant():
    t = init.uniform_(big(200, 100), -2.0, 3.0)
    lo, hi, mean, _ = moments(t)
    assert -2 <= lo < -1.99 and 2.99 < hi <= 3 and abs(mean - 0.5) < 0.05
    _normal_ok(init.normal_(big(200, 100), 1.5, 0.5), 0.5, 1.5)
    assert init.constant_(big(3, 3), 0.25).tolist() == [[0.25] * 3] * 3
    assert init.ones_(big(2)).tolist() == [1.0, 1.0] and init.zeros_(big(2)).tolist() == [0.0, 0.0]


def test_trunc_normal_bounds_and_moments():
    t = init.trunc_normal_(big(300, 100), mean=0.5, std=1.0, a=-1.0, b=2.0)
    lo, hi, mean, std = moments(t)
    ref = torch.distributions.Normal(0.5, 1.0)
    alpha, beta = torch.tensor(-1.5), torch.tensor(1.5)  # standardised bounds
    z = ref.cdf(torch.tensor(2.0)) - ref.cdf(torch.tensor(-1.0))
    pdf = torch.distributions.Normal(0, 1).log_prob
    expected_std = math.sqrt(1 + float((alpha * pdf(alpha).exp() - beta * pdf(beta).exp()) / z))
    assert -1.0 <= lo and hi <= 2.0 and abs(mean - 0.5) < 0.02 and abs(std - expected_std) < 0.02


@pytest.mark.parametrize("shape", [(64, 128), (32, 16, 3, 3)])
def test_xavier(shape):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    std = math.sqrt(2.0 / (fan_in + fan_out))
    _uniform_ok(init.xavier_uniform_(big(*shape), gain=2.0), 2.0 * std * math.sqrt(3))
    _normal_ok(init.xavier_normal_(big(*shape)), std)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0), ("leaky_relu", 0.1), ("leaky_relu", math.sqrt(5)),
                                            ("tanh", 0)])
def test_kaiming(mode, nonlinearity, a):
    shape = (64, 32, 3, 3)
    fan = torch.nn.init._calculate_correct_fan(torch.empty(*shape), mode)
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    _uniform_ok(init.kaiming_uniform_(big(*shape), a=a, mode=mode, nonlinearity=nonlinearity), std * math.sqrt(3))
    _normal_ok(init.kaiming_normal_(big(*shape), a=a, mode=mode, nonlinearity=nonlinearity), std)


def test_kaiming_errors_and_zero_element_warning():
    t_exc, e_exc = raises_like(lambda: torch.nn.init.kaiming_uniform_(torch.empty(3, 4), mode="fan_avg"),
                               lambda: init.kaiming_uniform_(ember.empty(3, 4), mode="fan_avg"))
    assert str(e_exc) == str(t_exc)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_normal_(ember.empty(0, 3))


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (6, 2, 3)])
def test_orthogonal(shape):
    t = init.orthogonal_(big(*shape), gain=2.0)
    m = t.numpy().reshape(shape[0], -1).astype(np.float64)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-4)
    raises_like(lambda: torch.nn.init.orthogonal_(torch.empty(3)), lambda: init.orthogonal_(ember.empty(3)))


def test_eye_dirac_sparse():
    assert init.eye_(ember.empty(2, 3)).tolist() == torch.nn.init.eye_(torch.empty(2, 3)).tolist()
    for shape, groups in (((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 2, 1, 3, 3), 1)):
        assert init.dirac_(ember.empty(*shape), groups).tolist() == \
            torch.nn.init.dirac_(torch.empty(*shape), groups).tolist()
    raises_like(lambda: torch.nn.init.dirac_(torch.empty(3, 3)), lambda: init.dirac_(ember.empty(3, 3)))
    raises_like(lambda: torch.nn.init.eye_(torch.empty(3)), lambda: init.eye_(ember.empty(3)))
    s = init.sparse_(big(100, 40), 0.3, std=0.5).numpy()
    assert ((s == 0).sum(0) >= 30).all()


def test_init_works_on_parameters_that_require_grad():
    p = ember.nn.Parameter(ember.empty(3, 4))
    init.kaiming_uniform_(p, a=math.sqrt(5))
    assert p.requires_grad and p.grad_fn is None and p.is_leaf


# ---------------------------------------------------------------------- default initialisation of layers
def test_linear_default_init():
    ember.manual_seed(0)
    w = ember.cat([ember.nn.Linear(400, 300).weight.reshape(-1) for _ in range(2)])
    _uniform_ok(w, 1 / math.sqrt(400))
    b = ember.cat([ember.nn.Linear(100, 1000).bias for _ in range(20)])
    _uniform_ok(b, 1 / math.sqrt(100))


def test_bilinear_and_embedding_and_norm_defaults():
    ember.manual_seed(0)
    _uniform_ok(ember.nn.Bilinear(50, 20, 100).weight, 1 / math.sqrt(50))
    _normal_ok(ember.nn.Embedding(1000, 64).weight, 1.0)
    for m in (ember.nn.BatchNorm2d(5), ember.nn.LayerNorm(5), ember.nn.GroupNorm(1, 5),
              ember.nn.InstanceNorm1d(5, affine=True)):
        assert m.weight.tolist() == [1.0] * 5 and m.bias.tolist() == [0.0] * 5
    bn = ember.nn.BatchNorm1d(3)
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert ember.nn.PReLU(3).weight.tolist() == pytest.approx([0.25] * 3)


def test_manual_seed_makes_initialisation_reproducible():
    ember.manual_seed(42)
    a = ember.nn.Linear(4, 3).weight.tolist()
    ember.manual_seed(42)
    assert ember.nn.Linear(4, 3).weight.tolist() == a
