"""validate_args: bad parameters and out-of-support values raise what torch raises (type and
the whole message, printed tensors included); validation can be switched off."""
import pytest
import torch

import ember

ERRORS = {
    "Normal-scale": lambda D, L: D.Normal(L.tensor([0.0, 1.0]), L.tensor([-1.0, 1.0])),
    "Normal-nan-loc": lambda D, L: D.Normal(L.tensor([float("nan")]), L.tensor([1.0])),
    "Gamma-rate": lambda D, L: D.Gamma(L.tensor(1.0), L.tensor(0.0)),
    "Beta": lambda D, L: D.Beta(L.tensor([1.0, -2.0]), L.tensor([1.0, 1.0])),
    "Dirichlet": lambda D, L: D.Dirichlet(L.tensor([1.0, 0.0])),
    "Dirichlet-0d": lambda D, L: D.Dirichlet(L.tensor(1.0)),
    "Uniform": lambda D, L: D.Uniform(L.tensor([0.0, 2.0]), L.tensor([1.0, 1.0])),
    "Bernoulli-probs": lambda D, L: D.Bernoulli(L.tensor([0.5, 1.5])),
    "Bernoulli-both": lambda D, L: D.Bernoulli(probs=0.3, logits=0.1),
    "Bernoulli-none": lambda D, L: D.Bernoulli(),
    "Categorical-0d": lambda D, L: D.Categorical(L.tensor(0.3)),
    "Categorical-logits-0d": lambda D, L: D.Categorical(logits=L.tensor(0.3)),
    "Categorical-negative": lambda D, L: D.Categorical(L.tensor([0.5, -0.1])),
    "Geometric-zero": lambda D, L: D.Geometric(L.tensor([0.0, 0.5])),
    "Binomial-count": lambda D, L: D.Binomial(L.tensor([2.5]), L.tensor([0.5])),
    "Poisson": lambda D, L: D.Poisson(L.tensor([-1.0])),
    "Exponential": lambda D, L: D.Exponential(L.tensor([0.0])),
    "StudentT-df": lambda D, L: D.StudentT(L.tensor([-1.0])),
    "MVN-none": lambda D, L: D.MultivariateNormal(L.zeros(2)),
    "MVN-two": lambda D, L: D.MultivariateNormal(L.zeros(2), L.eye(2), scale_tril=L.eye(2)),
    "MVN-loc-0d": lambda D, L: D.MultivariateNormal(L.tensor(0.0), L.eye(2)),
    "MVN-1d-matrix": lambda D, L: D.MultivariateNormal(L.zeros(2), L.ones(2)),
    "MVN-not-pd": lambda D, L: D.MultivariateNormal(L.zeros(2), L.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "MVN-tril": lambda D, L: D.MultivariateNormal(L.zeros(2), scale_tril=L.tensor([[1.0, 0.0], [0.5, -1.0]])),
    "LowRank-factor": lambda D, L: D.LowRankMultivariateNormal(L.zeros(2), L.ones(3, 1), L.ones(2)),
    "LowRank-diag": lambda D, L: D.LowRankMultivariateNormal(L.zeros(2), L.ones(2, 1), L.ones(3)),
    "LowRank-1d-factor": lambda D, L: D.LowRankMultivariateNormal(L.zeros(2), L.ones(2), L.ones(2)),
    "Independent": lambda D, L: D.Independent(D.Normal(L.zeros(2), L.ones(2)), 2),
    "Mixture-type": lambda D, L: D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(L.zeros(2), L.ones(2))),
    "Mixture-size": lambda D, L: D.MixtureSameFamily(D.Categorical(L.ones(3)), D.Normal(L.zeros(2), L.ones(2))),
    "Transformed": lambda D, L: D.TransformedDistribution(D.Normal(0.0, 1.0), "exp"),
    "log_prob-support-Bernoulli": lambda D, L: D.Bernoulli(L.tensor(0.3)).log_prob(L.tensor(0.5)),
    "log_prob-support-Categorical": lambda D, L: D.Categorical(L.tensor([0.3, 0.7])).log_prob(L.tensor(5)),
    "log_prob-support-Gamma": lambda D, L: D.Gamma(L.tensor([1.0]), L.tensor([1.0])).log_prob(L.tensor([-1.0])),
    "log_prob-support-Dirichlet": lambda D, L: D.Dirichlet(L.ones(3)).log_prob(L.tensor([0.5, 0.2, 0.2])),
    "log_prob-support-Uniform": lambda D, L: D.Uniform(0.0, 1.0).log_prob(L.tensor([2.0])),
    "log_prob-not-tensor": lambda D, L: D.Normal(0.0, 1.0).log_prob(0.5),
    "log_prob-event-shape": lambda D, L: D.MultivariateNormal(L.zeros(3), L.eye(3)).log_prob(L.zeros(2)),
    "log_prob-broadcast": lambda D, L: D.Normal(L.zeros(3), L.ones(3)).log_prob(L.zeros(2)),
    "Binomial-entropy": lambda D, L: D.Binomial(L.tensor([2.0, 3.0]), L.tensor([0.5, 0.5])).entropy(),
    "Binomial-enumerate": lambda D, L: D.Binomial(L.tensor([2.0, 3.0]), L.tensor([0.5, 0.5])).enumerate_support(),
    "Independent-enumerate": lambda D, L: D.Independent(D.Bernoulli(L.ones(2) / 2), 1).enumerate_support(),
    "LKJCholesky-dim": lambda D, L: D.LKJCholesky(1, 1.0),
    "LKJCholesky-concentration": lambda D, L: D.LKJCholesky(3, L.tensor([-1.0])),
    "ContinuousBernoulli-probs": lambda D, L: D.ContinuousBernoulli(L.tensor([1.5]), validate_args=True),
    "Wishart-df": lambda D, L: D.Wishart(L.tensor([0.5]), L.eye(2)),
    "Wishart-none": lambda D, L: D.Wishart(3.0),
    "Wishart-1d": lambda D, L: D.Wishart(3.0, L.ones(2)),
    "VonMises-concentration": lambda D, L: D.VonMises(L.tensor([0.0]), L.tensor([-1.0])),
    "LogisticNormal-scale": lambda D, L: D.LogisticNormal(L.zeros(2), L.tensor([1.0, 0.0])),
    "set_default_validate_args": lambda D, L: D.Distribution.set_default_validate_args(3),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_matches_torch(name):
    fn = ERRORS[name]
    with pytest.raises(Exception) as expected:
        fn(torch.distributions, torch)
    with pytest.raises(Exception) as actual:
        fn(ember.distributions, ember)
    assert type(actual.value).__name__ == type(expected.value).__name__, actual.value
    assert str(actual.value) == str(expected.value)


def test_validation_can_be_switched_off():
    D = ember.distributions
    d = D.Normal(ember.tensor([0.0]), ember.tensor([-1.0]), validate_args=False)
    assert d.scale.item() == -1.0
    assert D.Bernoulli(ember.tensor(0.3), validate_args=False).log_prob(ember.tensor(0.5)).shape == ()
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(ember.tensor([0.0]), ember.tensor([-1.0]))
        assert D.Normal(0.0, 1.0)._validate_args is False
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(ember.tensor([0.0]), ember.tensor([-1.0]))
    # an expanded distribution keeps its instance's setting
    loose = D.Normal(ember.tensor([0.0]), ember.tensor([1.0]), validate_args=False).expand((3,))
    assert loose._validate_args is False
