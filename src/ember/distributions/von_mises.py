"""VonMises(loc, concentration) (torch.distributions.VonMises): the circular normal distribution."""
import math

import numpy as np

import ember
from .. import special
from .._random import rng
from . import constraints
from .distribution import Distribution, _SymmetricAboutLoc
from .utils import broadcast_all

__all__ = ["VonMises"]


def _log_i0(x):
    """log I_0(x), through the exponentially scaled Bessel function so that large x do not overflow."""
    return special.i0e(x).log() + x


class VonMises(_SymmetricAboutLoc, Distribution):
    """torch.distributions.VonMises: density exp(k cos(x - loc)) / (2 pi I_0(k)), k = concentration;
    draws are wrapped into [-pi, pi); mean and variance are the circular ones."""
    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, ember.Size(), validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(VonMises, batch_shape, _instance)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration * ember.cos(value - self.loc) - math.log(2 * math.pi)
                - _log_i0(self.concentration))

    def sample(self, sample_shape=ember.Size()):
        """Best & Fisher's rejection sampler, as NumPy's Generator.vonmises runs it (in float64)."""
        shape = tuple(self._extended_shape(sample_shape))
        loc = np.broadcast_to(self.loc.detach().numpy().astype(np.float64), shape)
        kappa = np.broadcast_to(self.concentration.detach().numpy().astype(np.float64), shape)
        draw = rng().vonmises(loc, kappa)
        return ember.from_numpy(np.asarray(draw).astype(self.loc.detach().numpy().dtype))

    @property
    def variance(self):
        """The circular variance 1 - I_1(k) / I_0(k)."""
        return 1 - special.i1e(self.concentration) / special.i0e(self.concentration)
