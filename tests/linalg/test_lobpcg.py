"""torch.lobpcg against torch 2.13: the k largest/smallest eigenpairs of symmetric (generalized) problems, batched,
compared through quantities free of the eigenvectors' signs; gradients (none with B, as torch's); errors."""
import numpy as np
import pytest
import torch

import ember
from tests.linalg.conftest import same_error

N = 12
TOL = {"float32": dict(rtol=2e-3, atol=2e-3), "float64": dict(rtol=1e-6, atol=1e-6)}


def spd(shape, seed, scale=1.0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) * scale + np.eye(shape[-1])


def invariants(T, E, X, B):
    """Eigenvalues, the B-orthogonal projector X X^T and X^T B X (the identity)."""
    return E, X @ X.mT, X.mT @ (X if B is None else B @ X)


@pytest.mark.parametrize("shape", [(N, N), (2, N, N)], ids=["single", "batched"])
@pytest.mark.parametrize("with_B", [False, True], ids=["A", "A-B"])
@pytest.mark.parametrize("largest", [True, False], ids=["largest", "smallest"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values(dtype, largest, with_B, shape):
    a, b = spd(shape, 0), spd(shape, 1, 1 / N)
    res = []
    for T in (ember, torch):
        A = T.tensor(a, dtype=getattr(T, dtype))
        B = T.tensor(b, dtype=getattr(T, dtype)) if with_B else None
        E, X = T.lobpcg(A, k=3, B=B, largest=largest)
        res.append(invariants(T, E, X, B))
    for e, t in zip(*res):
        assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), **TOL[dtype])


@pytest.mark.parametrize("shape", [(N, N), (2, N, N)], ids=["single", "batched"])
@pytest.mark.parametrize("largest", [True, False], ids=["largest", "smallest"])
def test_gradients(largest, shape):
    a = spd(shape, 2)
    w = np.random.default_rng(3).standard_normal(shape)
    grads = []
    for T in (ember, torch):
        A = T.tensor(a, requires_grad=True)
        E, X = T.lobpcg(A, k=2, largest=largest)
        loss = (E * E).sum() + ((X @ X.mT) * T.tensor(w)).sum()
        grads.append(T.autograd.grad(loss, A)[0])
        assert type(E.grad_fn).__name__ == "LOBPCGAutogradFunctionBackward"
    np.testing.assert_allclose(grads[0].numpy(), grads[1].numpy(), rtol=1e-5, atol=1e-6)


def test_no_gradient_with_B():
    def call(T):
        A, B = T.tensor(spd((N, N), 4), requires_grad=True), T.tensor(spd((N, N), 5, 1 / N))
        T.lobpcg(A, k=2, B=B)[0].sum().backward()
    same_error(lambda: call(ember), lambda: call(torch))


@pytest.mark.parametrize("kwargs", [dict(n=3), dict(X=3), dict(X=3, k=2), dict(k=4, niter=50, tol=1e-9)],
                         ids=["n", "X", "X-k", "k-niter-tol"])
def test_k_and_n_defaults(kwargs):
    """k defaults to X's columns (or 1); n to k; the result has k pairs."""
    a = spd((N, N), 6)
    res = []
    for T in (ember, torch):
        kw = dict(kwargs)
        if "X" in kw:
            kw["X"] = T.tensor(np.random.default_rng(7).standard_normal((N, kw["X"])))
        E, X = T.lobpcg(T.tensor(a), **kw)
        res.append(invariants(T, E, X, None))
    for e, t in zip(*res):
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), **TOL["float64"])


@pytest.mark.parametrize("kwargs", [dict(k=5), dict(k=1, n=5)], ids=["k", "n"])
def test_too_many_pairs(kwargs):
    a = spd((N, N), 8)
    same_error(lambda: ember.lobpcg(ember.tensor(a), **kwargs), lambda: torch.lobpcg(torch.tensor(a), **kwargs))
