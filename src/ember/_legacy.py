"""torch's per-dtype legacy classes: FloatTensor, LongTensor, ... and FloatStorage, LongStorage, ....

They are not tensor (or storage) types of their own: `isinstance(t, torch.FloatTensor)` asks whether t is a
CPU float32 tensor, and calling the class builds an ordinary tensor (or storage) of that dtype."""
from . import _dtype as D
from ._tensor import Tensor, Size
from ._storage import TypedStorage

_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_STORAGE_ONLY = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}


class tensortype(type):
    """The metaclass of torch.FloatTensor and friends (torch.tensortype)."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.device.type == "cpu"

    def __call__(cls, *args, device=None):
        return construct(cls.dtype, args)

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def construct(dtype, args):
    """torch.FloatTensor(...) and Tensor.new(...): no args -> empty (0,); ints or a Size -> uninitialised of
    that shape; a sequence -> its values; a tensor of the same dtype -> an alias of it."""
    from . import empty, tensor
    if len(args) == 1 and isinstance(args[0], Tensor):
        t = args[0]
        if t.dtype is not dtype:
            raise TypeError(f"expected {D._LEGACY[dtype.name]} tensor (got {D.legacy_type_name(t.dtype)})")
        return t.detach()
    if not args:
        return empty(0, dtype=dtype)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return empty(*args, dtype=dtype)
    if len(args) == 1 and isinstance(args[0], Size):
        return empty(args[0], dtype=dtype)
    if len(args) == 1 and hasattr(args[0], "__len__"):
        return tensor(args[0], dtype=dtype)
    raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")


class _LegacyStorageMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, TypedStorage) and obj.dtype is cls.dtype

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


class _LegacyStorage(TypedStorage, metaclass=_LegacyStorageMeta):
    """FloatStorage(size or sequence): a TypedStorage of the class's dtype (torch.storage._LegacyStorage)."""

    def __new__(cls, *args, **kwargs):
        return TypedStorage(*args, dtype=cls.dtype)

    @classmethod
    def from_buffer(cls, buffer, byte_order="native", count=-1, offset=0):
        import numpy as np
        arr = np.frombuffer(buffer, cls.dtype.np, count, offset)
        if byte_order not in ("native", "little" if np.little_endian else "big"):
            arr = arr.byteswap()
        return TypedStorage(arr.copy(), dtype=cls.dtype)


def _classes():
    out = {}
    for name, stem in _NAMES.items():
        dt = getattr(D, name if name != "bool" else "bool_")
        out[stem + "Tensor"] = tensortype(stem + "Tensor", (), {"dtype": dt, "is_cuda": False, "__module__": "torch"})
    for name, stem in {**_NAMES, **_STORAGE_ONLY}.items():
        dt = getattr(D, name if name != "bool" else "bool_")
        out[stem + "Storage"] = _LegacyStorageMeta(stem + "Storage", (_LegacyStorage,),
                                                   {"dtype": dt, "__module__": "torch"})
    return out


globals().update(_classes())
__all__ = sorted(n for n in globals() if n.endswith(("Tensor", "Storage")) and n[0].isupper()
                 and n not in ("Tensor", "TypedStorage", "_LegacyStorage"))


# ---------------------------------------------------------------------- Tensor methods kept for older code
def _removed(name, hint):
    def gone(*args, **kwargs):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. {hint}")
    gone.__name__ = gone.__qualname__ = name
    gone.__doc__ = f"torch.{name}: removed from PyTorch; raises as PyTorch does. {hint}"
    return gone


REMOVED = {
    "eig": _removed("eig", "Use torch.linalg.eig (complex results) or torch.linalg.eigvals."),
    "symeig": _removed("symeig", "Use torch.linalg.eigh (note: it reads the lower triangle by default)."),
    "lstsq": _removed("lstsq", "Use torch.linalg.lstsq (arguments reversed)."),
    "solve": _removed("solve", "Use torch.linalg.solve (arguments reversed)."),
    "matrix_rank": _removed("matrix_rank", "Use torch.linalg.matrix_rank."),
}
for _name, _fn in REMOVED.items():
    if _name != "matrix_rank":
        setattr(Tensor, _name, _fn)


def _reinforce(self, reward):
    raise RuntimeError("reinforce() was removed.\nUse torch.distributions instead.")


def _each(self, fn, *others):
    """self[i] = fn(self[i], *others[i]) elementwise, in Python (CPU tensors only, as in torch)."""
    import numpy as np
    arrays = [np.broadcast_to(o._data, self._data.shape) for o in others]
    out = np.vectorize(fn, otypes=[self._data.dtype])(self._data, *arrays) if self._data.size else self._data
    self._data[...] = out
    self._vc[0] += 1
    return self


def _resize_copy(self, *sizes):
    import warnings
    warnings.warn("non-inplace resize is deprecated", stacklevel=2)
    return self.detach().clone().resize_(*sizes)


def _resize_as_copy(self, other):
    import warnings
    warnings.warn("non-inplace resize_as is deprecated", stacklevel=2)
    return self.detach().clone().resize_(other.shape)


def _set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Make self a view of source (a tensor or a storage), or empty with no argument."""
    import numpy as np
    from ._storage import UntypedStorage
    if source is None:
        arr = np.empty(0, self._dtype.np)
    elif isinstance(source, Tensor):
        arr = source._data
    else:
        flat = source._bytes.view(self._dtype.np) if isinstance(source, UntypedStorage) else source._array
        size = tuple(size) if size is not None else (len(flat) - storage_offset,)
        stride = tuple(stride) if stride is not None else tuple(np.cumprod((1,) + size[:0:-1])[::-1].tolist())
        arr = np.lib.stride_tricks.as_strided(flat[storage_offset:], size, [s * flat.itemsize for s in stride])
    self._data = arr
    self._vc[0] += 1
    return self


def _dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory (by decreasing stride)."""
    strides = self.stride()
    return tuple(sorted(range(self.dim()), key=lambda d: -strides[d]))


def _storage_type(self):
    return globals()[D._LEGACY[self._dtype.name] + "Storage"]


def _chalf(self, memory_format=None):
    from .compat import NotImplementedInEmber
    raise NotImplementedInEmber("tensors of dtype torch.complex32 (Tensor.chalf) are not implemented in Ember")


def _mtia(self, device=None, non_blocking=False, memory_format=None):
    raise AssertionError("Torch not compiled with MTIA enabled.")


def _volatile(self):
    import warnings
    warnings.warn("volatile was removed (Variable.volatile is always False)", stacklevel=2)
    return False


Tensor.reinforce = _reinforce
Tensor.map_ = lambda self, tensor, callable: _each(self, callable, tensor)
Tensor.map2_ = lambda self, x, y, callable: _each(self, callable, x, y)
Tensor.apply_ = lambda self, callable: _each(self, callable)
Tensor.resize = _resize_copy
Tensor.resize_as = _resize_as_copy
Tensor.resize_as_ = lambda self, the_template, memory_format=None: self.resize_(the_template.shape)
Tensor.set_ = _set_
Tensor.dim_order = _dim_order
Tensor.storage_type = _storage_type
Tensor.chalf = _chalf
Tensor.mtia = _mtia
Tensor.volatile = property(_volatile)
Tensor.const_data_ptr = lambda self: self.data_ptr()
Tensor.is_same_size = lambda self, other: self.shape == other.shape
Tensor.is_distributed = lambda self: False
Tensor.module_load = lambda self, other, assign=False: other.detach() if not assign else other
Tensor.grad_dtype = property(lambda self: self._dtype if self._dtype._cat >= 2 else None)
