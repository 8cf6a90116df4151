"""ember.fft against torch.fft: every function over dtypes, n=/s= cropping and padding, dims and norm modes;
values and dtypes, gradients of real losses (compared to torch and by gradcheck), second derivatives and errors."""
import numpy as np
import pytest
import torch

import ember

TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-9, atol=1e-11)}
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
TWO_D = [n + "2" for n in ONE_D]
N_D = [n + "n" for n in ONE_D]
REAL_ONLY = {"rfft", "ihfft"}  # these refuse complex input


def make(arr, lib, grad=False):
    t = lib.tensor(arr)
    return t.requires_grad_() if grad else t


def draw(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype) if dtype != "int64" else rng.integers(-5, 6, shape)


def same(e, t, tol=None):
    assert repr(e.dtype) == repr(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    real = "float64" if t.dtype in (torch.float64, torch.complex128) else "float32"
    np.testing.assert_allclose(e.detach().resolve_conj().numpy(), t.detach().resolve_conj().numpy(),
                               **(tol or TOL[real]))


def outcome(lib, name, x, kwargs):
    return getattr(lib.fft, name)(x, **kwargs)


def compare(name, arr, kwargs):
    """Same value (or the same exception type and message) from both libraries."""
    try:
        rt = outcome(torch, name, make(arr, torch), kwargs)
    except Exception as exc:  # noqa: BLE001 - torch decides what is an error
        with pytest.raises(type(exc)) as info:
            outcome(ember, name, make(arr, ember), kwargs)
        assert str(info.value).split("\n")[0] == str(exc).split("\n")[0]
        return
    same(outcome(ember, name, make(arr, ember), kwargs), rt)


ONE_D_ARGS = [{}, dict(n=5), dict(n=11), dict(dim=0), dict(dim=-2, n=3), dict(norm="forward"), dict(norm="ortho"),
              dict(norm="backward", n=7, dim=1)]


@pytest.mark.parametrize("kwargs", ONE_D_ARGS, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128", "int64"])
@pytest.mark.parametrize("name", ONE_D)
def test_one_dimensional(name, dtype, kwargs):
    compare(name, draw((4, 6), dtype), kwargs)


N_D_ARGS = [{}, dict(s=(3, 5)), dict(s=(-1, 8)), dict(dim=(0, 2)), dict(dim=(2, 0), s=(4, 3)), dict(dim=(1,)),
            dict(norm="ortho", s=(2, 3, 7)), dict(norm="forward", dim=(-1, -2)), dict(dim=())]


@pytest.mark.parametrize("kwargs", N_D_ARGS, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "complex128"])
@pytest.mark.parametrize("name", N_D)
def test_n_dimensional(name, dtype, kwargs):
    compare(name, draw((3, 4, 6), dtype), kwargs)


@pytest.mark.parametrize("kwargs", [{}, dict(s=(3, 5)), dict(dim=(0, 1)), dict(norm="ortho")], ids=str)
@pytest.mark.parametrize("dtype", ["float64", "complex64"])
@pytest.mark.parametrize("name", TWO_D)
def test_two_dimensional(name, dtype, kwargs):
    compare(name, draw((2, 4, 6), dtype), kwargs)


def loss(lib, out, seed=1):
    """A real loss of a transform's output: weighted sums of its real and imaginary parts."""
    rng = np.random.default_rng(seed)
    shape = tuple(out.shape)
    wr = make(rng.standard_normal(shape), lib).to(out.real.dtype)
    if not out.is_complex():
        return (out * wr).sum()
    wi = make(rng.standard_normal(shape), lib).to(out.real.dtype)
    return (out.real * wr).sum() + (out.imag * wi).sum()


GRAD_CASES = [(n, {}) for n in ONE_D + TWO_D + N_D] + [
    ("fft", dict(n=4, norm="ortho")), ("ifft", dict(n=9, dim=0)), ("rfft", dict(n=5, norm="forward")),
    ("irfft", dict(n=7)), ("irfft", dict(n=4, dim=0)), ("hfft", dict(n=9, norm="ortho")), ("ihfft", dict(n=3)),
    ("fftn", dict(s=(2, 7), norm="forward")), ("rfftn", dict(s=(5, 4))), ("irfftn", dict(s=(3, 9), dim=(0, 1))),
    ("irfft2", dict(s=(4, 5), norm="ortho")), ("hfftn", dict(s=(3, 5))), ("ihfft2", dict(s=(5, 3), norm="forward")),
    ("ifft2", dict(s=(2, 2)))]


@pytest.mark.parametrize("dtype", ["float64", "complex128", "float32"])
@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: f"{c[0]}{c[1]}")
def test_gradients(case, dtype):
    name, kwargs = case
    if name in REAL_ONLY or name[:-1] in REAL_ONLY:
        dtype = dtype.replace("complex128", "float64")
    arr = draw((4, 6), dtype, seed=2)
    xe, xt = make(arr, ember, True), make(arr, torch, True)
    oe, ot = outcome(ember, name, xe, kwargs), outcome(torch, name, xt, kwargs)
    same(oe, ot)
    ge, = ember.autograd.grad(loss(ember, oe), [xe])
    gt, = torch.autograd.grad(loss(torch, ot), [xt])
    same(ge, gt)


