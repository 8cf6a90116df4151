"""Creation ops: tensor, zeros/ones/full/empty(_like), arange, linspace, eye, the random ones."""
import math
import numbers

import numpy as np

from .. import _dtype as D
from .._backend import to_device, default_device
from .._random import rng
from .._tensor import Tensor
from . import layout as _layout
from .registry import op, wrap, with_out, FUNCTIONS


def _finish(t, dtype=None, device=None, requires_grad=False, pin_memory=False, layout=None):
    if device is None:
        device = default_device[0]
    if device is not None:
        to_device(t._data, device, creating=True)
    if requires_grad:
        if t._dtype._cat < 2:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


_PY_DTYPES = {bool: lambda: D.bool_, int: lambda: D.int64, float: D.get_default_dtype, complex: D.default_complex}
_SEQUENCES = (list, tuple, range)
_PY_TYPES = frozenset(_PY_DTYPES)


def _infer(data, dtype=None):
    """An array for `data` with torch.tensor's dtype inference: Python numbers take bool/int64/the default
    float (or complex) dtype, NumPy scalars and 1-element tensors keep theirs, and the leaves' dtypes promote."""
    if isinstance(data, Tensor):
        return data._data, data._dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data), D.from_numpy_dtype(data.dtype)
    if type(data) in _PY_DTYPES:
        return np.asarray(data), _PY_DTYPES[type(data)]()
    if not isinstance(data, _SEQUENCES):
        _leaf_error(data)
    _check_ragged(data)
    py_types, others = set(), []
    _scan_leaves(data, py_types, others)
    dt = None
    for t in py_types:
        dt = _PY_DTYPES[t]() if dt is None else D.promote_types(dt, _PY_DTYPES[t]())
    for x in others:
        d = _leaf_dtype(x)
        dt = d if dt is None else D.promote_types(dt, d)
    if any(isinstance(x, Tensor) for x in others):
        data = _tensors_to_values(data)
    dt = dt or D.get_default_dtype()
    if dtype is not None:  # built in the asked dtype, or wide enough that nothing rounds on the way to it
        dt = dtype if dtype._cat >= 2 else D.promote_types(dt, D.float64) if dt._cat >= 2 else dt
    try:
        return np.array(data, dtype=dt.np), dt
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None


def _scan_leaves(data, py_types, others):
    kinds = set(map(type, data))
    if kinds <= _PY_TYPES:  # a sequence of plain numbers: no need to look at each
        py_types |= kinds
        return
    for x in data:
        t = type(x)
        if t is list or t is tuple or t is range:
            _scan_leaves(x, py_types, others)
        elif t in _PY_DTYPES:
            py_types.add(t)
        else:
            others.append(x)


def _leaf_dtype(x):
    if isinstance(x, Tensor):
        if x._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return x._dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(x.dtype)
    _leaf_error(x)


def _leaf_error(x):
    if isinstance(x, str):
        raise TypeError("new(): invalid data type 'str'")
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _tensors_to_values(data):
    if isinstance(data, _SEQUENCES):
        return [_tensors_to_values(x) for x in data]
    if isinstance(data, Tensor):
        return data.item()
    return data


def _check_ragged(data, dim=1):
    """torch's errors for nested sequences of unequal length or depth."""
    if not data or not isinstance(data[0], _SEQUENCES):
        for x in data:
            if isinstance(x, _SEQUENCES):
                raise TypeError(f"must be real number, not {type(x).__name__}" if isinstance(data[0], float)
                                else f"'{type(x).__name__}' object cannot be interpreted as an integer")
        return
    n = len(data[0])
    for x in data:
        if not isinstance(x, _SEQUENCES):
            raise TypeError("not a sequence")
        if len(x) != n:
            raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(x)})")
    for x in data:
        _check_ragged(x, dim + 1)


