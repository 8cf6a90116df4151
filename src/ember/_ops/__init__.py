"""Ember's ops, one family a module. Importing this package registers them all on Tensor."""
from . import registry, pointwise, creation, shape, reduction, linalg, indexing  # noqa: F401
from . import special  # noqa: F401  (after pointwise, whose unary/binary builders it uses)
from .registry import FUNCTIONS  # noqa: F401
