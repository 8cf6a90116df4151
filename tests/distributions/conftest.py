"""Shared helpers for the distribution tests: one table of distributions with fixed parameters,
built the same way in Ember and in PyTorch, and comparisons of what they return."""
import math

import numpy as np
import pytest
import torch

import ember

A = np.array


def P(*values):
    """A float64 parameter (made a leaf that requires grad in both libraries)."""
    return np.array(values if len(values) != 1 else values[0], dtype=np.float64)


# name, class, keyword parameters (arrays become differentiable tensors, numbers stay numbers)
CASES = [
    ("Normal", "Normal", dict(loc=P(0.3, -1.0, 2.0), scale=P(1.0, 0.5, 2.5))),
    ("Normal-scalar", "Normal", dict(loc=0.5, scale=2.0)),
    ("Uniform", "Uniform", dict(low=P(-1.0, 0.0), high=P(2.0, 0.5))),
    ("Exponential", "Exponential", dict(rate=P(0.5, 2.0))),
    ("Laplace", "Laplace", dict(loc=P(0.0, 1.0), scale=P(1.0, 0.3))),
    ("Cauchy", "Cauchy", dict(loc=P(0.0, 1.0), scale=P(1.0, 0.3))),
    ("Gamma", "Gamma", dict(concentration=P(0.7, 3.0), rate=P(1.0, 2.0))),
    ("Chi2", "Chi2", dict(df=P(1.5, 4.0))),
    ("Beta", "Beta", dict(concentration1=P(0.8, 2.0), concentration0=P(1.5, 3.0))),
    ("Dirichlet", "Dirichlet", dict(concentration=P([0.8, 2.0, 1.5], [2.0, 3.0, 4.0]))),
    ("StudentT", "StudentT", dict(df=P(0.8, 1.5, 5.0), loc=P(0.0, 1.0, -1.0), scale=P(1.0, 2.0, 0.5))),
    ("LogNormal", "LogNormal", dict(loc=P(0.0, 1.0), scale=P(0.5, 1.0))),
    ("Gumbel", "Gumbel", dict(loc=P(0.0, 1.0), scale=P(0.5, 2.0))),
    ("HalfNormal", "HalfNormal", dict(scale=P(0.5, 2.0))),
    ("HalfCauchy", "HalfCauchy", dict(scale=P(0.5, 2.0))),
    ("Pareto", "Pareto", dict(scale=P(1.0, 2.0, 0.5), alpha=P(0.8, 3.0, 5.0))),
    ("Weibull", "Weibull", dict(scale=P(1.0, 2.0), concentration=P(0.8, 3.0))),
    ("Kumaraswamy", "Kumaraswamy", dict(concentration1=P(2.0, 3.0), concentration0=P(1.5, 4.0))),
    ("FisherSnedecor", "FisherSnedecor", dict(df1=P(3.0, 6.0, 1.5), df2=P(5.0, 10.0, 3.0))),
    ("InverseGamma", "InverseGamma", dict(concentration=P(1.5, 3.0), rate=P(1.0, 2.0))),
    ("LogisticNormal", "LogisticNormal", dict(loc=P([0.5, -1.0, 0.0], [1.0, 0.0, 2.0]), scale=P(1.0, 0.5, 2.0))),
    ("ContinuousBernoulli", "ContinuousBernoulli", dict(probs=P(0.2, 0.4995, 0.9))),
    ("ContinuousBernoulli-logits", "ContinuousBernoulli", dict(logits=P(-1.0, 0.0005, 2.0))),
    ("LKJCholesky", "LKJCholesky", dict(dim=3, concentration=P(0.5, 2.0))),
    ("Wishart", "Wishart", dict(df=P(4.0, 6.5), covariance_matrix=P([2.0, 0.3, 0.1], [0.3, 1.0, -0.2],
                                                                      [0.1, -0.2, 0.7]))),
    ("Wishart-tril", "Wishart", dict(df=5.0, scale_tril=P([1.5, 0.0], [0.4, 0.8]))),
    ("VonMises", "VonMises", dict(loc=P(0.5, -2.0, 3.0), concentration=P(0.3, 2.0, 40.0))),
    ("Bernoulli", "Bernoulli", dict(probs=P(0.2, 0.5, 0.9))),
    ("Bernoulli-logits", "Bernoulli", dict(logits=P(-1.0, 0.0, 2.0))),
    ("Binomial", "Binomial", dict(total_count=5, probs=P(0.2, 0.7))),
    ("Binomial-logits", "Binomial", dict(total_count=P(4.0, 4.0), logits=P(-1.0, 0.5))),
    ("Multinomial", "Multinomial", dict(total_count=6, probs=P([0.2, 0.3, 0.5], [0.6, 0.1, 0.3]))),
    ("Multinomial-logits", "Multinomial", dict(total_count=4, logits=P(0.5, -1.0, 0.0))),
    ("Categorical", "Categorical", dict(probs=P([0.2, 0.3, 0.5], [0.6, 0.1, 0.3]))),
    ("Categorical-logits", "Categorical", dict(logits=P(0.5, -1.0, 0.0, 2.0))),
    ("OneHotCategorical", "OneHotCategorical", dict(probs=P([0.2, 0.3, 0.5], [0.6, 0.1, 0.3]))),
    ("OneHotCategoricalStraightThrough", "OneHotCategoricalStraightThrough", dict(logits=P(0.5, -1.0, 0.0))),
    ("Poisson", "Poisson", dict(rate=P(0.5, 3.0))),
    ("Geometric", "Geometric", dict(probs=P(0.2, 0.7))),
    ("Geometric-logits", "Geometric", dict(logits=P(-1.0, 0.5))),
    ("NegativeBinomial", "NegativeBinomial", dict(total_count=P(3.0, 5.5), probs=P(0.3, 0.6))),
    ("RelaxedBernoulli", "RelaxedBernoulli", dict(temperature=P(0.5), probs=P(0.2, 0.7))),
    ("RelaxedOneHotCategorical", "RelaxedOneHotCategorical", dict(temperature=P(0.7), logits=P(0.5, -1.0, 0.0))),
    ("MultivariateNormal-cov", "MultivariateNormal",
     dict(loc=P(0.5, -1.0, 0.0), covariance_matrix=P([2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.7]))),
    ("MultivariateNormal-tril", "MultivariateNormal",
     dict(loc=P([0.5, -1.0], [0.0, 1.0]), scale_tril=P([1.5, 0.0], [0.4, 0.8]))),
    ("MultivariateNormal-prec", "MultivariateNormal",
     dict(loc=P(0.5, -1.0), precision_matrix=P([2.0, 0.3], [0.3, 1.0]))),
    ("LowRankMultivariateNormal", "LowRankMultivariateNormal",
     dict(loc=P(0.5, -1.0, 0.0), cov_factor=P([1.0, 0.2], [0.3, -0.5], [0.0, 0.4]), cov_diag=P(0.5, 1.0, 2.0))),
]

