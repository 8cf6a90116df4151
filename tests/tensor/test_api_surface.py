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

# ---------------------------------------------------------------------- indexing, histograms, sample calculus
_IDX = Lit(lambda: ember.tensor([1, 5, 11, 5]), lambda: torch.tensor([1, 5, 11, 5]), "idx")
case("put", T((3, 4)), _IDX, T((4,), seed=1))
case("put", T((3, 4)), _IDX, T((4,), seed=1), True)
case("put", T((3, 4), "int64"), _IDX, T((4,), "int64", seed=1), accumulate=True)
case("put", T((3, 4)), _IDX, T((3,), seed=1))
case("put", T((3, 4)), _IDX, T((4,), "float64", seed=1))
_ROWS = Lit(lambda: ember.tensor([0, 2, 0]), lambda: torch.tensor([0, 2, 0]), "rows")
for _r in ("prod", "mean", "amax", "amin"):
    case("index_reduce", T((4, 2)), 0, _ROWS, T((3, 2), seed=1), _r)
    case("index_reduce", T((2, 4)), 1, _ROWS, T((2, 3), seed=1), _r, include_self=False)
case("index_reduce", T((4, 2)), 0, _ROWS, T((3, 2), seed=1), "sum")
case("fill_diagonal_", T((3, 3)), 2.5, forms=["method"])
case("fill_diagonal_", T((7, 3)), 2.5, True, forms=["method"])
case("fill_diagonal_", T((3, 5), "int64"), 4, forms=["method"])
case("fill_diagonal_", T((2, 2, 2)), -1.0, forms=["method"])
case("fill_diagonal_", T((2, 3, 3)), -1.0, forms=["method"])
case("nonzero_static", T((3, 4), "bool"), size=4)
case("nonzero_static", T((3, 4), "bool"), size=9, fill_value=7)
case("histogram", T((20,)), 4)
case("histogram", T((20,), "float64"), 3, range=(-1.0, 1.0), density=True)
case("histogram", T((4, 5)), Lit(lambda: ember.tensor([-2.0, 0.0, 0.5, 3.0]), lambda: torch.tensor([-2.0, 0.0, 0.5, 3.0]),
                                 "edges"), weight=T((4, 5), kind="pos", seed=2))
case("histogram", T((20,), "int64"), 4)
case("histogramdd", T((30, 2)), [3, 2])
case("histogramdd", T((30, 3), "float64"), 2, density=True)
case("trapezoid", T((3, 5)))
case("trapezoid", T((3, 5)), T((5,), seed=1))
case("trapezoid", T((3, 5)), T((3, 5), seed=1), dim=0)
case("trapezoid", T((3, 5)), dx=0.5, dim=0)
case("trapezoid", T((3, 5), "int64"))
case("trapz", T((3, 5)), T((5,), seed=1))
case("trapz", T((3, 5)), dx=2.0)
case("cumulative_trapezoid", T((3, 5)))
case("cumulative_trapezoid", T((3, 5)), T((3, 5), seed=1), dim=1)
case("cumulative_trapezoid", T((3, 5)), dx=0.5, dim=0)
case("gradient", T((5,)))
case("gradient", T((3, 5)), spacing=2.0)
case("gradient", T((3, 5)), spacing=[2.0, 0.5], edge_order=2)
case("gradient", T((3, 5)), dim=1, edge_order=2)
case("gradient", T((6,)), spacing=(Lit(lambda: ember.tensor([0.0, 1.0, 3.0, 4.0, 7.0, 7.5]),
                                       lambda: torch.tensor([0.0, 1.0, 3.0, 4.0, 7.0, 7.5]), "coords"),))