def _check_fits(arr, dt):
    """Python numbers given a dtype must fit it: complex numbers only a complex (or bool) dtype, and
    numbers given an integer dtype its range, NaN not at all (negative ints wrap into uint8, as in torch)."""
    if dt is D.bool_ or not arr.size:
        return
    if arr.dtype.kind == "c" and dt._cat < 3:
        raise TypeError("'complex' object cannot be interpreted as an integer" if dt._cat == 1 else
                        "must be real number, not complex")
    if dt._cat != 1 or arr.dtype.kind not in "if":
        return
    info = np.iinfo(dt.np)
    lo = info.min if dt is not D.uint8 else (-np.inf if arr.dtype.kind == "i" else 0)
    if (arr > info.max).any() or (arr < lo).any() or (arr.dtype.kind == "f" and np.isnan(arr).any()):
        raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")


@op(method=False)
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """torch.tensor: always copies `data`."""
    if dtype is not None:
        dtype = D.to_dtype(dtype)
    if isinstance(data, np.ndarray):
        _refuse_negative_strides(data)
    arr, dt = _infer(data, dtype)
    if dtype is not None:
        dt = dtype
        if not isinstance(data, (Tensor, np.ndarray, np.generic)):
            _check_fits(arr, dt)
    # a tensor or an array keeps its layout (torch.preserve_format); nested sequences are row-major
    arr = _layout.copy(arr, None, dt.np) if isinstance(data, (Tensor, np.ndarray)) else np.array(arr, dt.np)
    return _finish(Tensor._make(arr, dt), device=device, requires_grad=requires_grad)


@op(method=False)
def as_tensor(data, dtype=None, device=None):
    """torch.as_tensor: shares memory with a tensor or ndarray when the dtype allows."""
    if isinstance(data, Tensor):
        return data if dtype is None or D.to_dtype(dtype) is data._dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or D.to_dtype(dtype).np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


FUNCTIONS["asarray"] = lambda obj, *, dtype=None, device=None, copy=None, requires_grad=False: \
    _finish(tensor(obj, dtype=dtype) if copy else as_tensor(obj, dtype=dtype), requires_grad=requires_grad)


def _refuse_negative_strides(a):
    if any(s < 0 for s in a.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a copy "
                         "of your array  with array.copy().) ")


@op(method=False)
def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _refuse_negative_strides(ndarray)
    return Tensor._make(ndarray, D.from_numpy_dtype(ndarray.dtype))


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and isinstance(size[0], Tensor):
        size = tuple(size[0].tolist())
    for s in size:
        if not isinstance(s, (int, np.integer)) and not (isinstance(s, Tensor) and s.ndim == 0):
            raise TypeError(f"zeros(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, size))}]")
    return tuple(int(s) for s in size)


def _dt(dtype, default=None):
    return D.to_dtype(dtype) if dtype is not None else (default or D.get_default_dtype())


def _filled(fill):
    def make(*size, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
             memory_format=None, **kw):
        if kw:  # the keyword form zeros(size=(2, 3))
            size = (_size_keyword(kw, fill.__name__),)
        dt = _dt(dtype)
        if fill is np.zeros and any(isinstance(s, int) and s < 0 for s in size):
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        t = Tensor._make(fill(_size(size), dt.np), dt)
        return _finish(t, device=device, requires_grad=requires_grad)
    make.__name__ = make.__qualname__ = fill.__name__
    return make


def _size_keyword(kw, name):
    if set(kw) != {"size"}:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(k for k in kw if k != 'size')}'")
    return kw["size"]


# Ember's own calls use the plain functions; ember.zeros etc. add torch's out=
zeros, ones, empty = _filled(np.zeros), _filled(np.ones), _filled(np.empty)
FUNCTIONS.update((f.__name__, with_out(f, f.__name__)) for f in (zeros, ones, empty))


@op(method=False)
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None):
    if dtype is None:
        dtype = D.scalar_dtype(fill_value) if not isinstance(fill_value, Tensor) else fill_value.dtype
    dt = _dt(dtype)
    return _finish(Tensor._make(np.full(_size((size,)), fill_value, dtype=dt.np), dt), device=device,
                   requires_grad=requires_grad)


def _like(input, dtype, memory_format, device, requires_grad, values=None):
    """A new tensor shaped and laid out as input (memory_format, torch.preserve_format by default) holding
    values(dtype) (an array, Tensor or number broadcasting to input's shape; None: left empty)."""
    dt = _dt(dtype, input._dtype)
    out = _layout.empty_like(input._data, memory_format, dt.np)
    if values is not None:
        made = values(dt)
        out[...] = made._data if isinstance(made, Tensor) else made
    return _finish(Tensor._make(out, dt), device=device, requires_grad=requires_grad)


