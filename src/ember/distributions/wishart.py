"""Wishart(df, covariance_matrix | precision_matrix | scale_tril) (torch.distributions.Wishart):
random positive-definite matrices, the sum of df outer products of Normal(0, Sigma) vectors."""
import math
import warnings

import ember
from . import constraints
from ..linalg import cholesky, solve_triangular
from .chi2 import Chi2
from .exp_family import ExponentialFamily
from .multivariate_normal import _FromScaleTril, _precision_to_scale_tril

__all__ = ["Wishart"]


def _mvdigamma(x, p):
    """The multivariate digamma function: sum_i digamma(x - i / 2), i = 0..p-1."""
    steps = ember.arange(p, dtype=x.dtype) / 2
    return ember.digamma(x.unsqueeze(-1) - steps).sum(-1)


def _logdet_from_cholesky(L):
    return 2 * L.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class Wishart(_FromScaleTril, ExponentialFamily):
    """torch.distributions.Wishart; rsample by the Bartlett decomposition X = L A A^T L^T, A lower
    triangular with sqrt(Chi2(df - i)) on the diagonal and standard normals below it.
    (torch also redraws singular samples; Ember's draws for df >= dim are non-singular almost surely.)"""
    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite, "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky, "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = [(n, m) for n, m in (("covariance_matrix", covariance_matrix), ("precision_matrix", precision_matrix),
                                     ("scale_tril", scale_tril)) if m is not None]
        if len(given) != 1:
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        name, param = given[0]
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        if isinstance(df, (int, float)):
            batch_shape = ember.Size(param.shape[:-2])
            self.df = ember.tensor(df, dtype=param.dtype)
        else:
            batch_shape = ember.Size(ember.broadcast_shapes(tuple(param.shape[:-2]), tuple(df.shape)))
            self.df = df.expand(batch_shape)
        event_shape = param.shape[-2:]
        p = event_shape[-1]
        if bool(self.df.le(p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        setattr(self, name, param.expand(tuple(batch_shape) + (-1, -1)))
        if bool(self.df.lt(p).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df < "
                          "ndim.", stacklevel=2)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = param
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(param)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(param)
        self._dist_chi2 = self._bartlett_chi2(batch_shape)

    def _bartlett_chi2(self, batch_shape):
        p = self._event_shape[-1]
        steps = ember.arange(p, dtype=self._unbroadcasted_scale_tril.dtype).expand(tuple(batch_shape) + (-1,))
        return Chi2(df=self.df.unsqueeze(-1) - steps)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(Wishart, batch_shape, _instance, {"covariance_matrix": 2, "precision_matrix": 2,
                                                                     "scale_tril": 2}, names=("covariance_matrix",
                                                                                              "precision_matrix",
                                                                                              "scale_tril", "df"))
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        new._dist_chi2 = new._bartlett_chi2(new._batch_shape)
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape)

    def _df_matrix(self):
        return self.df.reshape(tuple(self._batch_shape) + (1, 1))

    @property
    def mean(self):
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self):
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = ember.where(factor <= 0, ember.full_like(factor, math.nan), factor)
        return factor.reshape(tuple(self._batch_shape) + (1, 1)) * self.covariance_matrix

    @property
    def variance(self):
        V = self.covariance_matrix
        diag_V = V.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix() * (V.pow(2) + diag_V.unsqueeze(-1) * diag_V.unsqueeze(-2))

    def rsample(self, sample_shape=ember.Size()):
        sample_shape = ember.Size(sample_shape)
        p = self._event_shape[-1]
        noise = ember.randn(self._extended_shape(sample_shape), dtype=self.df.dtype).tril(-1)
        diagonal = self._dist_chi2.rsample(sample_shape).sqrt()
        A = noise + ember.diag_embed(diagonal)
        chol = self._unbroadcasted_scale_tril @ A
        return chol @ chol.mT

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        chol_x = cholesky(value)
        # tr(Sigma^-1 X) = |L^-1 chol(X)|_F^2
        batch = tuple(ember.broadcast_shapes(tuple(L.shape[:-2]), tuple(chol_x.shape[:-2])))
        trace = solve_triangular(L.expand(batch + (p, p)), chol_x.expand(batch + (p, p)),
                                 upper=False).pow(2).sum((-2, -1))
        return (0.5 * (nu - p - 1) * _logdet_from_cholesky(chol_x) - 0.5 * trace - 0.5 * nu * p * math.log(2)
                - 0.5 * nu * _logdet_from_cholesky(L) - ember.mvlgamma(0.5 * nu, p))

    def entropy(self):
        nu, p = self.df, self._event_shape[-1]
        logdet = _logdet_from_cholesky(self._unbroadcasted_scale_tril)
        return (0.5 * (p + 1) * logdet + 0.5 * p * (p + 1) * math.log(2) + ember.mvlgamma(0.5 * nu, p)
                - 0.5 * (nu - p - 1) * _mvdigamma(0.5 * nu, p) + 0.5 * nu * p)

    @property
    def _natural_params(self):
        p = self._event_shape[-1]
        return -0.5 * self.precision_matrix, 0.5 * (self.df - p - 1)

    def _log_normalizer(self, x, y):
        """A(theta) = (nu / 2)(log|Sigma| + p log 2) + log Gamma_p(nu / 2), with Sigma = (-2 x)^-1 and
        nu = 2 y + p + 1."""
        p = self._event_shape[-1]
        half_nu = y + 0.5 * (p + 1)
        return half_nu * (-_logdet_from_cholesky(cholesky(-2 * x)) + p * math.log(2)) + ember.mvlgamma(half_nu, p)
