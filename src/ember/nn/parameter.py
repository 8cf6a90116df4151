"""nn.Parameter and nn.Buffer: tensors that a Module registers as its learnable state or its buffers."""
from .._tensor import Tensor
from .._ops.creation import empty

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]


class Parameter(Tensor):
    """torch.nn.Parameter: a leaf tensor that requires grad by default and that a Module collects
    in `parameters()` when assigned as an attribute. It shares memory with `data`."""
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        p = cls._make(data._data, data._dtype)
        p._vc = data._vc
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = type(self)._make(self._data.copy(), self._dtype)
        new._rg = self._rg
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        if self.__dict__:
            new.__dict__.update(self.__dict__)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (Tensor(self.detach()), self._rg, dict(self.__dict__)))


def _rebuild_parameter(data, requires_grad, attrs):
    p = Parameter(data, requires_grad)
    p.__dict__.update(attrs)
    return p


class _BufferMeta(type):
    # torch.nn.Buffer(t) returns a plain Tensor marked as a buffer; isinstance checks the mark
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and getattr(obj, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """torch.nn.Buffer: marks a tensor to be registered as a buffer when assigned to a Module."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (lazy modules); it must be materialized before use."""
    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        p = cls._make(empty(0, dtype=dtype)._data, empty(0, dtype=dtype)._dtype)
        p._rg = requires_grad
        return p

    def materialize(self, shape, device=None, dtype=None):
        """Give the parameter its shape (uninitialised values) and make it a plain Parameter."""
        t = empty(shape, dtype=dtype or self._dtype)
        self._data, self._dtype = t._data, t._dtype
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return "<UninitializedParameter>"


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not known yet (lazy modules)."""
    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        t = cls._make(empty(0, dtype=dtype)._data, empty(0, dtype=dtype)._dtype)
        t.persistent = persistent
        return t

    materialize = UninitializedParameter.materialize


def is_lazy(param):
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))