def _filled_like(value, name):
    def like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
        return _like(input, dtype, memory_format, device, requires_grad, None if value is None else lambda dt: value)
    like.__name__ = like.__qualname__ = name
    return like


FUNCTIONS["zeros_like"] = _filled_like(0, "zeros_like")
FUNCTIONS["ones_like"] = _filled_like(1, "ones_like")
FUNCTIONS["empty_like"] = _filled_like(None, "empty_like")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, dtype, memory_format, device, requires_grad, lambda dt: full(input.shape, fill_value, dtype=dt))


FUNCTIONS["full_like"] = full_like


def _new(maker):
    def new(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return maker(*size, dtype=dtype or self._dtype, device=device, requires_grad=requires_grad)
    return new


Tensor.new_zeros = _new(zeros)
Tensor.new_ones = _new(ones)
Tensor.new_empty = _new(empty)
Tensor.new_full = lambda self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, \
    pin_memory=False: \
    full(size, fill_value, dtype=dtype or self._dtype, requires_grad=requires_grad)
Tensor.new_tensor = lambda self, data, *, dtype=None, device=None, requires_grad=False, layout=None, \
    pin_memory=False: \
    tensor(data, dtype=dtype or self._dtype, requires_grad=requires_grad)


@op(method=False)
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, layout=None):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = D.get_default_dtype() if any(isinstance(v, float) for v in vals) else D.int64
    dt = D.to_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    # torch computes start + i*step in double precision, then casts
    arr = (start + np.arange(n, dtype=np.float64) * step) if dt._cat >= 2 or any(isinstance(v, float) for v in vals) \
        else start + np.arange(n, dtype=np.int64) * step
    return _finish(Tensor._make(arr.astype(dt.np), dt), device=device, requires_grad=requires_grad)


FUNCTIONS["range"] = lambda start, end, step=1, **kw: arange(start, end + step / 2 if step > 0 else end - step / 2,
                                                             step, **{"dtype": D.get_default_dtype(), **kw})


@op(method=False)
def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, layout=None):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _dt(dtype)
    start, end = [v.item() if isinstance(v, Tensor) else v for v in (start, end)]
    if steps == 1:
        arr = np.array([start], dtype=np.float64)
    else:
        # torch fills the first half from start and the second half from end, which is exact at both ends
        step = (end - start) / (steps - 1)
        i = np.arange(steps, dtype=np.float64)
        arr = np.where(i < steps // 2, start + step * i, end - step * (steps - 1 - i))
    if dt._cat == 1:
        arr = np.trunc(arr)
    return _finish(Tensor._make(arr.astype(dt.np), dt), device=device, requires_grad=requires_grad)


@op(method=False)
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, layout=None):
    dt = _dt(dtype)
    exps = linspace(start, end, steps, dtype=D.float64)._data
    return _finish(Tensor._make(np.power(base, exps).astype(dt.np), dt), device=device, requires_grad=requires_grad)