case("gradient", T((3, 2)), dim=1, edge_order=2)
case("gradient", T((3, 5)), spacing=[1.0, 2.0, 3.0])
case("sum_to_size", T((2, 3, 4)), 3, 1)
case("sum_to_size", T((2, 3, 4)), (1, 3, 4))
case("sum_to_size", T((2, 3, 4)), (2, 4))
case("frobenius_norm", T((3, 4)), (0, 1))
case("frobenius_norm", T((2, 3, 4)), (1, 2), True)
case("nuclear_norm", T((3, 4)))
case("nuclear_norm", T((3, 4)), True)
case("is_same_size", T((3, 4)), T((3, 4), seed=1))
case("is_same_size", T((3, 4)), T((4, 3), seed=1))
case("is_neg", T((3,)))
case("is_distributed", T((3,)))
for _f in ("eig", "symeig", "lstsq", "solve", "matrix_rank"):
    case(_f, T((3, 3)), *((T((3, 3), seed=1),) if _f in ("lstsq", "solve") else ()))

# ---------------------------------------------------------------------- stft / istft, nn ops as Tensor methods
_HANN = Lit(lambda: ember.hann_window(12, dtype=ember.float64), lambda: torch.hann_window(12, dtype=torch.float64),
           "hann12")
case("stft", T((2, 50)), 16, return_complex=True)
case("stft", T((50,), "float64"), 16, 5, 12, _HANN, center=False, return_complex=True)
case("stft", T((2, 50)), 16, normalized=True, onesided=False, return_complex=True, rtol=1e-4, atol=1e-5)
case("stft", T((2, 50)), 16, pad_mode="constant", return_complex=True)
case("stft", T((2, 50)), 16, return_complex=False)
case("stft", T((2, 50)), 16)
case("stft", T((2, 3, 50)), 16, return_complex=True)
case("stft", T((2, 50), "complex64"), 16, return_complex=True)
case("stft", T((2, 10)), 32, center=False, return_complex=True)
case("hardshrink", T((3, 4)), 0.7)
case("prelu", T((2, 3, 4)), T((3,), seed=1))


def _istft_pair(lib, x, **kw):
    return lib.istft(lib.stft(x, 16, return_complex=True, **kw), 16, length=x.shape[-1], **kw)


@pytest.mark.parametrize("kw", [{}, {"normalized": True}, {"hop_length": 8}, {"onesided": False}])
def test_istft_inverts_stft_as_torch(kw):
    x = np.random.default_rng(0).standard_normal((2, 50)).astype(np.float32)
    e, t = _istft_pair(ember, ember.tensor(x), **kw), _istft_pair(torch, torch.tensor(x), **kw)
    assert_same(e, t, 1e-4, 1e-5)
    np.testing.assert_allclose(e.numpy(), x, atol=1e-5)


def test_istft_errors_match_torch():
    spec_e, spec_t = ember.stft(ember.ones(40), 16, return_complex=True), torch.stft(torch.ones(40), 16,
                                                                                   return_complex=True)
    run_both(lambda: ember.istft(spec_e.real, 16), lambda: torch.istft(spec_t.real, 16), message=False)
    run_both(lambda: ember.istft(spec_e, 16, hop_length=16, window=ember.hann_window(16)),
             lambda: torch.istft(spec_t, 16, hop_length=16, window=torch.hann_window(16)), message=False)


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
    Case("put", lambda L, x, s: x.put(L.tensor([1, 5, 11, 5]), s, True), GF(3, 4), GF(4)),
    Case("index_reduce-prod", lambda L, x, s: x.index_reduce(0, L.tensor([0, 2, 0]), s, "prod"), GF(4, 2), GF(3, 2)),
    Case("index_reduce-amax", lambda L, x, s: x.index_reduce(1, L.tensor([0, 2, 0]), s, "amax", include_self=False),
         GF(2, 4, kind="perm"), GF(2, 3)),
    Case("fill_diagonal_", lambda L, x: (x * 1).fill_diagonal_(3.0, wrap=True), GF(7, 3)),
    Case("trapezoid-x", lambda L, y, x: L.trapezoid(y, x), GF(3, 5), GF(5)),
    Case("cumulative_trapezoid", lambda L, y: L.cumulative_trapezoid(y, dx=0.5, dim=0), GF(4, 3)),
    Case("gradient-edge2", lambda L, y: L.gradient(y, spacing=[2.0, 0.5], edge_order=2), GF(4, 5)),
    Case("gradient-coords", lambda L, y, x: L.gradient(y, spacing=(x,)), GF(6), GC(6, kind="perm")),
    Case("sum_to_size", lambda L, x: x.sum_to_size(3, 1), GF(2, 3, 4)),
    Case("frobenius_norm", lambda L, x: L.frobenius_norm(x, (0, 1)), GF(3, 4)),
    Case("stft", lambda L, x, w: L.stft(x, 8, 3, window=w, return_complex=True).abs(), GF(2, 20), GF(8, kind="pos")),
    Case("istft", lambda L, x: L.istft(L.stft(x, 8, return_complex=True), 8, length=20), GF(20)),
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


