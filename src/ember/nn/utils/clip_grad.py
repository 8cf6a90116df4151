"""Gradient clipping: rescale all gradients so that their joint norm is at most max_norm, or
clamp each gradient element."""
import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor
from ..._ops.registry import wrap
from ..._kernels import loops as _loops, grads as _grad_kernels

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _grads(parameters):
    return [p._grad for p in _as_list(parameters) if p._grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all tensors together, as if concatenated into one vector."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return wrap(np.zeros((), np.float32), D.float32)
    if norm_type == float("inf"):
        total = max(float(np.abs(t._data).max()) if t._data.size else 0.0 for t in tensors)
    else:
        norms = np.array([np.sqrt(_grad_kernels.sum_squares(t._data)) if norm_type == 2.0 and _loops.fits(t._data) and
                          t._data.flags.c_contiguous else
                          np.linalg.norm(t._data.reshape(-1).astype(np.float64), ord=norm_type) for t in tensors])
        total = float(np.linalg.norm(norms, ord=norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    return wrap(np.asarray(total, tensors[0]._data.dtype), tensors[0]._dtype)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place."""
    coef = min(float(max_norm) / (float(total_norm) + 1e-6), 1.0)
    for g in _grads(parameters):
        if coef != 1.0:  # a product by 1 changes no value: only the version counts, as torch's mul_
            g._data *= g._data.dtype.type(coef)
        g._vc[0] += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients in place so that their joint norm is at most max_norm; returns
    the norm before clipping."""
    parameters = _as_list(parameters)
    grads = _grads(parameters)
    if not grads:
        return wrap(np.zeros((), np.float32), D.float32)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._vc[0] += 1
