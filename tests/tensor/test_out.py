"""torch's `out=` keyword on Ember's functions (one place: the op registry): the result lands in out and
out is returned; a wrong-shaped non-empty out is resized with torch's warning; the dtype rule; no autograd."""
import warnings

import numpy as np
import pytest
import torch

import ember

A = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
B = np.arange(12, dtype=np.float32).reshape(3, 4) / 5

CALLS = [
    ("matmul", lambda m: (m.from_numpy(A), m.from_numpy(B)), (2, 4)),
    ("mm", lambda m: (m.from_numpy(A), m.from_numpy(B)), (2, 4)),
    ("add", lambda m: (m.from_numpy(A), m.from_numpy(A)), (2, 3)),
    ("exp", lambda m: (m.from_numpy(A),), (2, 3)),
    ("sum", lambda m: (m.from_numpy(A), 0), (3,)),
    ("cat", lambda m: ([m.from_numpy(A), m.from_numpy(A)],), (4, 3)),
    ("bmm", lambda m: (m.from_numpy(A)[None], m.from_numpy(B)[None]), (1, 2, 4)),
    ("clamp", lambda m: (m.from_numpy(A), 0.2, 0.5), (2, 3)),
    ("where", lambda m: (m.from_numpy(A) > 0.3, m.from_numpy(A), m.zeros(2, 3)), (2, 3)),
]


def outcome(m, name, make_args, out):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            r = getattr(m, name)(*make_args(m), out=out)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
    return (r is out, list(out.shape), str(out.dtype), out.numpy().round(5).tolist(),
            [str(x.message).split(" (Triggered")[0] for x in w if x.category is UserWarning])


@pytest.mark.parametrize("out_shape", ["right", "empty", "wrong"])
@pytest.mark.parametrize("name,make_args,shape", CALLS, ids=[c[0] for c in CALLS])
def test_out_matches_torch(name, make_args, shape, out_shape):
    size = {"right": shape, "empty": (0,), "wrong": (5,)}[out_shape]
    assert outcome(ember, name, make_args, ember.empty(*size)) == outcome(torch, name, make_args, torch.empty(*size))


@pytest.mark.parametrize("name,make_args,shape", [CALLS[2], CALLS[3]], ids=["add", "exp"])
@pytest.mark.parametrize("out_dtype,in_dtype", [("int64", "float32"), ("float64", "float32"), ("float32", "int64")])
def test_out_dtype_rule(name, make_args, shape, out_dtype, in_dtype):
    """A result that casts safely to out's dtype is written in it; one that does not is refused (torch's mm and
    matmul are stricter still: they want out's dtype exactly, which Ember does not check)."""
    def make(m):
        return tuple(a.to(getattr(m, in_dtype)) if isinstance(a, m.Tensor) else a for a in make_args(m))
    assert outcome(ember, name, make, ember.empty(*shape, dtype=getattr(ember, out_dtype))) == \
        outcome(torch, name, make, torch.empty(*shape, dtype=getattr(torch, out_dtype)))


def test_out_refuses_autograd():
    msgs = []
    for m in (torch, ember):
        a = m.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError) as e:
            m.matmul(a, m.ones(3, 2), out=m.empty(2, 2))
        msgs.append(str(e.value))
        with m.no_grad():
            assert m.matmul(a, m.ones(3, 2), out=m.empty(2, 2)).requires_grad is False
    assert msgs[1] == msgs[0]


def test_methods_have_no_out_and_share_the_function():
    assert ember.Tensor.matmul is ember.matmul.__wrapped__
    with pytest.raises(TypeError):
        ember.ones(2, 2).matmul(ember.ones(2, 2), out=ember.empty(2, 2))
    with pytest.raises(TypeError):
        torch.ones(2, 2).matmul(torch.ones(2, 2), out=torch.empty(2, 2))