@op(method=False)
def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, layout=None):
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    dt = _dt(dtype)
    return _finish(Tensor._make(np.eye(n, m, dtype=dt.np), dt), device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------------- random
def _random(draw, name):
    def make(*size, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False, **kw):
        if kw:  # the keyword form rand(size=(2, 3))
            size = (_size_keyword(kw, name),)
        dt = _dt(dtype)
        if dt._cat < 2:
            raise NotImplementedError(f'"{name}" not implemented for \'{D._LEGACY[dt.name]}\'')
        arr = draw(rng(generator), _size(size), dt)
        return _finish(Tensor._make(arr, dt), device=device, requires_grad=requires_grad)
    make.__name__ = name
    return make


def _complex_parts(draw, g, size, dt, scale):
    """A complex draw: real and imaginary parts drawn independently (each scaled by `scale`)."""
    parts = draw(g, tuple(size) + (2,), dt.to_real())
    return (parts * parts.dtype.type(scale) if scale != 1 else parts).view(dt.np)[..., 0]


def _uniform(g, size, dt):
    if dt.is_complex:
        return _complex_parts(_uniform, g, size, dt, 1)
    if dt is D.float64 or dt is D.float32:
        return g.random(size, dtype=dt.np)
    return g.random(size, dtype=np.float32).astype(dt.np)


def _normal(g, size, dt):
    if dt.is_complex:  # each part N(0, 1/2), so that E|z|^2 = 1 as in torch
        return _complex_parts(_normal, g, size, dt, 0.5 ** 0.5)
    if dt is D.float64 or dt is D.float32:
        return g.standard_normal(size, dtype=dt.np)
    return g.standard_normal(size, dtype=np.float32).astype(dt.np)


rand, randn = _random(_uniform, "check_uniform_bounds"), _random(_normal, "normal_kernel_cpu")
FUNCTIONS["rand"], FUNCTIONS["randn"] = with_out(rand, "rand"), with_out(randn, "randn")


def _random_like(draw, name):
    def like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
             memory_format=None):
        return _like(input, dtype, memory_format, device, requires_grad,
                     lambda dt: draw(input.shape, generator=generator, dtype=dt))
    like.__name__ = like.__qualname__ = name
    return like


FUNCTIONS["rand_like"], FUNCTIONS["randn_like"] = _random_like(rand, "rand_like"), _random_like(randn, "randn_like")


@op(method=False)
def randint(low=None, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
            layout=None):
    """torch.randint: randint(high, size), randint(low, high, size), and their keyword forms."""
    if size is None and high is not None and low is not None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(10, size=(1,))
        low, high = 0, low
    if low is None:
        low = 0
    if high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments: it needs `high` and `size` "
                        "(randint(high, size) or randint(low, high, size))")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = _dt(dtype, D.int64)
    arr = rng(generator).integers(low, high, size=_size((size,)), dtype=np.int64).astype(dt.np)
    return _finish(Tensor._make(arr, dt), device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None):
    """torch.randint_like(input, high) or (input, low, high)."""
    low, high = (0, low) if high is None else (low, high)
    return _like(input, dtype, memory_format, device, requires_grad,
                 lambda dt: randint(low, high, input.shape, generator=generator, dtype=dt))


FUNCTIONS["randint_like"] = randint_like


@op(method=False)
def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False):
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dt = _dt(dtype, D.int64)
    return _finish(Tensor._make(rng(generator).permutation(n).astype(dt.np), dt), device=device,
                   requires_grad=requires_grad)


