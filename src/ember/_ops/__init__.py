"""Ember's ops, one family a module. Importing this package registers them all on Tensor."""
from . import registry, pointwise, creation, shape, reduction, linalg, indexing  # noqa: F401
from . import complex, special  # noqa: F401  (after pointwise and shape, whose builders they use)
from . import spectral  # noqa: F401
from .registry import FUNCTIONS  # noqa: F401
