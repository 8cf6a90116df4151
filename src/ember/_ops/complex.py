"""Complex tensors: their real views (view_as_real, .real, .imag), view_as_complex and conjugation.

Gradients follow PyTorch's convention: a complex tensor's gradient is dL/d(re) + i dL/d(im), so an op
f(z) holomorphic in z passes back g * conj(f'(z)), and a real input keeps the real part of its gradient.
Ember conjugates eagerly: conj() is a new tensor (torch's is a lazy view; is_conj() is always False here).
"""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.graph import record
from .registry import op, node_class, wrap, FUNCTIONS
from .shape import _record_view


def _root_of(t):
    return t._base if t._base is not None else t


def _as_real_array(a):
    """The float view of a complex array with a trailing axis of 2 (real, imaginary)."""
    re = a.real
    return np.lib.stride_tricks.as_strided(re, a.shape + (2,), a.strides + (re.itemsize,),
                                           writeable=a.flags.writeable)


@op(method=False)
def view_as_real(input):
    """A float view of a complex tensor with a last dimension of size 2 holding the real and imaginary parts."""
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    out = Tensor._make(_as_real_array(input._data), input._dtype.to_real(), _root_of(input))
    return _record_view(_ViewAsReal, out, input, None)


@op(method=False)
def view_as_complex(input):
    """A complex view of a float tensor whose last dimension (of size 2, stride 1) holds real and imaginary parts."""
    a, dt = input._data, input._dtype
    if dt is D.float16:
        raise NotImplementedError("view_as_complex of a half tensor (torch.complex32) is not implemented in Ember")
    if dt not in (D.float32, D.float64):
        raise RuntimeError(f"view_as_complex is only supported for half, float and double tensors, but got a tensor of "
                           f"scalar type: {D._LEGACY[dt.name]}")
    if a.ndim == 0 or a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if a.strides[-1] != a.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % (2 * a.itemsize) for s, n in zip(a.strides[:-1], a.shape[:-1]) if n > 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    cdt = dt.to_complex()
    out = Tensor._make(a.view(cdt.np)[..., 0], cdt, _root_of(input))
    return _record_view(_ViewAsComplex, out, input, None)


_ViewAsReal = node_class("ViewAsRealBackward0", lambda self, g: view_as_complex(g.contiguous()))
_ViewAsComplex = node_class("ViewAsComplexBackward0", lambda self, g: view_as_real(g))


def _real(self):
    return view_as_real(self).select(-1, 0) if self._dtype.is_complex else self


def _imag(self):
    if not self._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view_as_real(self).select(-1, 1)


Tensor.real, Tensor.imag = property(_real), property(_imag)
FUNCTIONS["real"], FUNCTIONS["imag"] = _real, _imag


@op()
def conj(input):
    """The complex conjugate (a real tensor is returned as it is)."""
    if not input._dtype.is_complex:
        return input
    return conj_physical(input, _Node=_Conj)


@op(inplace=True)
def conj_physical(input, _Node=None):
    """The complex conjugate, computed into a new tensor."""
    if not input._dtype.is_complex:
        return input
    res = wrap(np.conj(input._data), input._dtype)
    record(_Node or _ConjPhysical, res, (input,))
    return res


_Conj = node_class("ConjBackward0", lambda self, g: g.conj())
_ConjPhysical = node_class("ConjPhysicalBackward0", lambda self, g: g.conj())
Tensor.resolve_conj = Tensor.resolve_neg = lambda self: self
Tensor.is_conj = Tensor.is_neg = lambda self: False
FUNCTIONS["resolve_conj"], FUNCTIONS["resolve_neg"] = Tensor.resolve_conj, Tensor.resolve_neg
FUNCTIONS["is_conj"] = Tensor.is_conj
