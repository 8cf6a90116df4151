"""Shared helpers for the tensor tests: build the same input in Ember and in PyTorch, run the same
call in both, and compare results (values, dtype, shape) or raised exceptions (type, message)."""
import math

import numpy as np
import pytest
import torch

import ember

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128")
_TOL = {"float16": (2e-3, 1e-3), "bfloat16": (1.6e-2, 1e-2), "float32": (2e-5, 1e-5), "float64": (1e-12, 1e-12),
        "complex64": (2e-5, 1e-5), "complex128": (1e-12, 1e-12)}


# ---------------------------------------------------------------------- making inputs
def values(shape, dtype, kind="normal", seed=0):
    """A NumPy array of `kind` values for `dtype` (bfloat16 values are carried as float32)."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype in ("uint8", "int8", "int16", "int32", "int64"):
        lo, hi = {"normal": (-9, 10), "pos": (1, 10), "index": (0, 3), "small": (0, 4), "wide": (-100, 100),
                  "unit": (-1, 2)}.get(kind, (-9, 10))
        if dtype == "uint8":
            lo = max(lo, 0)
        return rng.integers(lo, hi, size=shape).astype(dtype)
    real = dtype.replace("complex64", "float32").replace("complex128", "float64").replace("bfloat16", "float32")
    draw = {"normal": lambda: rng.standard_normal(shape) * 2,
            "pos": lambda: rng.uniform(0.5, 3.0, shape),
            "unit": lambda: rng.uniform(-0.9, 0.9, shape),
            "prob": lambda: rng.uniform(0.05, 1.0, shape),
            "ints": lambda: rng.integers(-5, 6, shape).astype(float),
            "wide": lambda: rng.standard_normal(shape) * 100,
            "big": lambda: rng.uniform(1.1, 4.0, shape),
            "special": lambda: rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.5], size=shape)}[kind]
    out = draw().astype(real)
    if dtype.startswith("complex"):
        out = out + 1j * draw().astype(real)
    return out


def both(arr, dtype=None):
    """The array as an Ember tensor and a PyTorch tensor of the same dtype."""
    arr = np.asarray(arr)
    dtype = dtype or ("bool" if arr.dtype == bool else str(arr.dtype))
    src = arr.astype(np.float32) if dtype == "bfloat16" else arr
    e = ember.tensor(src.copy()).to(getattr(ember, dtype))
    t = torch.tensor(src.copy()).to(getattr(torch, dtype))
    return e, t


def apply_layout(x, layout):
    """A view of x with the named memory layout, built with the library's own view ops."""
    if layout == "c":
        return x
    if layout == "t":  # transposed: the same shape from a tensor stored the other way round
        return x.transpose(-2, -1).contiguous().transpose(-2, -1)
    if layout == "x":  # expanded from one row
        return x[..., :1, :].expand(x.shape)
    raise ValueError(layout)


class T:
    """An input spec: shape, dtype, kind of values, memory layout ('c', 't', 's', 'x')."""

    def __init__(self, shape=(3, 4), dtype="float32", kind="normal", layout="c", seed=0):
        self.shape, self.dtype, self.kind, self.layout, self.seed = tuple(shape), dtype, kind, layout, seed

    def make(self):
        if self.layout == "s":
            base = values(self.shape[:-1] + (2 * self.shape[-1],), self.dtype, self.kind, self.seed)
            e, t = both(base, self.dtype)
            return e[..., ::2], t[..., ::2]
        e, t = both(values(self.shape, self.dtype, self.kind, self.seed), self.dtype)
        return apply_layout(e, self.layout), apply_layout(t, self.layout)

    def __repr__(self):
        extra = "".join(f",{v}" for v, d in ((self.kind, "normal"), (self.layout, "c")) if v != d)
        return f"T{list(self.shape)}{self.dtype}{extra}"


class Lit:
    """A literal argument given to both libraries: a number, dtype name (D('int64')), or a tensor list."""

    def __init__(self, make_e, make_t, label):
        self.make_e, self.make_t, self.label = make_e, make_t, label

    def __repr__(self):
        return self.label


def D(name):
    return Lit(lambda: getattr(ember, name), lambda: getattr(torch, name), name)


def Ts(*specs):
    """A list of tensors, for cat/stack and friends."""
    def make(i):
        return lambda: [s.make()[i] for s in specs]
    return Lit(make(0), make(1), "[" + ",".join(map(repr, specs)) + "]")


def build(args):
    """Ember and PyTorch versions of an argument structure holding T specs, Lits and plain values."""
    if isinstance(args, T):
        return args.make()
    if isinstance(args, Lit):
        return args.make_e(), args.make_t()
    if isinstance(args, tuple):
        pairs = [build(a) for a in args]
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
    if isinstance(args, list):
        pairs = [build(a) for a in args]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if isinstance(args, dict):
        pairs = {k: build(v) for k, v in args.items()}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    return args, args


# ---------------------------------------------------------------------- comparing outputs
def as_numpy(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return x.float().numpy() if x.dtype == torch.bfloat16 else x.numpy()
    a = x.detach()._data
    return a.astype(np.float32) if x.dtype == ember.bfloat16 else a


def assert_same(e, t, rtol=None, atol=None, where="result"):
    """Ember's result equals PyTorch's: tensor dtype, shape and values, or equal Python values,
    recursively through tuples and lists (named tuples must have the same type name)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{where}: expected a Tensor, got {type(e).__name__}"
        assert repr(e.dtype) == repr(t.dtype), f"{where}: dtype {e.dtype} != {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{where}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        a, b = as_numpy(e), as_numpy(t)
        name = str(t.dtype).replace("torch.", "")
        if name in _TOL:
            r, at = _TOL[name]
            np.testing.assert_allclose(a, b, rtol=rtol or r, atol=atol or at, equal_nan=True, err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
        return
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)), f"{where}: expected a sequence, got {type(e).__name__}"
        assert len(e) == len(t), f"{where}: length {len(e)} != {len(t)}"
        if type(t).__module__ == "torch.return_types":
            assert type(e).__name__ == type(t).__name__, f"{where}: {type(e).__name__} != {type(t).__name__}"
        for i, (x, y) in enumerate(zip(e, t)):
            assert_same(x, y, rtol, atol, f"{where}[{i}]")
        return
    if isinstance(t, torch.dtype):
        assert repr(e) == repr(t), where
        return
    if isinstance(t, torch.Size):
        assert isinstance(e, ember.Size) and tuple(e) == tuple(t), where
        return
    assert type(e) is type(t), f"{where}: {type(e).__name__} != {type(t).__name__}"
    if isinstance(t, float) and math.isnan(t):
        assert math.isnan(e), where
    elif isinstance(t, float):
        assert e == pytest.approx(t, rel=rtol or 1e-5, abs=atol or 1e-6), where
    else:
        assert e == t, f"{where}: {e!r} != {t!r}"


def run_both(fn_e, fn_t, *, message=True):
    """Call fn_t(); if PyTorch raises, Ember must raise the same exception type (and, with message=True,
    a message sharing PyTorch's first line); else return both results."""
    try:
        rt = fn_t()
    except Exception as exc_t:  # noqa: BLE001 - torch decides which exceptions are expected
        with pytest.raises(type(exc_t)) as info:
            fn_e()
        if message:
            first = str(exc_t).split("\n")[0]
            assert _norm(first) == _norm(str(info.value).split("\n")[0]), \
                f"message differs:\n torch: {first}\n ember: {info.value}"
        return None
    return fn_e(), rt


def _norm(msg):
    return msg.replace("torch.", "").strip()


@pytest.fixture
def seeded():
    ember.manual_seed(0)
    yield
