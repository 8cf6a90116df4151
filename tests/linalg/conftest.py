"""Shared helpers for the linalg tests: the same matrices in Ember and PyTorch, one function run on both
libraries, and every output (value, dtype, shape) and gradient compared; exceptions compared by type and
the key part of the message."""
import warnings

import numpy as np
import pytest

TOL = {"float32": dict(rtol=2e-4, atol=2e-4), "float64": dict(rtol=1e-8, atol=1e-9),
       "complex64": dict(rtol=2e-4, atol=2e-4), "complex128": dict(rtol=1e-8, atol=1e-9)}


def draw(shape, kind, rng, complex_=False):
    """A NumPy array of the named kind: 'normal', 'cond' (well-conditioned square), 'tril'/'triu'
    (well-conditioned triangular), 'spd' (symmetric, or Hermitian, positive-definite)."""
    x = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if complex_ else 0)
    if kind == "normal":
        return x
    n = shape[-1]
    eye = np.eye(n)
    if kind == "cond":
        return x + 3 * eye
    if kind in ("tril", "triu"):
        t = np.tril(x) if kind == "tril" else np.triu(x)
        return t + 3 * np.sign(np.diagonal(t, 0, -2, -1))[..., None] * eye
    if kind == "spd":
        return x @ np.swapaxes(x, -1, -2).conj() / n + eye
    raise ValueError(kind)


class Case:
    """One call: `fn(T, *inputs)` with T the library (torch or ember), inputs drawn as (shape, kind)."""

    def __init__(self, name, fn, *inputs, grad=True, gradgrad=True, tol=1.0):
        self.name, self.fn, self.inputs, self.grad, self.gradgrad, self.tol = name, fn, inputs, grad, gradgrad, tol

    def arrays(self, seed=0, complex_=False):
        rng = np.random.default_rng(seed)
        return [draw(shape, kind, rng, complex_) for shape, kind in self.inputs]

    def __repr__(self):
        return self.name


def tensors(T, arrays, dtype, grad):
    return [T.tensor(a, dtype=getattr(T, dtype), requires_grad=grad) for a in arrays]


def outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def run(T, case, dtype, grad, create_graph=False):
    """Outputs and (when grad) the gradients of sum(Re(out * w)) over the float and complex outputs, w fixed
    random weights (complex for a complex output)."""
    xs = tensors(T, case.arrays(complex_=dtype.startswith("complex")), dtype, grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outs = outputs(case.fn(T, *xs))
    if not grad:
        return outs, None
    rng = np.random.default_rng(1)
    loss = 0
    for o in outs:
        w = rng.standard_normal(tuple(o.shape))  # drawn for every output, so each gets the same weights in both
        if o.dtype.is_complex:
            w = w + 1j * rng.standard_normal(tuple(o.shape))
        if (o.dtype.is_floating_point or o.dtype.is_complex) and o.requires_grad:
            term = o * T.tensor(w, dtype=o.dtype)
            loss = loss + (term.real if o.dtype.is_complex else term).sum()
    grads = T.autograd.grad(loss, xs, allow_unused=True, create_graph=create_graph)
    run.inputs = xs  # the last call's inputs, for a second derivative
    return outs, grads


def assert_close(e, t, dtype, scale=1.0, what=""):
    assert str(e.dtype) == str(t.dtype), f"{what}: dtype {e.dtype} != {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    tol = {k: v * scale for k, v in TOL[dtype].items()}
    np.testing.assert_allclose(e.detach().numpy(), t.detach().resolve_conj().numpy(), err_msg=what, equal_nan=True,
                               **tol)


def same_error(fn_e, fn_t, key=None):
    """Both calls raise; same exception type (by name, torch's private _LinAlgError as LinAlgError) and the
    torch message (or its `key` part) appears in Ember's."""
    with pytest.raises(Exception) as te:
        fn_t()
    with pytest.raises(Exception) as ee:
        fn_e()
    tname = type(te.value).__name__.lstrip("_")
    assert type(ee.value).__name__ == tname, f"{type(ee.value).__name__}: {ee.value} vs {tname}: {te.value}"
    assert isinstance(ee.value, RuntimeError) == isinstance(te.value, RuntimeError)
    expected = key if key is not None else str(te.value)
    assert expected in str(te.value), f"key {key!r} not in torch's message {te.value}"
    assert expected in str(ee.value), f"{ee.value!s} does not contain {expected!r}"
