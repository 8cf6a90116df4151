"""TVTensor: the base of torchvision's tensor subclasses (torchvision.tv_tensors.TVTensor).

Ops on a TVTensor return plain tensors, as torchvision's do, except clone/to/detach/requires_grad_
(and every op inside `set_return_type("TVTensor")`), which keep the subclass and its metadata.
Ember has no __torch_function__, so the subclass wraps Tensor's methods and operators once, here."""
import copy

import numpy as np

import ember
from ember import Tensor

_RETURN_SUBCLASS = [False]  # set_return_type's global switch
_FORCE_SUBCLASS = {"clone", "to", "detach", "requires_grad_", "pin_memory"}
_OPERATORS = {f"__{n}__" for n in (
    "add radd iadd sub rsub isub mul rmul imul truediv rtruediv itruediv floordiv rfloordiv ifloordiv mod rmod "
    "imod pow rpow ipow matmul rmatmul neg pos abs invert and rand iand or ror ior xor rxor ixor lshift rlshift "
    "rshift rrshift eq ne lt le gt ge getitem").split()}
_UNWRAPPED = {"as_subclass", "backward", "register_hook", "numpy", "tolist", "item"}


class _ReturnTypeCM:
    """What set_return_type returns: usable as a context manager that restores the previous setting."""

    def __init__(self, to_restore):
        self.to_restore = to_restore

    def __enter__(self):
        return self

    def __exit__(self, *args):
        _RETURN_SUBCLASS[0] = self.to_restore


def set_return_type(return_type):
    """torchvision.tv_tensors.set_return_type: "Tensor" (default) or "TVTensor" for the results of
    tensor ops on TVTensors; globally, or within a `with` block."""
    previous = _RETURN_SUBCLASS[0]
    try:
        _RETURN_SUBCLASS[0] = {"tensor": False, "tvtensor": True}[return_type.lower()]
    except KeyError:
        raise ValueError(f"return_type must be 'TVTensor' or 'Tensor', got {return_type}") from None
    return _ReturnTypeCM(previous)


def _rebuild(cls, tensor, state):
    out = tensor.as_subclass(cls)
    out.__dict__.update(state)
    return out


class TVTensor(Tensor):
    """Base class of Image, Video, Mask, BoundingBoxes and KeyPoints."""

    @staticmethod
    def _to_tensor(data, dtype=None, device=None, requires_grad=None):
        if requires_grad is None:
            requires_grad = data.requires_grad if isinstance(data, Tensor) else False
        return ember.as_tensor(data, dtype=dtype, device=device).requires_grad_(requires_grad)

    @classmethod
    def wrap(cls, tensor, like, **kwargs):
        """`tensor` as this subclass, with `like`'s metadata (overridden by kwargs)."""
        return tensor.as_subclass(cls)

    def _wrap_output(self, output):
        """`output` of an op on self as self's class (tuples and lists elementwise)."""
        cls = type(self)
        if isinstance(output, Tensor) and not isinstance(output, cls):
            return cls.wrap(output, self)
        if type(output) in (tuple, list):
            return type(output)(cls.wrap(o, self) if isinstance(o, Tensor) else o for o in output)
        return output

    def _make_repr(self, **kwargs):
        extra = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        return f"{self._plain_repr()[:-1]}, {extra})"

    def _plain_repr(self):
        # Tensor's text with torch's prefix for a subclass: the class name, continuation lines re-indented
        lines = Tensor.__repr__(self).split("\n")
        prefix = type(self).__name__ + "("
        lines[0] = prefix + lines[0][len("tensor("):]
        lines[1:] = [" " * len(prefix) + line[len("tensor("):] if line else line for line in lines[1:]]
        return "\n".join(lines)

    def __repr__(self, *, tensor_contents=None):
        return self._plain_repr()

    def __str__(self):
        return self.__repr__()

    def __deepcopy__(self, memo):
        new = Tensor._make(self._data.copy(), self._dtype)
        new.__class__ = type(self)
        new._rg = self._rg
        new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def __reduce_ex__(self, protocol):
        plain = Tensor._make(np.ascontiguousarray(self._data), self._dtype).requires_grad_(self._rg)
        return (_rebuild, (type(self), plain, dict(self.__dict__)))


def _wrapping(name, method):
    force = name in _FORCE_SUBCLASS

    def wrapped(self, *args, **kwargs):
        out = method(self, *args, **kwargs)
        if force or _RETURN_SUBCLASS[0]:
            return self._wrap_output(out)
        # an in-place op returns self: handed back as a plain tensor, as torchvision does
        return out.as_subclass(Tensor) if isinstance(out, TVTensor) else out
    wrapped.__name__ = wrapped.__qualname__ = name
    wrapped.__doc__ = method.__doc__
    return wrapped


for _name, _attr in list(vars(Tensor).items()):
    if callable(_attr) and not isinstance(_attr, (type, staticmethod, classmethod)) and _name not in _UNWRAPPED \
            and (_name in _OPERATORS or not _name.startswith("_")):
        setattr(TVTensor, _name, _wrapping(_name, _attr))
TVTensor.__hash__ = Tensor.__hash__