@op(method=False)
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if isinstance(std, numbers.Number) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if isinstance(std, Tensor) and (std._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        shape = np.broadcast_shapes(np.shape(getattr(mean, "_data", mean)), np.shape(getattr(std, "_data", std)))
        z = _normal(rng(generator), shape, ref._dtype)
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        return wrap(m + s * z, ref._dtype)
    dt = _dt(dtype)
    arr = (mean + std * _normal(rng(generator), _size((size,)), dt)).astype(dt.np)
    return _finish(Tensor._make(arr, dt), requires_grad=requires_grad)


@op()
def bernoulli(input, p=None, *, generator=None):
    if input._dtype._cat < 2:
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for \'{D._LEGACY[input._dtype.name]}\'')
    prob = input._data if p is None else p
    if np.any((np.asarray(prob) < 0) | (np.asarray(prob) > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    draw = rng(generator).random(input._data.shape, dtype=np.float64) < prob
    return wrap(draw.astype(input._data.dtype), input._dtype)


@op()
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    p = input._data.astype(np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if (p < 0).any() or not np.isfinite(p).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = p.reshape(-1, p.shape[-1])
    if (rows.sum(-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    g = rng(generator)
    out = np.stack([g.choice(r.shape[0], num_samples, replace=replacement, p=r / r.sum()) for r in rows])
    return wrap(out.reshape(p.shape[:-1] + (num_samples,)), D.int64)


@op(function=False)
def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Uniform draws in [from, to) (torch's first parameter is `from`, a Python keyword: pass it by position)."""
    from .registry import check_inplace
    check_inplace(self)
    self._data[...] = from_ + (to - from_) * _uniform(rng(generator), self._data.shape, self._dtype)
    self._vc[0] += 1
    return self


@op(function=False)
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    from .registry import check_inplace
    check_inplace(self)
    self._data[...] = mean + std * _normal(rng(generator), self._data.shape, self._dtype)
    self._vc[0] += 1
    return self


@op(function=False)
def random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        from_, to = 0, (from_ if from_ else 2 ** 24 if self._dtype._cat == 2 else np.iinfo(self._dtype.np).max)
    self._data[...] = rng(generator).integers(from_, to, size=self._data.shape)
    self._vc[0] += 1
    return self


@op(function=False)
def bernoulli_(self, p=0.5, *, generator=None):
    prob = p._data if isinstance(p, Tensor) else p
    self._data[...] = rng(generator).random(self._data.shape) < prob
    self._vc[0] += 1
    return self


@op(function=False)
def exponential_(self, lambd=1.0, *, generator=None):
    self._data[...] = rng(generator).exponential(1.0 / lambd, size=self._data.shape)
    self._vc[0] += 1
    return self


# ---------------------------------------------------------------------- constructors and pickling
def _legacy_new(cls, *args, **kwargs):
    """torch.Tensor(...): from data (as float32) or an uninitialised tensor of a given size."""
    if not args:
        t = Tensor._make(np.empty((0,), np.float32), D.float32)
    elif all(isinstance(a, int) for a in args):
        t = Tensor._make(np.empty(args, np.float32), D.float32)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        t = args[0]
    else:
        t = tensor(args[0], dtype=D.float32)
    if cls is not Tensor:
        t = Tensor._make(t._data, t._dtype)
        t.__class__ = cls
    return t


def _rebuild(arr, dtype_name, requires_grad):
    t = Tensor._make(arr, D.to_dtype(dtype_name))
    t._rg = requires_grad
    return t


# ---------------------------------------------------------------------- windows (torch.hann_window, ...)
def _window(name, values, length, periodic, params, dtype, device, requires_grad):
    """A window of `length` points as a 1-D tensor: a periodic window is the symmetric one of length N + 1
    without its last point, as spectral analysis (stft) uses."""
    dt = _dt(dtype)
    if dt._cat != 2:
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype="
                           f"{D.C_NAMES[dt.name]}, device=cpu, layout=Strided (default), requires_grad=false "
                           "(default), pinned_memory=false, memory_format=(nullopt))")
    if length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={length}")
    arr = np.ones(length) if length <= 1 else values(length + 1 if periodic else length, *params)[:length]
    return _finish(Tensor._make(arr.astype(dt.np), dt), device=device, requires_grad=requires_grad)


@op(method=False)
def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False,
                pin_memory=False):
    """0.5 - 0.5 cos(2 pi n / (N - 1))."""
    return _window("hann_window", np.hanning, window_length, periodic, (), dtype, device, requires_grad)


@op(method=False)
def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """alpha - beta cos(2 pi n / (N - 1))."""
    return _window("hamming_window", lambda n, a, b: a - b * np.cos(2 * np.pi * np.arange(n) / (n - 1)),
                   window_length, periodic, (alpha, beta), dtype, device, requires_grad)


@op(method=False)
def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False,
                    pin_memory=False):
    """0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))."""
    return _window("blackman_window", np.blackman, window_length, periodic, (), dtype, device, requires_grad)


@op(method=False)
def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False,
                    pin_memory=False):
    """The triangle 1 - |2n / (N - 1) - 1|."""
    return _window("bartlett_window", np.bartlett, window_length, periodic, (), dtype, device, requires_grad)


@op(method=False)
def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False, pin_memory=False):
    """I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)."""
    return _window("kaiser_window", np.kaiser, window_length, periodic, (beta,), dtype, device, requires_grad)


# ---------------------------------------------------------------------- index grids and raw constructors
def _tri_indices(lower):
    def indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
        dt = _dt(dtype, D.int64)
        if dt not in (D.int64, D.int32):
            raise RuntimeError(f'"{"tril" if lower else "triu"}_indices" not implemented for '
                               f"'{D._LEGACY[dt.name]}'")
        r, c = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
        return _finish(Tensor._make(np.stack([r, c]).astype(dt.np).reshape(2, -1), dt), device=device)
    indices.__name__ = indices.__qualname__ = ("tril" if lower else "triu") + "_indices"
    indices.__doc__ = (f"torch.{indices.__name__}: the (row, column) coordinates of the "
                       f"{'lower' if lower else 'upper'} triangle of a row x col matrix, as a 2 x N tensor.")
    return indices


FUNCTIONS["tril_indices"], FUNCTIONS["triu_indices"] = _tri_indices(True), _tri_indices(False)


@op(method=False)
def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """A 0-d tensor holding s, of the default float dtype unless told."""
    dt = _dt(dtype)
    return _finish(Tensor._make(np.array(s, dt.np), dt), device=device, requires_grad=requires_grad)


@op(method=False)
def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """An uninitialised tensor with the given strides, over a storage just large enough for them."""
    n = 1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
    t = empty(n, dtype=dtype).as_strided(tuple(size), tuple(stride))
    return _finish(t, device=device, requires_grad=requires_grad)


@op(method=False)
def empty_permuted(size, physical_layout, *, dtype=None, device=None, requires_grad=False, layout=None,
                   pin_memory=False):
    """An uninitialised tensor of `size` whose dims lie in memory in the order physical_layout."""
    t = empty(*[size[d] for d in physical_layout], dtype=dtype).permute(*np.argsort(physical_layout).tolist())
    return _finish(t, device=device, requires_grad=requires_grad)


@op(method=False)
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor sharing the memory of a Python buffer (bytes, bytearray, memoryview, array.array)."""
    dt = D.to_dtype(dtype)
    if len(memoryview(buffer).cast("B")) - offset <= 0:
        raise ValueError(f"both buffer length ({len(memoryview(buffer))}) and offset ({offset}) must not be 0")
    arr = np.frombuffer(buffer, dt.np, count, offset)
    return _finish(Tensor._make(arr, dt), requires_grad=requires_grad)


@op(method=False)
def from_file(filename, shared=None, size=0, *, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False):
    """size elements of dtype read from the file (mapped, and written back, when shared=True)."""
    dt = _dt(dtype)
    arr = np.memmap(filename, dt.np, "r+" if shared else "c", shape=(size,)) if size else np.empty(0, dt.np)
    return _finish(Tensor._make(np.asarray(arr) if not shared else arr, dt), device=device,
                   requires_grad=requires_grad)


# ---------------------------------------------------------------------- more in-place draws, and count draws
def _fill(self, values):
    self._data[...] = values
    self._vc[0] += 1
    return self


# torch's parameterisations: geometric counts trials (support 1, 2, ...), log_normal takes the log's mean and std
@op(function=False)
def geometric_(self, p, *, generator=None):
    return _fill(self, rng(generator).geometric(p, self._data.shape))


@op(function=False)
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    return _fill(self, median + sigma * rng(generator).standard_cauchy(self._data.shape))


@op(function=False)
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    return _fill(self, rng(generator).lognormal(mean, std, self._data.shape))


@op(method=False)
def poisson(input, generator=None):
    """A Poisson draw with rate `input`, elementwise, in input's dtype."""
    return Tensor._make(rng(generator).poisson(input._data).astype(input._dtype.np), input._dtype)


@op(method=False)
def binomial(count, prob, generator=None):
    """A Binomial(count, prob) draw, elementwise, in count's dtype."""
    return Tensor._make(rng(generator).binomial(count._data.astype(np.int64), prob._data).astype(count._dtype.np),
                        count._dtype)


def _new_legacy(self, *args, device=None):
    """Tensor.new(...): torch.FloatTensor(...)'s rules in self's dtype."""
    from .._legacy import construct
    return construct(self._dtype, args)


Tensor.new = _new_legacy
Tensor.new_empty_strided = lambda self, size, stride, *, dtype=None, device=None, requires_grad=False, **kw: \
    FUNCTIONS["empty_strided"](size, stride, dtype=dtype or self._dtype, requires_grad=requires_grad)
