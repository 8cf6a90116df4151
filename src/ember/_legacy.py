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
        from . import empty, tensor
        if len(args) == 1 and isinstance(args[0], Tensor):
            t = args[0]
            if t.dtype is not cls.dtype:
                raise TypeError(f"expected {cls.__name__[:-6]} tensor (got {D.legacy_type_name(t.dtype)})")
            return t.detach()
        if not args:
            return empty(0, dtype=cls.dtype)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return empty(*args, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], Size):
            return empty(args[0], dtype=cls.dtype)
        if len(args) == 1 and hasattr(args[0], "__len__"):
            return tensor(args[0], dtype=cls.dtype)
        raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


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
