"""The few array-level pieces the distributions need that Ember's public ops do not give:
draws from Gamma/Poisson/Binomial on Ember's generator, the Gamma draw's reparameterised
gradient, and a differentiable Cholesky factor and triangular solve (until ember.linalg
provides them)."""
import numpy as np
from scipy import special as sp

import ember
from .._random import rng
from ..autograd import Function
from ..linalg import solve_triangular


def _tiny(dtype):
    return np.finfo(dtype.np).tiny


def _dgamma_sample_dalpha(x, alpha):
    """d x / d alpha for x ~ Gamma(alpha, 1) at a fixed CDF level (implicit reparameterisation):
    -(dP(alpha, x)/d alpha) / (dP(alpha, x)/dx), P the regularised lower incomplete gamma.
    dP/d alpha has no closed form in SciPy; a central difference in float64 is accurate to ~1e-8."""
    x, alpha = np.asarray(x, np.float64), np.asarray(alpha, np.float64)
    h = 1e-5 * np.maximum(alpha, 1e-3)
    dp_dalpha = (sp.gammainc(alpha + h, x) - sp.gammainc(np.maximum(alpha - h, alpha / 2), x)) / \
        (h + np.minimum(h, alpha / 2))
    log_density = (alpha - 1) * np.log(x) - x - sp.gammaln(alpha)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        grad = -dp_dalpha * np.exp(-log_density)
    return np.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)


class _StandardGamma(Function):
    """Gamma(alpha, 1) draws whose gradient with respect to alpha is the implicit one."""

    @staticmethod
    def forward(ctx, alpha):
        a = alpha.detach().numpy()
        x = rng().standard_gamma(a.astype(np.float64)).astype(a.dtype)
        x = np.maximum(x, _tiny(alpha.dtype))  # a draw never rounds to 0, as in torch
        out = ember.from_numpy(np.asarray(x))
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        alpha, x = ctx.saved_tensors
        d = _dgamma_sample_dalpha(x.detach().numpy(), alpha.detach().numpy()).astype(alpha.detach().numpy().dtype)
        return grad * ember.from_numpy(np.asarray(d))


def standard_gamma(alpha):
    """torch._standard_gamma: one Gamma(alpha, 1) draw per element, differentiable in alpha."""
    return _StandardGamma.apply(alpha)


def poisson(rate):
    """torch.poisson: one Poisson(rate) draw per element, in rate's dtype."""
    r = rate.detach().numpy()
    return ember.from_numpy(np.asarray(rng().poisson(r.astype(np.float64)).astype(r.dtype)))


def binomial(count, prob):
    """torch.binomial: one Binomial(count, prob) draw per element."""
    n, p = count.detach().numpy(), prob.detach().numpy()
    draw = rng().binomial(np.round(n).astype(np.int64), np.clip(p.astype(np.float64), 0, 1))
    return ember.from_numpy(np.asarray(draw.astype(p.dtype)))


def cholesky_inverse_lower(L):
    """(L L^T)^-1 from its lower factor L."""
    eye = ember.eye(L.shape[-1], dtype=L.dtype).expand(tuple(L.shape))
    L_inv = solve_triangular(L, eye, upper=False)
    return L_inv.mT @ L_inv

