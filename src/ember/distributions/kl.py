"""KL divergences (torch.distributions.kl): `kl_divergence(p, q)` looks up the rule registered for
the most specific pair of types (`register_kl`), with PyTorch's registered pairs built in."""
import math
import warnings
from functools import total_ordering

import ember
from ..nn import functional as F
from ..linalg import solve_triangular
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .continuous_bernoulli import ContinuousBernoulli
from .cauchy import Cauchy
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .independent import Independent
from .laplace import Laplace
from .lowrank_multivariate_normal import (LowRankMultivariateNormal, _batch_lowrank_logdet,
                                          _batch_lowrank_mahalanobis)
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .pareto import Pareto
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform
from .utils import _sum_rightmost, euler_constant as _euler_gamma

__all__ = ["register_kl", "kl_divergence"]

_KL_REGISTRY = {}   # (type_p, type_q) -> rule, as registered
_KL_MEMOIZE = {}    # (type_p, type_q) -> the rule chosen for that pair of concrete types


def register_kl(type_p, type_q):
    """Decorator registering `fn(p, q)` as KL(p || q) for p of type_p and q of type_q."""
    if not isinstance(type_p, type) and issubclass(type_p, Distribution):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not isinstance(type_q, type) and issubclass(type_q, Distribution):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fun):
        _KL_REGISTRY[type_p, type_q] = fun
        _KL_MEMOIZE.clear()
        return fun

    return decorator


@total_ordering
class _Match:
    """A registered pair, ordered by how specific it is for the types looked up."""
    __slots__ = ["types"]

    def __init__(self, *types):
        self.types = types

    def __eq__(self, other):
        return self.types == other.types

    def __le__(self, other):
        for x, y in zip(self.types, other.types):
            if not issubclass(x, y):
                return False
            if x is not y:
                break
        return True


def _dispatch_kl(type_p, type_q):
    """The rule for the most specific registered pair of base classes (a warning when two tie)."""
    matches = [(super_p, super_q) for super_p, super_q in _KL_REGISTRY
               if issubclass(type_p, super_p) and issubclass(type_q, super_q)]
    if not matches:
        return NotImplemented
    left_p, left_q = min(_Match(*m) for m in matches).types
    right_q, right_p = min(_Match(*reversed(m)) for m in matches).types
    left_fun = _KL_REGISTRY[left_p, left_q]
    right_fun = _KL_REGISTRY[right_p, right_q]
    if left_fun is not right_fun:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please register_kl("
                      f"{left_p.__name__}, {right_q.__name__})", RuntimeWarning)
    return left_fun


def _infinite_like(tensor):
    return ember.full_like(tensor, math.inf)


def _x_log_x(tensor):
    return tensor * tensor.log()


def _batch_trace_XXT(bmat):
    """trace(X X^T) for each matrix X of a batch: the sum of its squared entries."""
    n, m = bmat.size(-1), bmat.size(-2)
    return bmat.reshape(-1, m * n).pow(2).sum(-1).reshape(bmat.shape[:-2])


def kl_divergence(p, q):
    """torch.distributions.kl_divergence: KL(p || q) = E_p[log p(x) - log q(x)], batched over
    p's and q's batch shapes. NotImplementedError for a pair without a rule."""
    try:
        fun = _KL_MEMOIZE[type(p), type(q)]
    except KeyError:
        fun = _dispatch_kl(type(p), type(q))
        _KL_MEMOIZE[type(p), type(q)] = fun
    if fun is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {p.__class__.__name__} and q type "
                                  f"{q.__class__.__name__}")
    return fun(p, q)


def _inf_where(value, mask):
    return ember.where(mask, ember.full_like(value, math.inf), value)


