"""ember._printing.format_tensor must reproduce torch's tensor repr character for character."""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest
import torch

# Load the module by path so this test does not depend on the rest of the ember package.
_PATH = pathlib.Path(__file__).resolve().parents[1] / "src" / "ember" / "_printing.py"
_spec = importlib.util.spec_from_file_location("ember_printing_under_test", _PATH)
printing = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = printing  # dataclasses look their module up here
_spec.loader.exec_module(printing)
format_tensor = printing.format_tensor

FLOAT_DTYPES = ["float16", "bfloat16", "float32", "float64"]
COMPLEX_DTYPES = ["complex64", "complex128"]
INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]
ALL_DTYPES = ["bool"] + INT_DTYPES + FLOAT_DTYPES + COMPLEX_DTYPES

SHAPES = [(), (0,), (0, 3), (5,), (3, 4), (2, 3, 4), (1001,), (40, 40), (3, 1000)]
FLOAT_KINDS = ["normal", "tiny", "huge", "mixed", "integers", "special", "zeros"]
INT_KINDS = ["small", "wide"]


def _float_values(kind, shape, rng):
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "tiny":
        return rng.standard_normal(shape) * 1e-6
    if kind == "huge":
        return rng.standard_normal(shape) * 1e10
    if kind == "mixed":
        return rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-8, 8, size=shape)
    if kind == "integers":
        return rng.integers(-200, 200, size=shape).astype(np.float64)
    if kind == "zeros":
        return np.zeros(shape)
    if kind == "special":
        values = rng.standard_normal(shape) * 100
        specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0])
        mask = rng.random(shape) < 0.3
        return np.where(mask, rng.choice(specials, size=shape), values)
    raise ValueError(kind)


def _int_values(kind, shape, dtype_name, rng):
    info = np.iinfo(np.dtype(dtype_name))
    if kind == "small":
        low, high = max(info.min, -10), min(info.max, 10)
    else:
        low, high = info.min, info.max
    return rng.integers(low, high, size=shape, endpoint=True, dtype=np.int64 if dtype_name != "uint8" else np.uint8)


def make_tensor(dtype_name, shape, kind, seed=0):
    rng = np.random.default_rng(seed)
    dtype = getattr(torch, dtype_name)
    if dtype_name == "bool":
        return torch.from_numpy(np.asarray(rng.random(shape) < 0.5))
    if dtype_name in INT_DTYPES:
        return torch.from_numpy(np.asarray(_int_values(kind, shape, dtype_name, rng))).to(dtype)
    real = torch.from_numpy(np.asarray(_float_values(kind, shape, rng)))
    if dtype_name in COMPLEX_DTYPES:
        imag = torch.from_numpy(np.asarray(_float_values(kind, shape, np.random.default_rng(seed + 1))))
        return torch.complex(real, imag).to(dtype)
    return real.to(dtype)


def torch_suffixes(t):
    if t.grad_fn is not None:
        return (f"grad_fn=<{type(t.grad_fn).__name__}>",)
    if t.requires_grad:
        return ("requires_grad=True",)
    return ()


def ember_repr(t, **kwargs):
    dtype_name = str(t.dtype).removeprefix("torch.")
    values = t.detach()
    # numpy has no bfloat16; hand over float32 values and let the dtype name say bfloat16.
    array = values.float().numpy() if dtype_name == "bfloat16" else values.numpy()
    kwargs.setdefault("suffixes", torch_suffixes(t))
    return format_tensor(array, dtype_name, **kwargs)


def assert_same(t, **kwargs):
    assert ember_repr(t, **kwargs) == repr(t)


@pytest.fixture(autouse=True)
def restore_print_state():
    yield
    torch.set_printoptions(profile="default")
    printing.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


def _cases():
    for dtype_name in ALL_DTYPES:
        if dtype_name == "bool":
            kinds = ["random"]
        elif dtype_name in INT_DTYPES:
            kinds = INT_KINDS
        else:
            kinds = FLOAT_KINDS
        for shape in SHAPES:
            for kind in kinds:
                yield pytest.param(dtype_name, shape, kind, id=f"{dtype_name}-{shape}-{kind}")


@pytest.mark.parametrize("dtype_name,shape,kind", list(_cases()))
def test_matches_torch(dtype_name, shape, kind):
    assert_same(make_tensor(dtype_name, shape, kind))


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("dtype_name", FLOAT_DTYPES + COMPLEX_DTYPES)
def test_random_mixtures(dtype_name, seed):
    kind = FLOAT_KINDS[seed % len(FLOAT_KINDS)]
    shape = SHAPES[seed % len(SHAPES)]
    t = make_tensor(dtype_name, shape, kind, seed=seed)
    assert_same(t)


@pytest.mark.parametrize(
    "values",
    [
        [1e-5, 1e5],
        [1.0, 2.0, 3.0],
        [0.0, -0.0],
        [-0.0],
        [1.0, float("inf")],
        [float("nan"), 0.0],
        [float("nan"), float("-inf"), 1.5],
        [9.99996, 1.0],
        [99999.5, 0.5],
        [1e8, 1.0],
        [1.5e8],
        [9.99999e-5],
        [1e-300, 1e300],
        [-1e-300, 1e300],
        [123456789.0],
        [0.1, 0.2, 1000.0],
        [0.1, 0.2, 100.0],
        [-1.0, 1e-4],
        [float("inf"), float("-inf")],
    ],
)
@pytest.mark.parametrize("dtype_name", ["float16", "bfloat16", "float32", "float64", "complex64"])
@pytest.mark.parametrize("scalar", [False, True])
def test_edge_values(values, dtype_name, scalar):
    t = torch.tensor(values, dtype=torch.float64).to(getattr(torch, dtype_name))
    if dtype_name == "complex64":
        t = t * (1 - 2j)
    assert_same(t[0] if scalar else t)