@pytest.mark.parametrize("fn", [
    lambda F, C, a, b: F.fft(a, n=5).real,
    lambda F, C, a, b: F.ifft2(C(a, b), norm="ortho").imag,
    lambda F, C, a, b: F.fftn(C(a, b), s=(3, 4), norm="forward").abs(),
    lambda F, C, a, b: F.rfft(a, dim=0).angle(),
    lambda F, C, a, b: F.irfft(C(a, b), n=7),
    lambda F, C, a, b: F.irfftn(C(a, b)),
    lambda F, C, a, b: F.hfft(C(a, b), n=6, norm="ortho"),
    lambda F, C, a, b: F.ihfftn(a, s=(3, 3)).imag,
], ids=["fft", "ifft2", "fftn-abs", "rfft-angle", "irfft", "irfftn", "hfft", "ihfftn"])
def test_gradcheck(fn):
    rng = np.random.default_rng(3)
    a, b = (ember.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in range(2))
    assert ember.autograd.gradcheck(lambda x, y: fn(ember.fft, ember.complex, x, y), [a, b])


@pytest.mark.parametrize("name", ["rfft", "fft", "irfft", "hfft"])
def test_second_derivatives(name):
    """Gradients of gradients: the adjoint transforms are recorded like any op under create_graph."""
    arr = draw((3, 8), "float64", seed=4)
    results = []
    for lib in (ember, torch):
        x = make(arr, lib, True)
        out = getattr(lib.fft, name)(x)
        y = out.abs().pow(2).sum() if out.is_complex() else (out.pow(3)).sum()
        g, = lib.autograd.grad(y, [x], create_graph=True)
        h, = lib.autograd.grad((g * g).sum(), [x])
        results.append((g, h))
    same(results[0][0], results[1][0])
    same(results[0][1], results[1][1])


@pytest.mark.parametrize("program", [
    lambda F, x: F.rfft(x).abs().sum(),
    lambda F, x: F.irfft(F.rfft(x)).pow(2).sum(),
    lambda F, x: F.fft(x).real.pow(2).sum(),
    lambda F, x: F.ifft(F.fft(x) * F.fft(x.flip(-1))).real.sum(),
    lambda F, x: (F.fftshift(F.fft2(x)).abs() ** 2).mean(),
], ids=["rfft-abs", "irfft-rfft", "fft-real-pow", "convolution", "power-spectrum"])
def test_real_losses(program):
    arr = draw((4, 8), "float32", seed=5)
    xe, xt = make(arr, ember, True), make(arr, torch, True)
    le, lt = program(ember.fft, xe), program(torch.fft, xt)
    same(le, lt)
    le.backward()
    lt.backward()
    same(xe.grad, xt.grad)


@pytest.mark.parametrize("kwargs", [dict(n=5), dict(n=8, d=0.1), dict(n=1), dict(n=0), dict(n=6, d=2, dtype="float64"),
                                    dict(n=4, requires_grad=True), dict(n=3, dtype="int64")], ids=str)