# ---------------------------------------------------------------------- same family
@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = ember.where(p.probs == 0, ember.zeros_like(t1), _inf_where(t1, q.probs == 0))
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = ember.where(p.probs == 1, ember.zeros_like(t2), _inf_where(t2, q.probs == 1))
    return t1 + t2


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = q.concentration1.lgamma() + q.concentration0.lgamma() + sum_p.lgamma()
    t2 = p.concentration1.lgamma() + p.concentration0.lgamma() + sum_q.lgamma()
    t3 = (p.concentration1 - q.concentration1) * ember.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * ember.digamma(p.concentration0)
    t5 = (sum_q - sum_p) * ember.digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    # for p.total_count > q.total_count the supports differ: infinite
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return _inf_where(kl, p.total_count > q.total_count)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = _inf_where(t, (q.probs == 0).expand_as(t))
    t = ember.where((p.probs == 0).expand_as(t), ember.zeros_like(t), t)
    return t.sum(-1)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    t1 = ((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
    t2 = (4 * p.scale * q.scale).log()
    return t1 - t2


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    sum_p = p.concentration.sum(-1)
    sum_q = q.concentration.sum(-1)
    t1 = sum_p.lgamma() - sum_q.lgamma()
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = p.concentration.digamma() - sum_p.digamma().unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return -rate_ratio.log() + rate_ratio - 1


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p, q):
    """The Bregman divergence of the log-normaliser between the natural parameters."""
    if type(p) is not type(q):
        raise NotImplementedError("The cross KL-divergence between different exponential families cannot be "
                                  "computed using Bregman divergences")
    p_nparams = [n.detach().requires_grad_() for n in p._natural_params]
    q_nparams = q._natural_params
    lg_normal = p._log_normalizer(*p_nparams)
    gradients = ember.autograd.grad(lg_normal.sum(), p_nparams, create_graph=True)
    result = q._log_normalizer(*q_nparams) - lg_normal
    for pnp, qnp, g in zip(p_nparams, q_nparams, gradients):
        result = result - _sum_rightmost((qnp - pnp) * g, len(q.event_shape))
    return result


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * ember.log(p.rate / q.rate)
    t2 = ember.lgamma(q.concentration) - ember.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * ember.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    ct1 = p.scale / q.scale
    ct2 = q.loc / q.scale
    ct3 = p.loc / q.scale
    t1 = -ct1.log() - ct2 + ct3
    t2 = ct1 * _euler_gamma
    t3 = ember.exp(ct2 + (1 + ct1).lgamma() - ct3)
    return t1 + t2 + t3 - (1 + _euler_gamma)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - ember.log1p(-q.probs) / p.probs - q.logits


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -scale_ratio.log()
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * ember.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1


def _check_event_shapes(p, q, what):
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two {what} with different event shapes cannot be computed")


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrankmultivariatenormal_lowrankmultivariatenormal(p, q):
    _check_event_shapes(p, q, "Low Rank Multivariate Normals")
    W_p, D_p, W_q, D_q = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag, q._unbroadcasted_cov_factor, \
        q._unbroadcasted_cov_diag
    term1 = _batch_lowrank_logdet(W_q, D_q, q._capacitance_tril) - _batch_lowrank_logdet(W_p, D_p, p._capacitance_tril)
    term3 = _batch_lowrank_mahalanobis(W_q, D_q, q.loc - p.loc, q._capacitance_tril)
    # trace(Sigma_q^-1 Sigma_p) expanded by Woodbury into four traces
    qWt_qDinv = W_q.mT / D_q.unsqueeze(-2)
    A = solve_triangular(q._capacitance_tril, qWt_qDinv, upper=False)
    term21 = (D_p / D_q).sum(-1)
    term22 = _batch_trace_XXT(W_p * D_q.rsqrt().unsqueeze(-1))
    term23 = _batch_trace_XXT(A * D_p.sqrt().unsqueeze(-2))
    term24 = _batch_trace_XXT(A.matmul(W_p))
    return 0.5 * (term1 + term21 + term22 - term23 - term24 + term3 - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_multivariatenormal_lowrankmultivariatenormal(p, q):
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    W_q, D_q = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag
    L_p = p._unbroadcasted_scale_tril
    term1 = _batch_lowrank_logdet(W_q, D_q, q._capacitance_tril) - 2 * L_p.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    term3 = _batch_lowrank_mahalanobis(W_q, D_q, q.loc - p.loc, q._capacitance_tril)
    qWt_qDinv = W_q.mT / D_q.unsqueeze(-2)
    A = solve_triangular(q._capacitance_tril, qWt_qDinv, upper=False)
    term21 = _batch_trace_XXT(L_p * D_q.rsqrt().unsqueeze(-1))
    term22 = _batch_trace_XXT(A.matmul(L_p))
    return 0.5 * (term1 + term21 - term22 + term3 - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrankmultivariatenormal_multivariatenormal(p, q):
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    W_p, D_p = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    L_q = q._unbroadcasted_scale_tril
    term1 = 2 * L_q.diagonal(dim1=-2, dim2=-1).log().sum(-1) - _batch_lowrank_logdet(W_p, D_p, p._capacitance_tril)
    term3 = _batch_mahalanobis(L_q, q.loc - p.loc)
    n = p.event_shape[0]
    batch = tuple(ember.broadcast_shapes(tuple(L_q.shape[:-2]), tuple(W_p.shape[:-2])))
    L_q = L_q.expand(batch + (n, n))
    term21 = _batch_trace_XXT(solve_triangular(L_q, W_p.expand(batch + (n, W_p.size(-1))), upper=False))
    term22 = _batch_trace_XXT(solve_triangular(L_q, ember.diag_embed(D_p.sqrt()).expand(batch + (n, n)),
                                               upper=False))
    return 0.5 * (term1 + term21 + term22 + term3 - n)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    _check_event_shapes(p, q, "Multivariate Normals")
    L_p, L_q = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = L_q.diagonal(dim1=-2, dim2=-1).log().sum(-1) - L_p.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    n = p.event_shape[0]
    batch = tuple(ember.broadcast_shapes(tuple(L_q.shape[:-2]), tuple(L_p.shape[:-2])))
    term2 = _batch_trace_XXT(solve_triangular(L_q.expand(batch + (n, n)), L_p.expand(batch + (n, n)), upper=False))
    term3 = _batch_mahalanobis(L_q, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    scale_ratio = p.scale / q.scale
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * scale_ratio.log() - alpha_ratio.log() + alpha_ratio - 1
    return _inf_where(result, p.support.lower_bound < q.support.lower_bound)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    if p.transforms != q.transforms:
        raise NotImplementedError
    if p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return _inf_where(result, (q.low > p.low) | (q.high < p.high))


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


# ---------------------------------------------------------------------- across families
# q puts no mass where p has some: the divergence is infinite
def _kl_infinite(first):
    return lambda p, q: _infinite_like(getattr(p, first))


for _p, _qs, _param in [
        (Beta, (Pareto,), "concentration1"),
        (ContinuousBernoulli, (Pareto,), "probs"),
        (Exponential, (Beta, ContinuousBernoulli, Pareto, Uniform), "rate"),
        (Gamma, (Beta, ContinuousBernoulli, Pareto, Uniform), "concentration"),
        (Gumbel, (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform), "loc"),
        (Laplace, (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform), "loc"),
        (Normal, (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform), "loc"),
        (Pareto, (Beta, ContinuousBernoulli, Uniform), "scale"),
        (Poisson, (Bernoulli, Binomial), "rate")]:
    for _q in _qs:
        register_kl(_p, _q)(_kl_infinite(_param))


def _mean_log_uniform(low, high):
    """E[log X] for X ~ Uniform(low, high), low >= 0."""
    return (ember.xlogy(high, high) - ember.xlogy(low, low)) / (high - low) - 1


def _mean_log1m_uniform(low, high):
    """E[log(1 - X)] for X ~ Uniform(low, high), high <= 1."""
    return _mean_log_uniform(1 - high, 1 - low)


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    return -p.entropy() - (p.probs * q.rate.log() - q.rate)


def _continuous_bernoulli_cross_term(mean, q):
    """-E_p[log q(X)] for q ContinuousBernoulli, from E[X]."""
    return -(mean * q.logits + ember.log1p(-q.probs) + q._cont_bern_log_norm())


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    return -p.entropy() + _continuous_bernoulli_cross_term(p.mean, q)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    return -p.entropy() + _normal_cross_term(p.mean, p.variance + p.mean.pow(2), q)


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return _inf_where(result, (q.low > 0) | (q.high < 1))


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() + _continuous_bernoulli_cross_term(p.mean, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    result = -p.entropy() + _continuous_bernoulli_cross_term(p.mean, q)
    return _inf_where(result, _uniform_outside(p, 0, 1))


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    mean_log = p.concentration1.digamma() - (p.concentration1 + p.concentration0).digamma()
    return (-p.entropy() + q.concentration.lgamma() - q.concentration * q.rate.log()
            - (q.concentration - 1) * mean_log + q.rate * p.mean)


def _normal_cross_term(mean, second_moment, q):
    """-E_p[log q(X)] for q Normal, from E[X] and E[X^2]."""
    var = q.scale.pow(2)
    return 0.5 * (2 * math.pi * var).log() + (second_moment - 2 * q.loc * mean + q.loc.pow(2)) / (2 * var)


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    return -p.entropy() + _normal_cross_term(p.mean, p.variance + p.mean.pow(2), q)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return _inf_where(result, (q.low > 0) | (q.high < 1))


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    ratio = q.rate / p.rate
    t1 = -q.concentration * ember.log(ratio)
    return t1 + ratio + q.concentration.lgamma() + q.concentration * _euler_gamma - (1 + _euler_gamma)


def _gumbel_cross_term(mean, mean_exp_neg, q):
    """-E_p[log q(X)] for q Gumbel(loc, scale), from E[X] and E[exp(-X / scale)]."""
    return q.scale.log() + (mean - q.loc) / q.scale + mean_exp_neg * ember.exp(q.loc / q.scale)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    # E[exp(-X/s)] for X ~ Exponential(rate) is rate s / (rate s + 1)
    rs = p.rate * q.scale
    return -p.entropy() + _gumbel_cross_term(p.mean, rs / (rs + 1), q)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    return -p.entropy() + _normal_cross_term(p.mean, 2 * p.rate.pow(-2), q)


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    # E[exp(-X/s)] for X ~ Gamma(a, b) is (1 + 1/(b s))^-a
    mean_exp_neg = (1 + (p.rate * q.scale).reciprocal()).pow(-p.concentration)
    return -p.entropy() + _gumbel_cross_term(p.mean, mean_exp_neg, q)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    return -p.entropy() + _normal_cross_term(p.mean, p.variance + p.mean.pow(2), q)


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    return -p.entropy() + _normal_cross_term(p.mean, p.variance + p.mean.pow(2), q)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    return -p.entropy() + _normal_cross_term(p.mean, p.variance + p.mean.pow(2), q)


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    mean_exp_neg = ember.exp(-p.loc / q.scale + 0.5 * (p.scale / q.scale).pow(2))
    return -p.entropy() + _gumbel_cross_term(p.mean, mean_exp_neg, q)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    # E|X - m| for X ~ Normal(mu, s): s sqrt(2/pi) exp(-d^2 / 2s^2) + d erf(d / (s sqrt 2)), d = mu - m
    d = p.loc - q.loc
    mean_abs = p.scale * math.sqrt(2 / math.pi) * ember.exp(-0.5 * (d / p.scale).pow(2)) + \
        d * ember.erf(d / (p.scale * math.sqrt(2)))
    return -p.entropy() + (2 * q.scale).log() + mean_abs / q.scale


def _pareto_moments(p):
    """E[X] and E[X^2] of a Pareto, with placeholder values where they diverge (the callers mark
    those infinite; the placeholders keep the masked-out gradients finite)."""
    a, s = p.alpha, p.scale
    a1 = ember.where(a > 1, a, ember.full_like(a, 2.0))
    a2 = ember.where(a > 2, a, ember.full_like(a, 3.0))
    return a1 * s / (a1 - 1), a2 * s.pow(2) / (a2 - 2)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    mean, _ = _pareto_moments(p)
    return _inf_where(-p.entropy() - q.rate.log() + q.rate * mean, p.alpha <= 1)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    mean, _ = _pareto_moments(p)
    mean_log = p.scale.log() + p.alpha.reciprocal()
    result = (-p.entropy() - q.concentration * q.rate.log() + q.concentration.lgamma()
              - (q.concentration - 1) * mean_log + q.rate * mean)
    return _inf_where(result, p.alpha <= 1)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    mean, second = _pareto_moments(p)
    return _inf_where(-p.entropy() + _normal_cross_term(mean, second, q), p.alpha <= 2)


def _uniform_outside(p, lower=None, upper=None):
    mask = ember.zeros_like(p.low, dtype=ember.bool)
    if lower is not None:
        mask = mask | (p.low < lower)
    if upper is not None:
        mask = mask | (p.high > upper)
    return mask


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    a, b = q.concentration1, q.concentration0
    log_beta = a.lgamma() + b.lgamma() - (a + b).lgamma()
    result = (-p.entropy() + log_beta - (a - 1) * _mean_log_uniform(p.low, p.high)
              - (b - 1) * _mean_log1m_uniform(p.low, p.high))
    return _inf_where(result, _uniform_outside(p, 0, 1))


@register_kl(Uniform, Exponential)
def _kl_uniform_exponetial(p, q):
    result = -p.entropy() - q.rate.log() + q.rate * p.mean
    return _inf_where(result, _uniform_outside(p, 0))


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    result = (-p.entropy() - q.concentration * q.rate.log() + q.concentration.lgamma()
              - (q.concentration - 1) * _mean_log_uniform(p.low, p.high) + q.rate * p.mean)
    return _inf_where(result, _uniform_outside(p, 0))


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    width = p.high - p.low
    mean_exp_neg = q.scale / width * (ember.exp(-p.low / q.scale) - ember.exp(-p.high / q.scale))
    return -p.entropy() + _gumbel_cross_term(p.mean, mean_exp_neg, q)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    return -p.entropy() + _normal_cross_term(p.mean, p.variance + p.mean.pow(2), q)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    result = (-p.entropy() - q.alpha.log() - q.alpha * q.scale.log()
              + (q.alpha + 1) * _mean_log_uniform(p.low, p.high))
    return _inf_where(result, _uniform_outside(p, q.scale))
