"""ember.special against torch.special: every public name, values and dtypes (float32, float64, integer
inputs), broadcasting, gradients (compared to torch's, gradcheck, second derivatives) and errors."""
import numpy as np
import pytest
import torch

import ember

TOL = {"float16": dict(rtol=1e-3, atol=1e-4), "float32": dict(rtol=2e-5, atol=1e-6),
       "float64": dict(rtol=1e-9, atol=1e-12)}
DRAW = {"normal": lambda r, s: r.standard_normal(s) * 2,
        "pos": lambda r, s: r.uniform(0.2, 4.0, s),
        "prob": lambda r, s: r.uniform(0.02, 0.98, s),
        "unit": lambda r, s: r.uniform(-1.2, 1.2, s),
        "gamma": lambda r, s: r.uniform(1.05, 5.0, s),
        "degree": lambda r, s: r.integers(-1, 9, s).astype(float)}

# name -> domain of the values it is checked on; differentiable ones also have their gradients compared
UNARY = {"i0e": "normal", "i1": "normal", "i1e": "normal", "ndtr": "normal", "ndtri": "prob", "log_ndtr": "normal",
         "erfcx": "normal", "entr": "pos", "airy_ai": "normal", "bessel_j0": "normal", "bessel_j1": "normal",
         "bessel_y0": "pos", "bessel_y1": "pos", "modified_bessel_i0": "normal", "modified_bessel_i1": "normal",
         "modified_bessel_k0": "pos", "modified_bessel_k1": "pos", "scaled_modified_bessel_k0": "pos",
         "scaled_modified_bessel_k1": "pos", "spherical_bessel_j0": "normal",
         # the same ops as torch's top-level ones, under torch.special's names
         "expit": "normal", "psi": "pos", "gammaln": "pos", "exp2": "normal", "expm1": "normal", "log1p": "pos",
         "sinc": "normal", "erf": "normal", "erfc": "normal", "erfinv": "unit", "i0": "normal", "logit": "prob",
         "digamma": "pos", "round": "normal"}
POLYNOMIALS = [p + "_polynomial_" + k for p in ("chebyshev", "shifted_chebyshev") for k in "tuvw"] + \
    ["hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]
BINARY = {"xlog1py": ("normal", "pos"), "xlogy": ("normal", "pos"), "zeta": ("gamma", "pos"),
          "gammainc": ("gamma", "pos"), "gammaincc": ("gamma", "pos"),
          **{p: ("unit", "degree") for p in POLYNOMIALS}}
OTHERS = {"logsumexp", "softmax", "log_softmax", "polygamma", "multigammaln"}


def pair(arr, dtype, grad=False):
    e = ember.tensor(arr).to(getattr(ember, dtype))
    t = torch.tensor(arr).to(getattr(torch, dtype))
    return (e.requires_grad_(), t.requires_grad_()) if grad else (e, t)


def same(e, t, dtype=None, tol=None):
    assert repr(e.dtype) == repr(t.dtype) and tuple(e.shape) == tuple(t.shape)
    tol = tol or TOL.get(dtype or str(t.dtype)[6:], TOL["float32"])
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), equal_nan=True, **tol)


def test_every_public_name_is_there():
    names = {n for n in dir(torch.special) if not n.startswith("_")} - {"Tensor", "torch", "common_args",
                                                                        "multi_dim_common"}
    assert names == set(UNARY) | set(BINARY) | OTHERS
    assert names <= set(dir(ember.special))
    assert torch.special.__name__ == "torch.special" and ember.special.__name__ == "ember.special"


@pytest.mark.parametrize("name", ["igamma", "igammac", "mvlgamma", "i0e", "ndtr", "xlog1py", "zeta", "entr",
                                  "bessel_j0", "chebyshev_polynomial_t"])
def test_top_level_and_methods_as_torch(name):
    for owner_t, owner_e in ((torch, ember), (torch.Tensor, ember.Tensor)):
        for n in (name, name + "_"):
            assert hasattr(owner_e, n) == hasattr(owner_t, n), (owner_t, n)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values(name, dtype):
    arr = DRAW[UNARY[name]](np.random.default_rng(0), (3, 5))
    if name == "entr":
        arr[0, :3] = (0.0, -1.0, np.nan)
    e, t = pair(arr, dtype)
    # torch's own series for these are good to ~1e-6 in double; SciPy's are the closer to the true values
    tol = dict(rtol=1e-5, atol=1e-8) if dtype == "float64" and name in ("airy_ai", "bessel_j0", "bessel_j1") else None
    same(getattr(ember.special, name)(e), getattr(torch.special, name)(t), tol=tol)


@pytest.mark.parametrize("dtype", ["int64", "bool", "float16"])
@pytest.mark.parametrize("name", sorted(set(UNARY) - {"expit", "psi", "gammaln", "exp2", "expm1", "log1p"}))
def test_unary_dtypes(name, dtype):
    """Integer and bool inputs compute in the default float dtype; float16 is refused where torch has no kernel."""
    e, t = pair(np.array([[1, 2], [0, 3]]), dtype)
    try:
        rt = getattr(torch.special, name)(t)
    except Exception as exc:  # noqa: BLE001 - torch decides which dtypes it refuses
        with pytest.raises(type(exc), match=str(exc).replace("'", ".").replace('"', '.')):
            getattr(ember.special, name)(e)
        return
    same(getattr(ember.special, name)(e), rt)


