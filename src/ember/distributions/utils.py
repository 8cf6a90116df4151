"""Helpers shared by the distributions (torch.distributions.utils): broadcasting parameters,
logits <-> probabilities, cached properties, and packing lower triangles into vectors."""
import numbers
from functools import update_wrapper

import numpy as np

import ember
from .._tensor import Tensor

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix", "euler_constant"]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def finfo(dtype):
    """eps, tiny, min and max of a floating dtype (what torch.finfo gives)."""
    return np.finfo(dtype.np)


def broadcast_all(*values):
    """Tensors and numbers broadcast to one shape; numbers become tensors of the tensors' dtype
    (or the default dtype when every value is a number)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) or hasattr(v, "__torch_function__") for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        ref = next((v for v in values if isinstance(v, Tensor)), None)
        dtype = ref.dtype if ref is not None else ember.get_default_dtype()
        values = [v if isinstance(v, Tensor) else ember.tensor(v, dtype=dtype) for v in values]
    if all(v.shape == values[0].shape for v in values):
        return tuple(values)  # already one shape: the parameters themselves, not views of them
    return ember.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device=None):
    return ember.randn(shape, dtype=dtype)


def _sum_rightmost(value, dim):
    """Sum over the rightmost `dim` dimensions."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Probabilities from logits: a sigmoid for one binary event, else a softmax over the last dim."""
    return ember.sigmoid(logits) if is_binary else logits.softmax(-1)


def clamp_probs(probs):
    """probs kept inside [eps, 1 - eps] so that their logs stay finite."""
    eps = float(finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Logits from probabilities: log-odds for a binary event, else plain logs."""
    p = clamp_probs(probs)
    return ember.log(p) - ember.log1p(-p) if is_binary else ember.log(p)


class lazy_property:
    """A property computed on first access and then stored on the instance (as torch's is)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """Seen on the class, a lazy_property still reads as a property (so introspection works)."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


class _BinaryProbsLogits:
    """probs and logits (log-odds) of binary events, each derived from the other on first use:
    what Bernoulli, Binomial, Geometric, NegativeBinomial and LogitRelaxedBernoulli share."""

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.size()

    def _new(self, *args, **kwargs):
        return self._param.new(*args, **kwargs)

    def _set_probs_or_logits(self, probs, logits, *others):
        """Store exactly one of probs/logits (broadcast with `others`, e.g. a total count, which are
        returned cast to its dtype) and remember it as `_param`."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, given = ("probs", probs) if probs is not None else ("logits", logits)
        *others, param = broadcast_all(*others, given)
        setattr(self, name, param)
        self._param = param
        return [o.type_as(param) for o in others]


def tril_matrix_to_vec(mat, diag=0):
    """The entries of the lower triangle (below diagonal `diag`) of the last two dims, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = np.tril_indices(n, k=diag)
    return mat[..., ember.tensor(rows), ember.tensor(cols)]


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of tril_matrix_to_vec: a square matrix whose lower triangle holds `vec`."""
    m = vec.shape[-1]
    n = next((k for k in range(m + 2) if len(np.tril_indices(k, k=diag)[0]) == m), None)
    if n is None:
        raise ValueError(f"The size of last dimension is {m} which cannot be expressed as the lower triangular "
                         f"part of a square D x D matrix.")
    # gather from [0, vec...]: slot 0 fills the upper triangle, so the gradient flows to vec alone
    where = np.zeros((n, n), dtype=np.int64)
    rows, cols = np.tril_indices(n, k=diag)
    where[rows, cols] = np.arange(1, m + 1)
    padded = ember.cat([ember.zeros(tuple(vec.shape[:-1]) + (1,), dtype=vec.dtype), vec], -1)
    return padded[..., ember.tensor(where)]