@pytest.mark.parametrize("name", ["geometric_", "cauchy_", "log_normal_", "poisson", "binomial"])
def test_random_draws_follow_torch_distribution(name, seeded):
    """Ember draws from NumPy's generator, so the values differ from torch's: compare the distributions."""
    n = 20000
    draws = {
        "geometric_": lambda L: L.empty(n).geometric_(0.3),
        "cauchy_": lambda L: L.empty(n).cauchy_(1.0, 2.0),
        "log_normal_": lambda L: L.empty(n).log_normal_(0.5, 0.25),
        "poisson": lambda L: L.poisson(L.full((n,), 3.5)),
        "binomial": lambda L: L.binomial(L.full((n,), 10.0), L.full((n,), 0.3)),
    }[name]
    e, t = draws(ember), draws(torch)
    assert e.dtype == ember.float32 and t.dtype == torch.float32
    e_med, t_med = float(np.median(e.numpy())), float(np.median(t.numpy()))
    assert abs(e_med - t_med) <= 0.1 * abs(t_med) + 0.1, (e_med, t_med)
    if name in ("geometric_", "poisson", "binomial"):
        assert set(np.unique(e.numpy())) <= set(range(0, 200)) and e.numpy().min() == t.numpy().min()


def test_legacy_methods_match_torch():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0, 3.0])
        x.map_(lib.tensor([10.0, 20.0, 30.0]), lambda a, b: a * b)
        x.apply_(lambda a: a + 1)
        x.map2_(lib.ones(3), lib.full((3,), 2.0), lambda a, b, c: a - b * c)
    assert ember.tensor([1.0, 2.0, 3.0]).map_(ember.tensor([10.0, 20.0, 30.0]), lambda a, b: a * b).tolist() == \
        torch.tensor([1.0, 2.0, 3.0]).map_(torch.tensor([10.0, 20.0, 30.0]), lambda a, b: a * b).tolist()
    e = ember.tensor([1.0, 2.0, 3.0]).apply_(lambda a: a * a - 1)
    assert e.tolist() == torch.tensor([1.0, 2.0, 3.0]).apply_(lambda a: a * a - 1).tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tuple(ember.ones(2, 3).resize(3, 2).shape) == tuple(torch.ones(2, 3).resize(3, 2).shape)
        assert tuple(ember.ones(2, 3).resize_as_(ember.ones(6)).shape) == (6,)
    for x_e, x_t in ((ember.ones(2, 3, 4).permute(2, 0, 1), torch.ones(2, 3, 4).permute(2, 0, 1)),
                     (ember.ones(3, 4).t(), torch.ones(3, 4).t())):
        assert x_e.dim_order() == x_t.dim_order()
    for dt in ("float32", "int64", "bool", "float64"):
        assert repr(ember.ones(2, dtype=getattr(ember, dt)).storage_type()) == \
            repr(torch.ones(2, dtype=getattr(torch, dt)).storage_type())
    for args in ((), (2, 3), ([1, 2],)):
        assert_same(ember.ones(2, dtype=ember.int32).new(*args).shape,
                    torch.ones(2, dtype=torch.int32).new(*args).shape)
    e = ember.ones(2, dtype=ember.float64).new_empty_strided((2, 3), (1, 2))
    t = torch.ones(2, dtype=torch.float64).new_empty_strided((2, 3), (1, 2))
    assert e.stride() == t.stride() and repr(e.dtype) == repr(t.dtype)


