"""kl_divergence for every pair torch registers (and Ember implements), against torch: values
(inf where the supports do not nest), gradients, dispatch and the errors for unknown pairs."""
import numpy as np
import pytest
import torch
import torch.distributions.kl as torch_kl

import ember
from tests.distributions.conftest import P, assert_close, grads, outcome, tensors

# one batch-(2,) instance per family, parameters chosen so that most cross pairs are finite
KL_PARAMS = {
    "Bernoulli": dict(probs=P(0.3, 0.8)),
    "Beta": dict(concentration1=P(1.5, 0.7), concentration0=P(2.0, 3.0)),
    "Binomial": dict(total_count=P(5.0, 5.0), probs=P(0.3, 0.6)),
    "Categorical": dict(probs=P([0.2, 0.3, 0.5], [0.6, 0.1, 0.3])),
    "Cauchy": dict(loc=P(0.0, 1.0), scale=P(1.0, 0.5)),
    "ContinuousBernoulli": dict(probs=P(0.2, 0.4995)),
    "Dirichlet": dict(concentration=P([0.8, 2.0, 1.5], [2.0, 3.0, 4.0])),
    "Exponential": dict(rate=P(0.5, 2.0)),
    "Gamma": dict(concentration=P(0.7, 3.0), rate=P(1.0, 2.0)),
    "Geometric": dict(probs=P(0.2, 0.7)),
    "Gumbel": dict(loc=P(0.0, 1.0), scale=P(0.5, 2.0)),
    "HalfNormal": dict(scale=P(0.5, 2.0)),
    "Laplace": dict(loc=P(0.0, 1.0), scale=P(1.0, 0.3)),
    "LowRankMultivariateNormal": dict(loc=P([0.5, -1.0], [0.0, 1.0]), cov_factor=P([1.0, 0.2], [0.3, -0.5]),
                                      cov_diag=P(0.5, 1.0)),
    "MultivariateNormal": dict(loc=P([0.5, -1.0], [0.0, 1.0]), covariance_matrix=P([2.0, 0.3], [0.3, 1.0])),
    "Normal": dict(loc=P(0.3, -1.0), scale=P(1.0, 0.5)),
    "OneHotCategorical": dict(logits=P([0.5, -1.0, 0.0], [1.0, 2.0, 0.0])),
    "Pareto": dict(scale=P(0.05, 0.5), alpha=P(2.5, 1.5)),
    "Poisson": dict(rate=P(0.5, 3.0)),
    "Uniform": dict(low=P(0.0, 0.6), high=P(1.0, 0.9)),
}
SECOND = {  # q's parameters when p and q are of the same family
    "Bernoulli": dict(probs=P(0.5, 0.1)),
    "Beta": dict(concentration1=P(2.5, 1.0), concentration0=P(1.0, 0.5)),
    "Binomial": dict(total_count=P(5.0, 7.0), logits=P(0.5, -1.0)),
    "Categorical": dict(logits=P(0.5, -1.0, 0.0)),
    "Cauchy": dict(loc=P(1.0, -1.0), scale=P(2.0, 0.5)),
    "ContinuousBernoulli": dict(logits=P(1.5, -0.3)),
    "Dirichlet": dict(concentration=P(1.0, 1.5, 0.5)),
    "Exponential": dict(rate=P(1.5, 0.3)),
    "Gamma": dict(concentration=P(2.0, 1.0), rate=P(0.5, 3.0)),
    "Geometric": dict(logits=P(0.5, -1.0)),
    "Gumbel": dict(loc=P(1.0, -1.0), scale=P(1.5, 0.5)),
    "HalfNormal": dict(scale=P(1.5, 0.2)),
    "Laplace": dict(loc=P(1.0, -1.0), scale=P(0.5, 2.0)),
    "LowRankMultivariateNormal": dict(loc=P(0.0, 0.5), cov_factor=P([[0.5], [1.0]], [[0.2], [0.1]]),
                                      cov_diag=P([1.0, 2.0], [0.5, 0.3])),
    "MultivariateNormal": dict(loc=P(0.0, 0.5), scale_tril=P([[1.0, 0.0], [0.5, 2.0]], [[0.5, 0.0], [-0.3, 1.0]])),
    "Normal": dict(loc=P(1.0, 0.0), scale=P(2.0, 0.3)),
    "OneHotCategorical": dict(probs=P(0.2, 0.3, 0.5)),
    "Pareto": dict(scale=P(0.1, 0.2), alpha=P(1.5, 4.0)),
    "Poisson": dict(rate=P(2.0, 0.2)),
    "Uniform": dict(low=P(-1.0, 0.7), high=P(2.0, 1.0)),
}


# torch marks these infinite also when the supports only touch (Uniform(0, 1) against
# ContinuousBernoulli); Ember's are finite there, so the shared cases keep off the boundary
PAIR_PARAMS = {
    ("ContinuousBernoulli", "Uniform"): (None, dict(low=P(-0.5, 0.2), high=P(1.5, 0.9))),
    ("Uniform", "ContinuousBernoulli"): (dict(low=P(0.1, -0.2), high=P(0.9, 0.5)), None),
}


def make(lib, name, params):
    return getattr(lib.distributions, name)(**params)


def torch_pairs():
    out = []
    for (tp, tq) in torch_kl._KL_REGISTRY:
        names = (tp.__name__, tq.__name__)
        if all(n in KL_PARAMS for n in names):
            out.append(names)
    return sorted(out)


PAIRS = torch_pairs()


