"""Ember's dtypes and PyTorch's type-promotion rules (torch.result_type, torch.promote_types)."""
import numpy as np


class dtype:
    """A tensor element type; mirrors torch.dtype (printed as `torch.float32`)."""
    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed", "_cat", "__weakref__")

    def __init__(self, name, np_dtype, cat, itemsize=None):
        self.name = name
        if np_dtype is not None:
            self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize if itemsize is None else itemsize
        self._cat = cat  # 0 bool, 1 integral, 2 floating, 3 complex: the order of type promotion
        self.is_floating_point = cat == 2
        self.is_complex = cat == 3
        self.is_signed = name not in ("bool", "uint8")

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self):
        return {"float64": complex128, "float32": complex64, "float16": complex64,
                "bfloat16": complex64}.get(self.name, self)


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
class _MlDtype(dtype):
    """A dtype whose NumPy type comes from ml_dtypes, imported on first use: it takes about a second to
    import, and most programs never touch bfloat16."""
    __slots__ = ()

    @property
    def np(self):
        import ml_dtypes
        dtype.np.__set__(self, np.dtype(getattr(ml_dtypes, self.name)))
        _BY_NP[dtype.np.__get__(self)] = self
        del type(self).np  # later reads find the slot directly
        return dtype.np.__get__(self)


bfloat16 = _MlDtype("bfloat16", None, 2, itemsize=2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
complex64 = dtype("complex64", np.complex64, 3)
complex128 = dtype("complex128", np.complex128, 3)

all_dtypes = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128)
_BY_NP = {d.np: d for d in all_dtypes if d is not bfloat16}  # bfloat16 joins when ml_dtypes is imported
_BY_NAME = {d.name: d for d in all_dtypes}
# PyTorch's aliases: torch.float is float32, torch.long is int64, ...
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
           "short": int16, "cfloat": complex64, "cdouble": complex128, "bool": bool_}


def _by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    try:
        np_dtype = np.dtype(np_dtype)
        if np_dtype.name == "bfloat16":  # an ml_dtypes array: ml_dtypes is imported, so bfloat16.np resolves
            bfloat16.np
        return _BY_NP[np_dtype]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
                        ) from None


