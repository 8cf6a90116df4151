"""The names issue 18 added to Ember's torch namespace, swept through the shared harnesses: each op's values,
dtypes and errors through test_ops' runner (function, method and in-place forms wherever torch has them),
gradients through the autograd sweep's compare_gradients, and the non-op names (dtypes, finfo, legacy classes,
constants) against torch's."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.autograd.conftest import Case, F as GF, C as GC, I as GI, compare_gradients
from tests.tensor.conftest import T, D, Ts, Lit, build, assert_same, run_both
from tests.tensor.test_ops import _forms, _call

FL = "float32"
CASES = []


def case(name, *args, forms=None, rtol=None, atol=None, **kwargs):
    CASES.append((name, args, kwargs, forms, rtol, atol))


def Tup(*items):
    """A tuple literal (for shapes and index lists), shown plainly in the test id."""
    return Lit(lambda: tuple(items), lambda: tuple(items), repr(tuple(items)))


# ---------------------------------------------------------------------- creation
for _w in ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"):
    for _n in (0, 1, 2, 7):
        case(_w, _n)
    case(_w, 6, False)
    case(_w, 6, dtype=D("float64"))
    case(_w, 4, dtype=D("int64"))
    case(_w, -1)
case("hamming_window", 8, True, 0.5, 0.5)
case("kaiser_window", 8, False, 3.0)
for _f in ("tril_indices", "triu_indices"):
    case(_f, 3, 4)
    case(_f, 4, 3, 1)
    case(_f, 3, 3, -1, dtype=D("int32"))
    case(_f, 0, 3)
case("scalar_tensor", 3)
case("scalar_tensor", 2.5, dtype=D("float64"))

# ---------------------------------------------------------------------- shape
for _f in ("atleast_1d", "atleast_2d", "atleast_3d"):
    for _s in ((), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 1)):
        case(_f, T(_s))
    case(_f, Ts(T(()), T((2,))))
case("ravel", T((2, 3)))
case("ravel", T((2, 3), layout="t"))
for _f, _s in (("hsplit", (4, 6)), ("vsplit", (6, 4)), ("dsplit", (2, 3, 6)), ("hsplit", (6,))):
    case(_f, T(_s), 2)
    case(_f, T(_s), [1, 3])
case("hsplit", T((4, 5)), 2)
case("vsplit", T((6,)), 2)
case("dsplit", T((2, 3)), 2)
case("split_with_sizes", T((5, 3)), [2, 3])
case("split_with_sizes", T((5, 3)), [1, 2], 1)
case("split_with_sizes", T((5, 3)), [1, 2])
case("unsafe_split", T((5, 3)), 2)
case("unsafe_chunk", T((5, 3)), 2, 1)
case("unsafe_split_with_sizes", T((5, 3)), [4, 1])
case("meshgrid", T((3,)), T((4,), seed=1), indexing="ij")
case("meshgrid", T((3,)), T((4,), seed=1), T((2,)), indexing="xy")
case("meshgrid", T((3,)), T((2, 2)), indexing="ij")
case("cartesian_prod", T((3,)), T((2,), "int64"))
case("cartesian_prod", T((3,)))
case("combinations", T((4,)))
case("combinations", T((4,)), 3)
case("combinations", T((3,)), 2, with_replacement=True)
case("combinations", T((2, 2)))
case("block_diag", T((2, 3)), T((2,), "int64"), T(()))
case("block_diag", T((2, 2, 2)))
case("vander", T((4,)))
case("vander", T((4,), "int64"), 3, increasing=True)
case("vander", T((2, 2)))
case("diff", T((3, 5)))
case("diff", T((3, 5)), 2, 0)
case("diff", T((3, 5), "int64"), prepend=T((3, 2), "int64"), append=T((3, 1), "int64"))
case("diff", T((6,), "bool"))
case("diff", T(()))
for _v, _args in (("view", ((6, 2),)), ("permute", ((1, 0, 2),)), ("expand", ((2, 3, 3, 4),))):
    case(_v + "_copy", T((3, 4, 1)) if _v == "expand" else T((3, 4, 1)) if _v == "permute" else T((3, 4)), *_args)
case("t_copy", T((3, 4)))
case("transpose_copy", T((3, 4, 2)), 0, 2)
case("squeeze_copy", T((3, 1, 4)))
case("unsqueeze_copy", T((3, 4)), 1)
case("select_copy", T((3, 4)), 1, 2)
case("slice_copy", T((5, 4)), 0, 1, 4, 2)
case("split_copy", T((5, 4)), 2)
case("split_with_sizes_copy", T((5, 4)), [1, 3], 1)
case("unbind_copy", T((3, 4)), 1)
case("unfold_copy", T((7,)), 0, 3, 2)
case("diagonal_copy", T((3, 4)), 1)
case("detach_copy", T((3, 4)))
case("alias_copy", T((3, 4)))
case("as_strided_copy", T((3, 4)), (2, 2), (1, 2))
case("narrow_copy", T((3, 4)), 1, 1, 2)
case("view_as_real_copy", T((3,), "complex64"))
case("diagonal_scatter", T((3, 4)), T((3,), seed=1))
case("diagonal_scatter", T((3, 4)), T((2,), seed=1), 1)
case("diagonal_scatter", T((3, 4)), T((4,), seed=1))
case("select_scatter", T((3, 4)), T((4,), seed=1), 0, 1)
case("select_scatter", T((3, 4)), T((3,), seed=1), 1, -1)
case("slice_scatter", T((5, 4)), T((2, 4), seed=1), 0, 1, 5, 2)
case("slice_scatter", T((5, 4)), T((5, 2), seed=1), 1, 2)
case("as_strided_scatter", T((3, 4)), T((2, 2), seed=1), (2, 2), (1, 2))

# ---------------------------------------------------------------------- pointwise, search, quantiles
for _f in ("gcd", "lcm"):
    case(_f, T((3, 4), "int64", "wide"), T((3, 4), "int64", "wide", seed=1))
    case(_f, T((3, 4), "int32", "normal"), T((4,), "int64", "pos", seed=1))
    case(_f, T((3, 4), "int16", "normal"), T((3, 4), "int16", "pos", seed=1))
    case(_f, T((3, 4)), T((3, 4), seed=1))
case("frexp", T((3, 4), kind="wide"))
case("frexp", T((3, 4), "float64", "special"))
case("frexp", T((3, 4), "int64"))
case("isin", T((3, 4), "int64"), T((5,), "int64", seed=1))
case("isin", T((3, 4), "int64"), T((5,), "int64", seed=1), invert=True)
case("isin", T((3, 4), "int64"), 2)
case("bucketize", T((3, 4), kind="wide"), Lit(lambda: ember.tensor([-50.0, 0.0, 10.0, 80.0]),
                                               lambda: torch.tensor([-50.0, 0.0, 10.0, 80.0]), "edges"))
case("bucketize", T((5,), "int64"), Lit(lambda: ember.tensor([-3, 0, 3]), lambda: torch.tensor([-3, 0, 3]), "iedges"),
     right=True, out_int32=True)
_SORTED = Lit(lambda: ember.tensor([[1.0, 3.0, 5.0, 7.0], [2.0, 4.0, 6.0, 8.0]]),
              lambda: torch.tensor([[1.0, 3.0, 5.0, 7.0], [2.0, 4.0, 6.0, 8.0]]), "sorted2x4")
case("searchsorted", _SORTED, Lit(lambda: ember.tensor([[3.0, 6.0], [1.0, 9.0]]),
                                  lambda: torch.tensor([[3.0, 6.0], [1.0, 9.0]]), "v2x2"))
case("searchsorted", _SORTED, Lit(lambda: ember.tensor([[3.0, 6.0], [1.0, 9.0]]),
                                  lambda: torch.tensor([[3.0, 6.0], [1.0, 9.0]]), "v2x2"), side="right")
case("searchsorted", _SORTED, Lit(lambda: ember.tensor([[3.0, 6.0]]), lambda: torch.tensor([[3.0, 6.0]]), "v1x2"))
case("searchsorted", Lit(lambda: ember.tensor([1, 3, 5]), lambda: torch.tensor([1, 3, 5]), "s3"), T((2, 3), "int64"),
     right=True)
case("unravel_index", T((5,), "int64", "pos"), Tup(3, 4))
case("unravel_index", T((5,), "int64", "pos"), 7)
case("unravel_index", T((2,), "int64", "wide"), Tup(2, 2))
case("unravel_index", T((2,)), Tup(2, 2))
case("vdot", T((5,)), T((5,), seed=1))
case("vdot", T((5,), "complex64"), T((5,), "complex64", seed=1))
case("vdot", T((5,)), T((5,), "float64", seed=1))
for _f in ("quantile", "nanquantile"):
    case(_f, T((4, 5)), 0.3)
    case(_f, T((4, 5), "float64", "special"), 0.5, 1)
    case(_f, T((4, 5)), T((3,), kind="prob"), 1, True)
    case(_f, T((4, 5)), 0.7, 0, interpolation="lower")
    case(_f, T((4, 5)), 0.7, 0, interpolation="higher")
    case(_f, T((4, 5)), 0.7, 1, interpolation="nearest")
    case(_f, T((4, 5)), 0.7, 1, interpolation="midpoint")
    case(_f, T((4, 5)), 1.5)
    case(_f, T((4, 5), "int64"), 0.5)
    case(_f, T((4, 5)), 0.5, interpolation="cubic")


def _params():
    out = []
    for name, args, kwargs, forms, rtol, atol in CASES:
        for form in forms or _forms(name, args):
            label = f"{form}-{name}-" + ",".join(map(repr, args)) + "".join(f",{k}={v!r}" for k, v in kwargs.items())
            out.append(pytest.param(name, args, kwargs, form, rtol, atol, id=label))
    return out


@pytest.mark.parametrize("name,args,kwargs,form,rtol,atol", _params())
def test_op_matches_torch(name, args, kwargs, form, rtol, atol):
    (ea, ta), (ek, tk) = build(args), build(kwargs)
    holder = ember.Tensor if form != "function" else ember
    assert hasattr(holder, name + ("_" if form == "inplace" else "")), f"ember lacks the {form} form of {name}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run_both(lambda: _call(ember, name, ea, ek, form), lambda: _call(torch, name, ta, tk, form),
                       message=False)
    if out is not None:
        assert_same(out[0], out[1], rtol, atol)
        if form == "inplace":
            assert_same(ea[0], ta[0], rtol, atol, "input after the in-place op")


# ---------------------------------------------------------------------- gradients (float64 and float32)
GRAD_CASES = [
    Case("atleast_3d", lambda L, x: L.atleast_3d(x), GF(3)),
    Case("ravel", lambda L, x: L.ravel(x.t()), GF(2, 3)),
    Case("hsplit", lambda L, x: L.hsplit(x, [1, 3]), GF(2, 4)),
    Case("meshgrid-xy", lambda L, x, y: L.meshgrid(x, y, indexing="xy"), GF(3), GF(2)),
    Case("cartesian_prod", lambda L, x, y: L.cartesian_prod(x, y), GF(3), GF(2)),
    Case("combinations", lambda L, x: L.combinations(x, 2), GF(4)),
    Case("block_diag", lambda L, x, y: L.block_diag(x, y), GF(2, 3), GF(2)),
    Case("diff", lambda L, x, p: L.diff(x, 2, 0, prepend=p), GF(4, 3), GF(1, 3)),
    Case("permute_copy", lambda L, x: L.permute_copy(x, (1, 0)), GF(2, 3)),
    Case("split_copy", lambda L, x: L.split_copy(x, 2), GF(5, 2)),
    Case("diagonal_scatter", lambda L, x, s: L.diagonal_scatter(x, s, 1), GF(3, 4), GF(3)),
    Case("select_scatter", lambda L, x, s: L.select_scatter(x, s, 1, 0), GF(3, 4), GF(3)),
    Case("slice_scatter", lambda L, x, s: L.slice_scatter(x, s, 0, 1, 5, 2), GF(5, 4), GF(2, 4)),
    Case("vdot", lambda L, x, y: L.vdot(x, y), GF(4), GF(4)),
    Case("quantile", lambda L, x, q: L.quantile(x, q, 1), GF(4, 5, kind="perm"), GC(3, kind="prob")),
    Case("nanquantile-nearest", lambda L, x: L.nanquantile(x, 0.4, 0, True, interpolation="nearest"),
         GF(4, 5, kind="perm")),
    Case("frexp-mantissa", lambda L, x: L.frexp(x)[0], GF(4)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", GRAD_CASES, ids=repr)
def test_gradients_match_torch(case, dtype):
    compare_gradients(case, dtype)


def test_vander_gradient_by_finite_differences():
    # torch 2.13's own vander backward fails ("modified by an inplace operation"), so Ember's is checked numerically
    x = ember.tensor([0.5, 1.2, -2.0], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: ember.vander(t, 4), (x,))
    t = torch.tensor([0.5, 1.2, -2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError):
        torch.vander(t, 4).sum().backward()


# ---------------------------------------------------------------------- names that are not ops
SHELL = ["uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz",
         "float8_e8m0fnu", "float4_e2m1fn_x2", "complex32", "int1", "int4", "int7", "uint1", "uint7", "bits8",
         "bits16", "bits1x8", "bits2x4", "bits4x2"]


@pytest.mark.parametrize("name", SHELL)
def test_shell_dtypes_print_and_measure_as_torch_and_refuse_tensors(name):
    e, t = getattr(ember, name), getattr(torch, name)
    assert repr(e) == repr(t)
    assert (e.itemsize, e.is_floating_point, e.is_complex) == (t.itemsize, t.is_floating_point, t.is_complex)
    run_both(lambda: e.is_signed, lambda: t.is_signed)  # the bits types raise for both
    if not name.startswith("bits"):
        assert e.is_signed == t.is_signed
    with pytest.raises(NotImplementedError, match=f"torch.{name} are not implemented in Ember"):
        ember.zeros(3, dtype=e)


@pytest.mark.parametrize("dt", ["float16", "bfloat16", "float32", "float64", "complex64", "complex128", None])
def test_finfo_matches_torch(dt):
    e = ember.finfo(getattr(ember, dt)) if dt else ember.finfo()
    t = torch.finfo(getattr(torch, dt)) if dt else torch.finfo()
    assert repr(e) == repr(t)
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(e, attr) == getattr(t, attr), attr


@pytest.mark.parametrize("dt", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(dt):
    e, t = ember.iinfo(getattr(ember, dt)), torch.iinfo(getattr(torch, dt))
    assert repr(e) == repr(t) and (e.bits, e.min, e.max, e.dtype) == (t.bits, t.min, t.max, t.dtype)


@pytest.mark.parametrize("call", [lambda L: L.finfo(L.int32), lambda L: L.iinfo(L.float32),
                                  lambda L: L.finfo(L.bool)], ids=["finfo-int", "iinfo-float", "finfo-bool"])
def test_info_errors_match_torch(call):
    run_both(lambda: call(ember), lambda: call(torch))


def test_constants():
    for name in ("pi", "e", "inf", "newaxis"):
        assert getattr(ember, name) == getattr(torch, name)
    assert math.isnan(ember.nan)
    assert ember.ones(3)[ember.newaxis].shape == (1, 3)
    assert repr(ember.channels_last_3d) == repr(torch.channels_last_3d)


LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor",
          "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_tensor_classes(name):
    E, Tt = getattr(ember, name), getattr(torch, name)
    assert repr(E) == repr(Tt) and repr(E.dtype) == repr(Tt.dtype)
    for dt in ("float32", "float64", "int64", "uint8", "bool"):
        assert isinstance(ember.zeros(2, dtype=getattr(ember, dt)), E) == \
            isinstance(torch.zeros(2, dtype=getattr(torch, dt)), Tt)
    assert not isinstance(3, E)
    assert_same(E(2, 3).dtype, Tt(2, 3).dtype) and tuple(E(2, 3).shape) == (2, 3)
    assert_same(E([1, 0, 1]), Tt([1, 0, 1]))
    assert tuple(E().shape) == tuple(Tt().shape) and tuple(E(ember.Size([4])).shape) == (4,)
    same = ember.zeros(2, dtype=E.dtype)
    assert E(same).data_ptr() == same.data_ptr()
    run_both(lambda: E(2.5), lambda: Tt(2.5), message=True)
    other = "float64" if name != "DoubleTensor" else "float32"
    run_both(lambda: E(ember.zeros(2, dtype=getattr(ember, other))),
             lambda: Tt(torch.zeros(2, dtype=getattr(torch, other))), message=False)


STORAGES = [n[:-6] + "Storage" for n in LEGACY] + ["ComplexFloatStorage", "ComplexDoubleStorage"]


@pytest.mark.parametrize("name", STORAGES)
def test_legacy_storage_classes(name):
    E, Tt = getattr(ember, name), getattr(torch, name)
    assert repr(E) == repr(Tt) and repr(E.dtype) == repr(Tt.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(E([1, 0, 1])) == repr(Tt([1, 0, 1]))
        assert len(E(4)) == len(Tt(4)) == 4
        assert isinstance(ember.ones(2, dtype=E.dtype).storage(), E)
        assert isinstance(ember.ones(2, dtype=E.dtype).storage(), ember.TypedStorage)
        wrong = ember.float64 if E.dtype is not ember.float64 else ember.float32
        assert not isinstance(ember.ones(2, dtype=wrong).storage(), E)
        data = bytes([0, 1] * 8)
        assert E.from_buffer(data, "little").tolist() == Tt.from_buffer(data, "little").tolist()
    assert ember.Storage is ember.FloatStorage and repr(ember.Storage) == repr(torch.Storage)