def test_the_registered_pairs_cover_torch():
    """Ember registers every pair torch does among the families both have."""
    mine = {(p.__name__, q.__name__) for p, q in ember.distributions.kl._KL_REGISTRY}
    theirs = {(p.__name__, q.__name__) for p, q in torch_kl._KL_REGISTRY
              if hasattr(ember.distributions, p.__name__) and hasattr(ember.distributions, q.__name__)}
    assert theirs <= mine, sorted(theirs - mine)


@pytest.mark.parametrize("pq", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_kl_divergence(pq):
    name_p, name_q = pq
    params_q = SECOND[name_q] if name_p == name_q else KL_PARAMS[name_q]
    params_p = KL_PARAMS[name_p]
    special_p, special_q = PAIR_PARAMS.get(pq, (None, None))
    params_p, params_q = special_p or params_p, special_q or params_q
    pe, pt = tensors(ember, params_p), tensors(torch, params_p)
    qe, qt = tensors(ember, params_q), tensors(torch, params_q)
    (es, ev), (ts, tv) = (outcome(lambda: ember.distributions.kl_divergence(make(ember, name_p, pe), make(ember, name_q, qe))),
                          outcome(lambda: torch.distributions.kl_divergence(make(torch, name_p, pt), make(torch, name_q, qt))))
    assert es == ts, f"{ev} vs torch {tv}"
    if ts == "raise":
        assert ev == tv
        return
    assert_close(ev, tv, "kl", rtol=1e-8, atol=1e-10)
    finite = torch.isfinite(tv)
    if finite.any() and tv.requires_grad:
        mask_e, mask_t = ember.tensor(finite.numpy()), finite
        all_e, all_t = {**pe, **{"q_" + k: v for k, v in qe.items()}}, {**pt, **{"q_" + k: v for k, v in qt.items()}}
        ge = grads(all_e, ember.where(mask_e, ev, ember.zeros_like(ev)))
        gt = grads(all_t, torch.where(mask_t, tv, torch.zeros_like(tv)))
        for k, a, b in zip(all_e, ge, gt):
            if b is not None:
                assert a is not None, f"no gradient for {k}"
                assert_close(a, b, f"d kl / d {k}", rtol=1e-7, atol=1e-9)


def test_kl_against_uniform_where_supports_touch():
    """KL(ContinuousBernoulli || Uniform(0, 1)) is minus the entropy, and KL(Uniform(0, 1) || ContinuousBernoulli)
    is finite: the supports are the same interval (torch 2.13 answers inf for both)."""
    D = ember.distributions
    cb, u = D.ContinuousBernoulli(ember.tensor([0.2, 0.7])), D.Uniform(ember.zeros(2), ember.ones(2))
    assert_close(D.kl_divergence(cb, u), -cb.entropy(), "KL(CB || U(0, 1))")
    kl = D.kl_divergence(u, cb)
    x = ember.linspace(0.0005, 0.9995, 1000).unsqueeze(-1)  # midpoint rule for E_u[-log q(x)]
    assert_close(kl, -cb.log_prob(x).mean(0), "KL(U(0, 1) || CB)", rtol=1e-5)


def test_kl_of_transformed_and_independent():
    for lib in (ember, torch):
        D = lib.distributions
        p = D.Independent(D.LogNormal(lib.tensor([[0.0, 1.0]]), lib.tensor([[1.0, 2.0]])), 1)
        q = D.Independent(D.LogNormal(lib.tensor([[0.5, 0.0]]), lib.tensor([[0.5, 1.0]])), 1)
        if lib is ember:
            e = D.kl_divergence(p, q)
        else:
            t = D.kl_divergence(p, q)
    assert_close(e, t, "Independent(LogNormal)", rtol=1e-6, atol=1e-7)


def test_bregman_rule_matches_the_closed_form():
    """The exponential-family fallback (Bregman divergence of the log-normaliser)."""
    p, q = ember.distributions.Normal(0.3, 1.5), ember.distributions.Normal(-1.0, 0.5)
    tp, tq = torch.distributions.Normal(0.3, 1.5), torch.distributions.Normal(-1.0, 0.5)
    e = ember.distributions.kl._kl_expfamily_expfamily(p, q)
    t = torch_kl._kl_expfamily_expfamily(tp, tq)
    assert_close(e, t, "Bregman", rtol=1e-6, atol=1e-6)


def test_unregistered_pair_and_register_kl():
    D = ember.distributions
    p, q = D.Cauchy(0.0, 1.0), D.Laplace(0.0, 1.0)
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Cauchy and q type "
                                                  "Laplace"):
        D.kl_divergence(p, q)

    class MyCauchy(D.Cauchy):
        pass

    @D.register_kl(MyCauchy, D.Laplace)
    def _mine(p, q):
        return ember.tensor(42.0)

    try:
        assert D.kl_divergence(MyCauchy(0.0, 1.0), q).item() == 42.0
        with pytest.raises(NotImplementedError):
            D.kl_divergence(p, q)
    finally:
        del D.kl._KL_REGISTRY[MyCauchy, D.Laplace]
        D.kl._KL_MEMOIZE.clear()


def test_wishart_kl_through_the_exponential_family_rule():
    cov_p = np.array([[2.0, 0.3], [0.3, 1.0]])
    cov_q = np.array([[1.0, -0.2], [-0.2, 0.5]])
    e = ember.distributions.kl_divergence(ember.distributions.Wishart(5.0, ember.tensor(cov_p)),
                                          ember.distributions.Wishart(3.5, ember.tensor(cov_q)))
    t = torch.distributions.kl_divergence(torch.distributions.Wishart(5.0, torch.tensor(cov_p)),
                                          torch.distributions.Wishart(3.5, torch.tensor(cov_q)))
    assert_close(e, t, "KL(Wishart || Wishart)", rtol=1e-6, atol=1e-8)
