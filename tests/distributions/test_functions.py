"""The private pieces under the distributions: the implicit gradient of a Gamma draw, checked
against finite differences of the Gamma quantile, and Gamma/Poisson/Binomial draws by statistics."""
import numpy as np
import pytest
from scipy import special as sp

import ember
from ember.distributions import _functions as F


@pytest.mark.parametrize("alpha", [0.05, 0.3, 1.0, 2.5, 10.0, 150.0])
def test_gamma_draw_gradient_matches_the_quantile_derivative(alpha):
    """At a fixed CDF level u, x(alpha) = P^-1(alpha, u): dx/dalpha by central differences."""
    u = np.array([0.01, 0.2, 0.5, 0.8, 0.99])
    x = sp.gammaincinv(alpha, u)
    h = 1e-6 * alpha
    fd = (sp.gammaincinv(alpha + h, u) - sp.gammaincinv(alpha - h, u)) / (2 * h)
    np.testing.assert_allclose(F._dgamma_sample_dalpha(x, np.full_like(x, alpha)), fd, rtol=2e-5, atol=1e-12)


def test_standard_gamma_backward_uses_the_implicit_gradient():
    ember.manual_seed(0)
    alpha = ember.tensor([0.5, 3.0], dtype=ember.float64, requires_grad=True)
    x = F.standard_gamma(alpha)
    (g,) = ember.autograd.grad(x.sum(), alpha)
    expected = F._dgamma_sample_dalpha(x.detach().numpy(), alpha.detach().numpy())
    np.testing.assert_allclose(g.numpy(), expected)


@pytest.mark.parametrize("draw, mean, var", [
    (lambda: F.standard_gamma(ember.full((40000,), 2.5)), 2.5, 2.5),
    (lambda: F.poisson(ember.full((40000,), 3.0)), 3.0, 3.0),
    (lambda: F.binomial(ember.full((40000,), 10.0), ember.full((40000,), 0.3)), 3.0, 2.1),
])
def test_draws_by_statistics(draw, mean, var):
    ember.manual_seed(1)
    x = draw().numpy()
    assert abs(x.mean() - mean) < 6 * np.sqrt(var / x.size)
    assert abs(x.var() - var) / var < 0.05