@pytest.mark.parametrize(
    "real,imag",
    [(1.0, 0.0), (1.0, -0.0), (-0.0, 2.5), (float("nan"), 1.0), (1.0, float("nan")), (0.0, float("-inf"))],
)
def test_complex_parts(real, imag):
    t = torch.complex(torch.tensor([real, 3.0]), torch.tensor([imag, -4.0]))
    assert_same(t)
    assert_same(t[0])


@pytest.mark.parametrize("dtype_name", FLOAT_DTYPES + COMPLEX_DTYPES)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4), (1001,), (12,)])
@pytest.mark.parametrize("mode", ["leaf", "add", "mul", "sum"])
def test_autograd_suffixes(dtype_name, shape, mode):
    leaf = make_tensor(dtype_name, shape, "normal").requires_grad_()
    t = {"leaf": leaf, "add": leaf + 1, "mul": leaf * 2, "sum": leaf.sum()}[mode]
    assert_same(t)


@pytest.mark.parametrize("length", range(1, 16))
@pytest.mark.parametrize("dtype_name", ["float64", "int32", "complex128"])
def test_suffix_wrapping(length, dtype_name):
    # Vector lengths crossing the 80-column limit decide whether suffixes move to a new line.
    t = make_tensor(dtype_name, (length,), "small" if dtype_name == "int32" else "normal")
    if dtype_name != "int32":
        t = t.requires_grad_() * 2
    assert_same(t)


def test_parameter_repr():
    param = torch.nn.Parameter(make_tensor("float32", (3, 4), "normal"))
    expected = "Parameter containing:\n" + ember_repr(param)
    assert repr(param) == expected


@pytest.mark.parametrize("dtype_name", ["float32", "float64", "int32", "int64", "bool", "complex64"])
@pytest.mark.parametrize("shape", [(0,), (0, 3), (5,), (3, 4)])
def test_device_suffix(monkeypatch, dtype_name, shape):
    # Pretend the default device is elsewhere so torch prints device='cpu' for CPU tensors.
    monkeypatch.setattr(torch._C, "_get_default_device", lambda: "meta")
    t = make_tensor(dtype_name, shape, "normal" if dtype_name not in INT_DTYPES else "small")
    if dtype_name in FLOAT_DTYPES:
        t = t.requires_grad_() * 3
    assert_same(t, suffixes=("device='cpu'",) + torch_suffixes(t))


PRINT_OPTIONS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"threshold": 5},
    {"threshold": 0},
    {"threshold": 5, "edgeitems": 1},
    {"threshold": 5, "edgeitems": 0},
    {"edgeitems": 0},
    {"edgeitems": 5},
    {"linewidth": 40},
    {"linewidth": 10},
    {"linewidth": 120},
    {"sci_mode": True},
    {"sci_mode": False},
    {"sci_mode": True, "precision": 2},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "full", "linewidth": 200},
]


@pytest.mark.parametrize("options", PRINT_OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("dtype_name", ["bool", "int16", "int64", "float16", "bfloat16", "float32", "float64", "complex64"])
@pytest.mark.parametrize("shape", [(), (0, 3), (5,), (3, 4), (2, 3, 4), (1001,), (40, 40), (3, 1000)])
def test_print_options(options, dtype_name, shape):
    torch.set_printoptions(**options)
    printing.set_printoptions(**options)
    kind = "small" if dtype_name in INT_DTYPES else "mixed" if shape == (5,) else "normal"
    t = make_tensor(dtype_name, shape, kind)
    if t.is_floating_point() and t.numel():
        t = t.requires_grad_() * 2
    assert_same(t)


def test_get_printoptions_matches_torch():
    for options in PRINT_OPTIONS:
        torch.set_printoptions(**options)
        printing.set_printoptions(**options)
        assert printing.get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_restores():
    before = printing.get_printoptions()
    with printing.printoptions(precision=1, threshold=3):
        assert printing.get_printoptions()["precision"] == 1
    assert printing.get_printoptions() == before


@pytest.mark.parametrize("dtype_name", ["float32", "float64", "complex64", "complex128", "int64", "bfloat16"])
@pytest.mark.parametrize("shape", [(0,), (0, 3), (4,), (2, 3)])
def test_default_dtype_float64(dtype_name, shape):
    torch.set_default_dtype(torch.float64)
    t = make_tensor(dtype_name, shape, "normal" if dtype_name != "int64" else "small")
    assert_same(t, default_dtype_name="float64")


def test_bfloat16_from_unrounded_float32():
    values = np.array([1.00390625, 3.14159265, -2.7182818, 1e-3, np.nan], dtype=np.float32)
    expected = repr(torch.from_numpy(values).to(torch.bfloat16))
    assert format_tensor(values, "bfloat16") == expected


def test_bfloat16_from_ml_dtypes_array():
    import ml_dtypes
    values = np.array([1.5, -2.25, 1e-3], dtype=np.float32)
    expected = repr(torch.from_numpy(values).to(torch.bfloat16))
    assert format_tensor(values.astype(ml_dtypes.bfloat16), "bfloat16") == expected


def test_large_tensor_summary():
    assert_same(torch.randn(1000, 1000, dtype=torch.float64))