def grads(fn_e, fn_t, args_e, args_t):
    """The gradients both libraries give each input of a weighted sum of the output (or the exception)."""
    out_e, out_t = fn_e(*args_e), fn_t(*args_t)
    assert out_e.requires_grad == out_t.requires_grad
    if not out_t.requires_grad:
        return
    w = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
    we, wt = pair(w, str(out_t.dtype)[6:])
    inputs_e = [a for a in args_e if isinstance(a, ember.Tensor) and a.requires_grad]
    inputs_t = [a for a in args_t if isinstance(a, torch.Tensor) and a.requires_grad]
    try:
        gt = torch.autograd.grad((out_t * wt).sum(), inputs_t)
    except Exception as exc:  # noqa: BLE001 - torch decides which derivatives are not implemented
        with pytest.raises(type(exc), match=str(exc)):
            ember.autograd.grad((out_e * we).sum(), inputs_e)
        return
    ge = ember.autograd.grad((out_e * we).sum(), inputs_e)
    for a, b in zip(ge, gt):
        same(a, b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradients(name, dtype):
    arr = DRAW[UNARY[name]](np.random.default_rng(2), (2, 4))
    if name in ("i1", "i1e"):
        arr[0, 0] = 0.0  # the removable singularity of i1(x)/x
    e, t = pair(arr, dtype, grad=True)
    grads(getattr(ember.special, name), getattr(torch.special, name), [e], [t])


NEW_RULES = ["i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "erfcx", "entr"]


@pytest.mark.parametrize("name", NEW_RULES + ["multigammaln", "xlog1py", "zeta", "gammainc", "gammaincc"])
def test_gradcheck_and_second_derivative(name):
    rng = np.random.default_rng(3)
    if name in UNARY:
        args = [DRAW[UNARY[name]](rng, (5,))]
        fn_e, fn_t = getattr(ember.special, name), getattr(torch.special, name)
        wrt = [0]
    elif name == "multigammaln":
        args = [rng.uniform(2.0, 4.0, (5,))]
        fn_e, fn_t = (lambda x: ember.special.multigammaln(x, 3)), (lambda x: torch.special.multigammaln(x, 3))
        wrt = [0]
    else:
        args = [DRAW[k](rng, (5,)) for k in BINARY[name]]
        fn_e, fn_t = getattr(ember.special, name), getattr(torch.special, name)
        wrt = [1] if name in ("zeta", "gammainc", "gammaincc") else [0, 1]  # no derivative in the first input
    pe = [ember.tensor(a, dtype=ember.float64, requires_grad=i in wrt) for i, a in enumerate(args)]
    pt = [torch.tensor(a, dtype=torch.float64, requires_grad=i in wrt) for i, a in enumerate(args)]
    assert ember.autograd.gradcheck(fn_e, pe)
    # second derivatives through the gradient rules (written in Ember's ops) equal torch's
    ge = ember.autograd.grad(fn_e(*pe).sum(), [pe[i] for i in wrt], create_graph=True)
    gt = torch.autograd.grad(fn_t(*pt).sum(), [pt[i] for i in wrt], create_graph=True)
    for a, b in zip(ge, gt):
        same(a, b)
    try:
        ht = torch.autograd.grad(sum(g.sum() for g in gt), [pt[i] for i in wrt])
    except (RuntimeError, NotImplementedError) as exc:
        with pytest.raises(type(exc)):
            ember.autograd.grad(sum(g.sum() for g in ge), [pe[i] for i in wrt])
        return
    he = ember.autograd.grad(sum(g.sum() for g in ge), [pe[i] for i in wrt])
    for a, b in zip(he, ht):
        same(a, b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcast_values_and_gradients(name, dtype):
    rng = np.random.default_rng(4)
    ka, kb = BINARY[name]
    a, b = DRAW[ka](rng, (3, 1)), DRAW[kb](rng, (4,))
    for wrt in (0, 1):
        (ea, ta), (eb, tb) = pair(a, dtype, grad=wrt == 0), pair(b, dtype, grad=wrt == 1)
        same(getattr(ember.special, name)(ea, eb), getattr(torch.special, name)(ta, tb))
        grads(getattr(ember.special, name), getattr(torch.special, name), [ea, eb], [ta, tb])


def _scalar_cases():
    x = np.array([[0.5, 1.5, 2.0]])
    ints = np.array([[1, 2, 3]])
    return [("tensor,int", (x, "float32"), 2), ("int tensors", (ints, "int64"), (ints, "int64")),
            ("int,double", (ints, "int64"), (x, "float64")), ("float,int", (x, "float32"), (ints, "int64")),
            ("tensor,float", (x, "float32"), 2.5), ("number,tensor", 2, (x, "float32")),
            ("0-d double,float", (np.array(2.0), "float64"), (x, "float32"))]


@pytest.mark.parametrize("case", _scalar_cases(), ids=lambda c: c[0])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_promotion_and_scalars(name, case):
    _, a, b = case
    ea, ta = pair(*a) if isinstance(a, tuple) else (a, a)
    eb, tb = pair(*b) if isinstance(b, tuple) else (b, b)
    try:
        rt = getattr(torch.special, name)(ta, tb)
    except Exception as exc:  # noqa: BLE001 - torch decides which operand kinds it refuses
        with pytest.raises(type(exc)):
            getattr(ember.special, name)(ea, eb)
        return
    same(getattr(ember.special, name)(ea, eb), rt, "float32")


def test_polynomial_degree_keyword_and_out():
    e, t = pair(np.array([0.3, -0.2]), "float64")
    oe, ot = ember.empty(2, dtype=ember.float64), torch.empty(2, dtype=torch.float64)
    ember.special.hermite_polynomial_he(e, n=4, out=oe)
    torch.special.hermite_polynomial_he(t, n=4, out=ot)
    same(oe, ot)


def test_polynomial_degrees():
    """Fractional degrees are truncated, negative ones give 0, a tensor of degrees broadcasts."""
    x = np.array([-2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 1.5, 3.0])
    n = np.array([-1.0, 0.0, 1.0, 2.9, 3.0, 4.0, 7.0, 12.0])
    for name in POLYNOMIALS:
        for deg in (pair(n, "float64"), (2.5, 2.5), (-3, -3), (6, 6)):
            e, t = pair(x, "float64")
            same(getattr(ember.special, name)(e, deg[0]), getattr(torch.special, name)(t, deg[1]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reexported_reductions(dtype):
    arr = np.random.default_rng(5).standard_normal((3, 4))
    e, t = pair(arr, dtype, grad=True)
    for fe, ft in ((lambda x: ember.special.logsumexp(x, 1), lambda x: torch.special.logsumexp(x, 1)),
                   (lambda x: ember.special.logsumexp(x, (0, 1), keepdim=True),
                    lambda x: torch.special.logsumexp(x, (0, 1), keepdim=True)),
                   (lambda x: ember.special.softmax(x, 0), lambda x: torch.special.softmax(x, 0)),
                   (lambda x: ember.special.log_softmax(x, -1), lambda x: torch.special.log_softmax(x, -1)),
                   (lambda x: ember.special.polygamma(2, x.abs() + 0.5),
                    lambda x: torch.special.polygamma(2, x.abs() + 0.5)),
                   (lambda x: ember.special.multigammaln(x.abs() + 2, 4),
                    lambda x: torch.special.multigammaln(x.abs() + 2, 4)),
                   (lambda x: x.mvlgamma(2), lambda x: x.mvlgamma(2)),
                   (lambda x: ember.special.logit(x.sigmoid(), eps=0.3), lambda x: torch.special.logit(x.sigmoid(),
                                                                                                        eps=0.3))):
        same(fe(e), ft(t))
        grads(fe, ft, [e], [t])


def test_inplace_top_level_variants():
    a, x = np.array([1.5, 2.0, 3.0]), np.array([0.5, 2.0, 4.0])
    for name in ("igamma_", "igammac_"):
        (ea, ta), (ex, tx) = pair(a, "float64"), pair(x, "float64")
        same(getattr(ea, name)(ex), getattr(ta, name)(tx))
        same(ea, ta)
    e, t = pair(x + 2, "float64")
    same(e.mvlgamma_(2), t.mvlgamma_(2))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.special.multigammaln(x, 0),
    lambda lib, x: lib.special.gammainc(x.long(), x.long()),
    lambda lib, x: lib.special.gammainc(x, 2.0),
    lambda lib, x: lib.special.gammaincc(2, x),
    lambda lib, x: lib.special.ndtri(x.half()),
    lambda lib, x: lib.special.bessel_j0(x.bfloat16()),
    lambda lib, x: lib.special.xlog1py(x, lib.ones(4)),
    lambda lib, x: lib.special.zeta(x.to(lib.complex64), x),
    lambda lib, x: lib.special.i0e(x.to(lib.complex64)),
    lambda lib, x: lib.special.zeta(x.half(), x.half()),
    lambda lib, x: lib.special.legendre_polynomial_p(x.half(), 2),
    lambda lib, x: lib.special.multigammaln(x.to(lib.complex64), 2),
], ids=["p<1", "int-gammainc", "gammainc-scalar", "gammaincc-scalar", "ndtri-half", "bessel-bf16", "broadcast",
        "zeta-complex", "i0e-complex", "zeta-half", "polynomial-half", "multigammaln-complex"])
def test_errors_as_torch(call):
    x = np.array([1.0, 2.0, 3.0])
    e, t = pair(x, "float32")
    with pytest.raises(Exception) as info_t:
        call(torch, t)
    with pytest.raises(type(info_t.value)):
        call(ember, e)
