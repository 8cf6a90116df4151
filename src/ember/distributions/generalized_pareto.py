"""GeneralizedPareto(loc, scale, concentration) (torch.distributions.GeneralizedPareto): the limit
law of exceedances over a high threshold (exponential tail at concentration 0)."""
import math

import ember
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """torch.distributions.GeneralizedPareto: survival (1 + c z)^(-1/c), z = (x - loc) / scale
    (exp(-z) at c = 0); support [loc, inf) for c >= 0, [loc, loc - scale / c] for c < 0."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(GeneralizedPareto, batch_shape, _instance)

    def _safe_concentration(self):
        """(c == 0, c with its zeros replaced by 1): the c = 0 branch is taken separately, and the
        other branch must stay finite there so that its masked gradient is 0, not NaN."""
        zero = self.concentration.abs() <= 1e-8  # as torch.isclose(c, 0) decides
        return zero, ember.where(zero, ember.ones_like(self.concentration), self.concentration)

    def rsample(self, sample_shape=ember.Size()):
        u = ember.rand(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.icdf(u)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, c = self._safe_concentration()
        y = 1 / c + 1
        tail = ember.where(y == 0, y, y * ember.log1p(c * z))
        return -self.scale.log() - ember.where(zero, z, tail)

    def log_survival_function(self, value):
        """log P(X > value)."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, c = self._safe_concentration()
        return ember.where(zero, -z, -ember.log1p(c * z) / c)

    def log_cdf(self, value):
        return ember.log1p(-ember.exp(self.log_survival_function(value)))

    def cdf(self, value):
        return ember.exp(self.log_cdf(value))

    def icdf(self, value):
        log_u = ember.log1p(-value)
        zero, c = self._safe_concentration()
        return ember.where(zero, self.loc - self.scale * log_u,
                           self.loc + self.scale / c * ember.expm1(-c * log_u))

    @property
    def mean(self):
        c = self.concentration
        finite = c < 1
        safe = ember.where(finite, c, ember.full_like(c, 0.5))
        return ember.where(finite, self.loc + self.scale / (1 - safe), ember.full_like(c, math.nan))

    @property
    def variance(self):
        c = self.concentration
        finite = c < 0.5
        safe = ember.where(finite, c, ember.full_like(c, 0.25))
        var = self.scale.pow(2) / ((1 - safe).pow(2) * (1 - 2 * safe))
        return ember.where(finite, var, ember.full_like(c, math.nan))

    def entropy(self):
        return ember.broadcast_to(self.scale.log() + self.concentration + 1, self._batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        lower = self.loc
        upper = ember.where(self.concentration < 0, lower - self.scale / self.concentration,
                            ember.full_like(lower, math.inf))
        return constraints.interval(lower, upper)