_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    if d not in (float16, bfloat16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def default_complex():
    return complex128 if _default_float is float64 else complex64


# The promotion lattice among equal categories; across categories the higher category wins,
# except that a float meeting a complex gives the complex type of the float's precision.
_INT_ORDER = {"bool": 0, "uint8": 1, "int8": 1, "int16": 2, "int32": 3, "int64": 4}
_FLOAT_BITS = {"float16": 16, "bfloat16": 16, "float32": 32, "float64": 64}


def promote_types(type1, type2):
    """torch.promote_types: the smallest dtype both type1 and type2 convert to safely."""
    a, b = type1, type2
    if a is b:
        return a
    if a._cat != b._cat:
        hi, lo = (a, b) if a._cat > b._cat else (b, a)
        if hi.is_complex and lo.is_floating_point and lo is float64:
            return complex128
        return hi
    if a._cat == 1:
        if {a.name, b.name} == {"uint8", "int8"}:
            return int16
        return a if _INT_ORDER[a.name] > _INT_ORDER[b.name] else b
    if a._cat == 2:
        if {a.name, b.name} == {"float16", "bfloat16"}:
            return float32
        return a if _FLOAT_BITS[a.name] > _FLOAT_BITS[b.name] else b
    return complex128  # complex64 with complex128


def scalar_dtype(x):
    """The dtype PyTorch gives a Python number when it takes part in promotion (a 'wrapped number')."""
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return int64
    if isinstance(x, float):
        return _default_float
    if isinstance(x, complex):
        return default_complex()
    if isinstance(x, np.generic):
        return from_numpy_dtype(x.dtype)
    raise TypeError(f"unsupported scalar type {type(x).__name__}")


def _combine(higher, lower):
    # torch's ResultTypeState: a lower-priority group only matters when it is of a higher category
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if higher.is_floating_point:
        return higher.to_complex() if lower.is_complex else higher
    if higher is bool_ or lower._cat >= 2:
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """torch.result_type over tensors and Python scalars: dimensioned tensors outrank 0-d tensors,
    which outrank Python numbers, unless the lower group is of a higher category."""
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            d = scalar_dtype(x)
            if isinstance(x, np.generic):  # a NumPy scalar behaves as a 0-d tensor
                zero = d if zero is None else promote_types(zero, d)
            else:
                wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


def can_cast(from_, to):
    """torch.can_cast: no casting down a category (float->int, complex->float, non-bool->bool)."""
    return from_._cat <= to._cat


def to_dtype(d):
    """Accept an ember dtype, a NumPy dtype/type, or a name; return the ember dtype."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, str):
        d = d.replace("torch.", "")
        if d in _BY_NAME:
            return _BY_NAME[d]
        if d in ALIASES:
            return ALIASES[d]
        raise TypeError(f"invalid dtype name {d!r}")
    if d is float:
        return _default_float
    if d is int:
        return int64
    if d is bool:
        return bool_
    if d is complex:
        return default_complex()
    return from_numpy_dtype(d)


_LEGACY = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
           "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
           "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


# the C++ element type names torch's kernels print in some messages
C_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
           "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
           "float64": "double", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def legacy_type_name(d):
    """torch.FloatTensor-style name of a CPU tensor type, as torch's .type() and messages use."""
    return f"torch.{_LEGACY[d.name]}Tensor"


# ---------------------------------------------------------------------- dtypes Ember names but does not compute in
class _shell_dtype(dtype):
    """A dtype torch names but Ember does not compute in (torch.uint16, float8_*, the sub-byte and bit types):
    it prints, compares and reports its size, and any tensor of it fails at once with 'not implemented'."""
    __slots__ = ()
    np = property(lambda self: _no_shell(self))

    def __init__(self, name, itemsize, cat, signed=True):
        self.name, self.itemsize, self._cat = name, itemsize, cat
        self.is_floating_point, self.is_complex = cat == 2, cat == 3
        if type(self) is _shell_dtype:
            self.is_signed = signed

    def __reduce__(self):
        return (_shell_by_name, (self.name,))


class _bits_dtype(_shell_dtype):
    """torch.bits8 and friends: raw bit containers, with no signedness (asking raises, as in torch)."""
    __slots__ = ()
    is_signed = property(lambda self: _no_signedness())


def _no_signedness():
    raise RuntimeError("Bits types are undefined")


def _no_shell(d):
    from .compat import NotImplementedInEmber
    raise NotImplementedInEmber(f"tensors of dtype torch.{d.name} are not implemented in Ember")


SHELL_DTYPES = {d.name: d for d in (
    [_shell_dtype(f"uint{b}", b // 8, 1, False) for b in (16, 32, 64)]
    + [_shell_dtype(n, 1, 2) for n in ("float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz",
                                       "float8_e8m0fnu", "float4_e2m1fn_x2")]
    + [_shell_dtype("complex32", 4, 3)]
    + [_shell_dtype(f"int{b}", 1, 1) for b in range(1, 8)]
    + [_shell_dtype(f"uint{b}", 1, 1, False) for b in range(1, 8)]
    + [_bits_dtype(n, s, 1, False) for n, s in (("bits1x8", 1), ("bits2x4", 1), ("bits4x2", 1), ("bits8", 1),
                                                 ("bits16", 2))])}
SHELL_DTYPES["float8_e8m0fnu"].is_signed = False


def _shell_by_name(name):
    return SHELL_DTYPES[name]


# ---------------------------------------------------------------------- torch.finfo / torch.iinfo
def _g(x):
    return f"{x:g}"


class finfo:
    """Machine limits of a floating dtype (torch.finfo): bits, eps, max, min, tiny, smallest_normal, resolution."""

    def __init__(self, type=None):
        d = get_default_dtype() if type is None else type
        if not isinstance(d, dtype) or d._cat < 2:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        d = d.to_real()
        if d is bfloat16:  # NumPy's finfo does not know it
            import ml_dtypes
            info = ml_dtypes.finfo(d.np)
        else:
            info = np.finfo(d.np)
        self.bits, self.dtype = info.bits, d.name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, eps={_g(self.eps)}, "
                f"smallest_normal={_g(self.smallest_normal)}, tiny={_g(self.tiny)}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (torch.iinfo): bits, min, max."""

    def __init__(self, type):
        if not isinstance(type, dtype) or type._cat != 1:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(type.np)
        self.bits, self.min, self.max, self.dtype = info.bits, int(info.min), int(info.max), type.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"
