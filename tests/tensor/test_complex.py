"""Complex tensors against torch: real/imag and view_as_real/view_as_complex views, conj, abs/angle, complex/polar,
and gradients through complex values under torch's conjugate-Wirtinger convention."""
import numpy as np
import pytest
import torch

import ember

rng = np.random.default_rng(0)
A = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
B = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
R = rng.standard_normal((3, 4))


def numpy_of(t):
    t = t.detach()
    return t.resolve_conj().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def same(e, t):
    assert repr(e.dtype) == repr(t.dtype) and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(numpy_of(e), numpy_of(t), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_views_of_parts(dtype):
    ze, zt = ember.tensor(A).to(getattr(ember, dtype)), torch.tensor(A).to(getattr(torch, dtype))
    for f in (lambda z: z.real, lambda z: z.imag, ember_or_torch("view_as_real")):
        ve, vt = f(ze), f(zt)
        assert repr(ve.dtype) == repr(vt.dtype) and ve.shape == vt.shape
        assert ve.stride() == vt.stride() and ve.storage_offset() == vt.storage_offset()
        np.testing.assert_array_equal(numpy_of(ve), numpy_of(vt))
    ze.real[0, 0] = 5.0  # the parts are views: writes reach the complex tensor
    ze.imag[1] = -1.0
    zt.real[0, 0] = 5.0
    zt.imag[1] = -1.0
    np.testing.assert_array_equal(ze.numpy(), zt.numpy())
    back_e = ember.view_as_complex(ember.view_as_real(ze))
    back_t = torch.view_as_complex(torch.view_as_real(zt))
    np.testing.assert_array_equal(back_e.numpy(), back_t.numpy())
    back_e[0, 1] = 7j
    assert ze[0, 1].item() == 7j


def ember_or_torch(name):
    return lambda z: getattr(ember if isinstance(z, ember.Tensor) else torch, name)(z)


def test_view_as_complex_layouts():
    for arr in (R.reshape(3, 2, 2), R.reshape(6, 2)[::2], R.reshape(2, 3, 2)[:, 1:], np.array([1.0, 2.0])):
        ce, ct = ember.view_as_complex(ember.tensor(arr)), torch.view_as_complex(torch.tensor(arr))
        assert ce.shape == ct.shape and ce.stride() == ct.stride()
        np.testing.assert_array_equal(ce.numpy(), ct.numpy())


@pytest.mark.parametrize("call", [
    lambda L: L.view_as_complex(L.ones(3, 3)),
    lambda L: L.view_as_complex(L.ones(2, 4).t()),
    lambda L: L.view_as_complex(L.ones(3, 2).long()),
    lambda L: L.view_as_real(L.ones(3)),
    lambda L: L.ones(3).imag,
], ids=["last-size", "last-stride", "long", "real-input", "imag-of-real"])
def test_errors(call):
    with pytest.raises(Exception) as info:
        call(torch)
    with pytest.raises(type(info.value), match=str(info.value).split("\n")[0][:40]):
        call(ember)


def test_real_tensor_parts_and_conj():
    x = ember.tensor(R)
    assert x.real is x and x.conj() is x and ember.conj(x) is x and not x.is_conj()


@pytest.mark.parametrize("op", ["abs", "angle", "conj", "conj_physical", "real", "imag", "sgn", "exp", "neg"])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_values_and_dtypes(op, dtype):
    ze, zt = ember.tensor(A).to(getattr(ember, dtype)), torch.tensor(A).to(getattr(torch, dtype))
    fe = getattr(ze, op)
    fe, ft = (fe, getattr(zt, op)) if callable(fe) else (lambda: getattr(ze, op), lambda: getattr(zt, op))
    e, t = fe(), ft()
    assert repr(e.dtype) == repr(t.dtype)
    np.testing.assert_allclose(numpy_of(e), numpy_of(t), rtol=1e-6)


# real losses of complex computations: the gradients each leaf gets (complex leaves: dL/dre + i dL/dim)
PROGRAMS = {
    "mul": lambda L, z, w, x: z * w, "div": lambda L, z, w, x: z / w, "add-sub": lambda L, z, w, x: z + 2 * w - z,
    "pow": lambda L, z, w, x: z ** 3, "square": lambda L, z, w, x: z.square(), "exp": lambda L, z, w, x: z.exp(),
    "log": lambda L, z, w, x: z.log(), "sqrt": lambda L, z, w, x: z.sqrt(), "sin": lambda L, z, w, x: z.sin(),
    "tanh": lambda L, z, w, x: z.tanh(), "reciprocal": lambda L, z, w, x: 2 / z, "abs": lambda L, z, w, x: z.abs(),
    "angle": lambda L, z, w, x: z.angle(), "conj": lambda L, z, w, x: z.conj() * w,
    "parts": lambda L, z, w, x: z.real * w.imag, "scalar": lambda L, z, w, x: z * (2 + 1j) - 1j,
    "sum-mean": lambda L, z, w, x: z.sum(0) + w.mean(), "index": lambda L, z, w, x: z[1:, ::2] * w[:2, 1::2],
    "cat": lambda L, z, w, x: L.cat([z, w]), "real-times-complex": lambda L, z, w, x: x * w,
    "complex": lambda L, z, w, x: L.complex(x, x * x) * w, "polar": lambda L, z, w, x: L.polar(x.abs(), x) * z,
    "to-complex": lambda L, z, w, x: x.to(L.complex128) * w, "view_as_real": lambda L, z, w, x: L.view_as_real(z * w),
    "view_as_complex": lambda L, z, w, x: L.view_as_complex(L.stack([x, x * 2], -1)) * w,
    "mm": lambda L, z, w, x: z @ w.T, "matmul-batched": lambda L, z, w, x: z.reshape(2, 2, 3) @ w.reshape(2, 3, 2),
    "mv-dot": lambda L, z, w, x: z @ w[0] + L.dot(z[1], w[2]), "einsum": lambda L, z, w, x: L.einsum("ij,kj->ik", z, w),
    "addmm": lambda L, z, w, x: L.addmm(z[:, :3], z, w.T[:, :3], beta=0.5, alpha=2),
    "prod": lambda L, z, w, x: z.prod(1) + w.prod(), "var-std": lambda L, z, w, x: z.var(0) + w.std(),
    "sgn": lambda L, z, w, x: z.sgn() * w,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradients(name):
    grads = []
    for L in (ember, torch):
        z, w, x = L.tensor(A, requires_grad=True), L.tensor(B, requires_grad=True), L.tensor(R, requires_grad=True)
        out = PROGRAMS[name](L, z, w, x)
        loss = (out.real * 0.7 + out.imag * 1.3).sum() if out.is_complex() else (out * 0.7).sum()
        grads.append(L.autograd.grad(loss, [z, w, x], allow_unused=True))
    for e, t in zip(*grads):
        assert (e is None) == (t is None)
        if t is not None:
            same(e, t)


def test_gradcheck_through_complex():
    x = ember.tensor(R, requires_grad=True)
    y = ember.tensor(R[::-1].copy(), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a, b: (ember.polar(a.abs() + 1, b) * ember.complex(b, a)).angle(), [x, y])
    assert ember.autograd.gradcheck(lambda a, b: (ember.complex(a, b).exp() / ember.complex(b, a)).abs(), [x, y])