@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
def test_frequencies(name, kwargs):
    ke, kt = dict(kwargs), dict(kwargs)
    if "dtype" in kwargs:
        ke["dtype"], kt["dtype"] = getattr(ember, kwargs["dtype"]), getattr(torch, kwargs["dtype"])
    try:
        rt = getattr(torch.fft, name)(**kt)
    except RuntimeError as exc:
        with pytest.raises(RuntimeError, match=str(exc)):
            getattr(ember.fft, name)(**ke)
        return
    re = getattr(ember.fft, name)(**ke)
    same(re, rt)
    assert re.requires_grad == rt.requires_grad


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1), (1,)], ids=str)
@pytest.mark.parametrize("shape", [(4, 6), (5, 3)], ids=str)
@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
def test_shifts(name, shape, dim):
    arr = draw(shape, "float64", seed=6)
    xe, xt = make(arr, ember, True), make(arr, torch, True)
    oe, ot = getattr(ember.fft, name)(xe, dim=dim), getattr(torch.fft, name)(xt, dim=dim)
    same(oe, ot)
    w = np.arange(np.prod(shape), dtype=float).reshape(shape)
    (oe * make(w, ember)).sum().backward()
    (ot * make(w, torch)).sum().backward()
    same(xe.grad, xt.grad)


@pytest.mark.parametrize("call", [
    ("fft", "float32", (8,), dict(norm="bad")), ("fft", "float32", (8,), dict(n=0)),
    ("fft", "float32", (8,), dict(n=-1)), ("fft", "float32", (8,), dict(dim=1)),
    ("fft", "float32", (), {}), ("fft", "float32", (0,), {}), ("fft", "float16", (8,), {}),
    ("rfft", "bfloat16", (8,), {}), ("rfft", "complex64", (8,), {}), ("ihfft", "complex128", (8,), {}),
    ("irfft", "complex64", (1,), {}), ("irfft", "float32", (8,), dict(n=0)), ("fft2", "float32", (8,), {}),
    ("fftn", "float32", (3, 4), dict(s=(3,), dim=(0, 1))), ("fftn", "float32", (3, 4), dict(dim=(0, 0))),
    ("rfftn", "float32", (3, 4), dict(dim=())), ("irfftn", "complex64", (3, 4), dict(dim=())),
    ("rfft2", "complex64", (3, 4), dict(dim=())), ("ihfft2", "complex64", (3, 4), dict(dim=())),
    ("irfft2", "float32", (3, 4), dict(dim=())), ("ihfft2", "float64", (3, 4), dict(dim=())),
    ("fftn", "float32", (3, 4), dict(s=(2, 0))), ("hfft", "float32", (4,), dict(norm="Ortho")),
], ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-{c[3]}")
def test_errors(call):
    name, dtype, shape, kwargs = call
    arr = np.ones(shape)
    e, t = make(arr, ember).to(getattr(ember, dtype)), make(arr, torch).to(getattr(torch, dtype))
    with pytest.raises(Exception) as info:
        getattr(torch.fft, name)(t, **kwargs)
    with pytest.raises(type(info.value)) as mine:
        getattr(ember.fft, name)(e, **kwargs)
    assert str(mine.value) == str(info.value)


@pytest.mark.parametrize("call", [
    lambda L: L.fft.fft([1.0, 2.0]), lambda L: L.fft.fft(L.ones(3, 4), dim=(0,)), lambda L: L.fft.rfft(L.ones(3), n=2.0),
    lambda L: L.fft.fftshift(L.tensor(1.0)), lambda L: L.fft.fftfreq(3, dtype=L.complex64),
    lambda L: L.fft.fftfreq(3, dtype=L.int32),
], ids=["list", "dim-tuple", "float-n", "shift-0d", "freq-complex", "freq-int"])
def test_argument_errors(call):
    with pytest.raises(Exception) as info:
        call(torch)
    with pytest.raises(type(info.value)) as mine:
        call(ember)
    if "list" not in str(info.value):  # (torch's message for a list names the whole signature)
        assert str(mine.value) == str(info.value)
    else:
        assert "must be Tensor, not list" in str(mine.value)


def test_every_public_name():
    names = {n for n in dir(torch.fft) if not n.startswith("_")} - {"Tensor", "torch", "common_args",
                                                                    "factory_common_args"}
    assert names == set(ember.fft.__all__)
    assert all(callable(getattr(ember.fft, n)) for n in names)


def test_out_keyword():
    arr = draw((6,), "float64")
    oe, ot = ember.empty(0, dtype=ember.complex128), torch.empty(0, dtype=torch.complex128)
    ember.fft.fft(make(arr, ember), out=oe)
    torch.fft.fft(make(arr, torch), out=ot)
    same(oe, ot)