def test_set_shares_the_source():
    a, b = ember.ones(3), ember.arange(4.0).reshape(2, 2)
    assert a.set_(b) is a and a.data_ptr() == b.data_ptr() and a.shape == (2, 2)
    b[0, 0] = 7.0
    assert a[0, 0].item() == 7.0
    assert ember.ones(3).set_().shape == torch.ones(3).set_().shape
    e = ember.ones(3).set_(b.untyped_storage(), 1, (2,), (2,))
    t = torch.ones(3).set_(torch.tensor([[7.0, 1.0], [2.0, 3.0]]).untyped_storage(), 1, (2,), (2,))
    assert e.tolist() == t.tolist()


def test_removed_functions_raise_as_torch():
    # the type and the first sentence; the rest of torch's message is its own prose, said differently here
    for name in ("eig", "symeig", "lstsq", "solve"):
        run_both(lambda: getattr(ember.ones(2, 2), name)(ember.ones(2, 2)) if name in ("lstsq", "solve")
                 else getattr(ember.ones(2, 2), name)(),
                 lambda: getattr(torch.ones(2, 2), name)(torch.ones(2, 2)) if name in ("lstsq", "solve")
                 else getattr(torch.ones(2, 2), name)(), message=False)
        with pytest.raises(RuntimeError, match="^This function was deprecated since version 1.9 and is now removed"):
            getattr(ember, name)(ember.ones(2, 2))
    run_both(lambda: ember.ones(2).reinforce(1), lambda: torch.ones(2).reinforce(1))


def test_runtime_helpers_match_torch():
    for obj_e, obj_t in ((ember.ones(2), torch.ones(2)), (ember.ones(2, dtype=ember.int64), torch.ones(2).long()),
                         (3, 3), ([1], [1])):
        assert ember.typename(obj_e) == torch.typename(obj_t)
    # (torch.cond and torch.while_loop are not called here: they load dynamo, which turns off torch.distributions'
    # argument validation for the rest of the process and so changes other tests' oracle)
    assert ember.cond(ember.tensor(False), lambda x: x + 1, lambda x: x - 1, (ember.ones(2),)).tolist() == [0.0, 0.0]
    assert ember.cond(True, lambda x: x + 1, lambda x: x - 1, (ember.ones(2),)).tolist() == [2.0, 2.0]
    i, s = ember.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s * 2), (ember.tensor(0), ember.tensor(1.0)))
    assert (i.item(), s.item()) == (5, 32.0)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal((3,)).astype(np.float32)
    e = ember.vmap(lambda a, b: (a * b).sum(), in_dims=(0, None))(ember.tensor(x), ember.tensor(y))
    t = torch.vmap(lambda a, b: (a * b).sum(), in_dims=(0, None))(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    e = ember.vmap(lambda a: (a, a * 2), out_dims=1)(ember.tensor(x))
    t = torch.vmap(lambda a: (a, a * 2), out_dims=1)(torch.tensor(x))
    for a, b in zip(e, t):
        np.testing.assert_allclose(a.numpy(), b.numpy())
    shared = ember.from_dlpack(torch.arange(3.0))
    assert shared.tolist() == [0.0, 1.0, 2.0]
    back = torch.from_dlpack(ember.to_dlpack(ember.arange(3.0)))
    assert back.tolist() == [0.0, 1.0, 2.0]
    assert ember.get_device_module("cpu") is ember.cpu and ember.get_device_module() is ember.cpu
    assert ember.set_flush_denormal(False) is False
    ember.set_warn_always(True)
    assert ember.is_warn_always_enabled()
    ember.set_warn_always(False)
    s, ev = ember.Stream(), ember.Event(enable_timing=True)
    assert repr(s) == repr(torch.Stream()) and s.query() and ev.query()
    ev.record()
    end = s.record_event(ember.Event(enable_timing=True))
    assert ev.elapsed_time(end) >= 0


def test_default_tensor_type():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ember.set_default_tensor_type(ember.DoubleTensor)
            assert ember.get_default_dtype() is ember.float64
            ember.set_default_tensor_type("torch.FloatTensor")
            assert ember.get_default_dtype() is ember.float32
            run_both(lambda: ember.set_default_tensor_type(ember.LongTensor),
                     lambda: torch.set_default_tensor_type(torch.LongTensor))
        finally:
            ember.set_default_dtype(ember.float32)
            torch.set_default_dtype(torch.float32)