# torch 2.13's GeneralizedPareto fails on float64 parameters (it compares them with a float32 zero),
# so it is compared in float32 only
FLOAT32_CASES = [
    ("GeneralizedPareto", "GeneralizedPareto", dict(loc=P(0.0, 1.0, -1.0), scale=P(1.0, 2.0, 0.5),
                                                    concentration=P(0.2, 0.0, -0.3))),
]


def tensors(lib, kwargs, dtype="float64", grad=True):
    """The case's parameters as `lib` tensors (leaves requiring grad) or numbers, in order."""
    out = {}
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray):
            t = lib.tensor(v.astype(dtype))
            out[k] = t.requires_grad_(grad) if grad else t
        else:
            out[k] = v
    return out


def build(lib, cls, kwargs, dtype="float64", grad=True):
    """(distribution, its tensor parameters) in `lib` (ember or torch)."""
    params = tensors(lib, kwargs, dtype, grad)
    return getattr(lib.distributions, cls)(**params), params


def to_np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def assert_close(e, t, what="", rtol=1e-9, atol=1e-10):
    """Values (NaN and inf where torch has them), shape and dtype equal."""
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} vs torch {tuple(t.shape)}"
    assert str(e.dtype) == str(t.dtype), f"{what}: dtype {e.dtype} vs torch {t.dtype}"
    np.testing.assert_allclose(to_np(e).astype(np.float64), to_np(t).astype(np.float64), rtol=rtol, atol=atol,
                               equal_nan=True, err_msg=what)


def outcome(fn):
    """('ok', value) or ('raise', exception type name) — what a call did."""
    try:
        return "ok", fn()
    except (NotImplementedError, ValueError, RuntimeError) as exc:
        return "raise", type(exc).__name__


def grads(params, out):
    """Gradients of out.sum() with respect to the tensor parameters (None where unused)."""
    leaves = [v for v in params.values() if hasattr(v, "requires_grad") and v.requires_grad]
    lib = ember if isinstance(out, ember.Tensor) else torch
    gs = lib.autograd.grad(out.sum(), leaves, allow_unused=True, retain_graph=True)
    return gs


@pytest.fixture
def seeded():
    ember.manual_seed(0)
    torch.manual_seed(0)
