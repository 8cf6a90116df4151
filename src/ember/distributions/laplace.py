"""Laplace(loc, scale) (torch.distributions.Laplace): the double exponential."""
import math

import ember
from .distribution import Distribution, _LocScale, _SymmetricAboutLoc
from .utils import finfo

__all__ = ["Laplace"]


class Laplace(_LocScale, _SymmetricAboutLoc, Distribution):
    """torch.distributions.Laplace: density exp(-|x - loc| / scale) / (2 scale)."""

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Laplace, batch_shape, _instance)

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape=ember.Size()):
        eps = float(finfo(self.loc.dtype).eps)
        u = ember.empty(self._extended_shape(sample_shape), dtype=self.loc.dtype).uniform_(eps - 1, 1)
        # inverse CDF at a symmetric uniform draw; u never reaches -1, so the log stays finite
        return self.loc - self.scale * u.sign() * ember.log1p(-u.abs())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -ember.log(2 * self.scale) - ember.abs(value - self.loc) / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = value - self.loc
        return 0.5 - 0.5 * z.sign() * ember.expm1(-z.abs() / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * ember.log1p(-2 * term.abs())

    def entropy(self):
        return 1 + ember.log(2 * self.scale)
