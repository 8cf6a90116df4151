"""torch.autocast on the CPU: every op's output dtype (and values, gradients' dtypes) inside the context as
torch 2.13 gives them, plus the state queries, nesting, decorator form and torch's warnings."""
import warnings

import numpy as np
import pytest
import torch

import ember

rng = np.random.default_rng(0)
A = rng.standard_normal((4, 4)).astype(np.float32)
B3 = rng.standard_normal((2, 4, 4)).astype(np.float32)
IMG = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
W = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
P = rng.uniform(0.1, 0.9, (4, 4)).astype(np.float32)


def T(m, a, dtype=None):
    t = m.from_numpy(a.copy())
    return t if dtype is None else t.to(getattr(m, dtype))


# (name, fn(m, F, low) -> tensor); `low` is the dtype name inputs of the fp32 list arrive in
CASES = [
    ("mm", lambda m, F, lo: m.mm(T(m, A), T(m, A))),
    ("matmul_operator", lambda m, F, lo: T(m, A) @ T(m, A)),
    ("matmul_method", lambda m, F, lo: T(m, A).matmul(T(m, A))),
    ("bmm", lambda m, F, lo: m.bmm(T(m, B3), T(m, B3))),
    ("addmm", lambda m, F, lo: m.addmm(T(m, A), T(m, A), T(m, A))),
    ("baddbmm", lambda m, F, lo: m.baddbmm(T(m, B3), T(m, B3), T(m, B3))),
    ("addbmm", lambda m, F, lo: m.addbmm(T(m, A), T(m, B3), T(m, B3))),
    ("einsum", lambda m, F, lo: m.einsum("ij,jk->ik", T(m, A), T(m, A))),
    ("linear", lambda m, F, lo: F.linear(T(m, A), T(m, A), T(m, A[0]))),
    ("conv2d", lambda m, F, lo: F.conv2d(T(m, IMG), T(m, W))),
    ("conv_transpose2d", lambda m, F, lo: F.conv_transpose2d(T(m, IMG), T(m, W).transpose(0, 1))),
    ("prelu", lambda m, F, lo: F.prelu(T(m, A), T(m, A[0, :1]))),
    ("sdpa", lambda m, F, lo: F.scaled_dot_product_attention(T(m, B3), T(m, B3), T(m, B3))),
    ("mixed_float64_mm", lambda m, F, lo: m.mm(T(m, A).double(), T(m, A).double())),
    # ops on no list run on what they get
    ("relu", lambda m, F, lo: T(m, A, lo).relu()),
    ("softmax", lambda m, F, lo: T(m, A, lo).softmax(-1)),
    ("layer_norm", lambda m, F, lo: F.layer_norm(T(m, A, lo), (4,))),
    ("sum", lambda m, F, lo: T(m, A, lo).sum()),
    ("add_mixed", lambda m, F, lo: T(m, A) + T(m, A, lo)),
    ("mv", lambda m, F, lo: m.mv(T(m, A), T(m, A[0]))),
    # the fp32 list
    ("mse_loss", lambda m, F, lo: F.mse_loss(T(m, A, lo), T(m, A, lo))),
    ("l1_loss", lambda m, F, lo: F.l1_loss(T(m, A, lo), T(m, A, lo))),
    ("smooth_l1_loss", lambda m, F, lo: F.smooth_l1_loss(T(m, A, lo), T(m, A, lo))),
    ("huber_loss", lambda m, F, lo: F.huber_loss(T(m, A, lo), T(m, A, lo))),
    ("cross_entropy", lambda m, F, lo: F.cross_entropy(T(m, A, lo), m.tensor([0, 1, 2, 3]))),
    ("nll_loss", lambda m, F, lo: F.nll_loss(T(m, A, lo), m.tensor([0, 1, 2, 3]))),
    ("binary_cross_entropy", lambda m, F, lo: F.binary_cross_entropy(T(m, P, lo), T(m, P, lo))),
    ("bce_with_logits", lambda m, F, lo: F.binary_cross_entropy_with_logits(T(m, A, lo), T(m, P, lo))),
    ("kl_div", lambda m, F, lo: F.kl_div(T(m, A, lo), T(m, P, lo), reduction="batchmean")),
    ("prod", lambda m, F, lo: T(m, P, lo).prod()),
    ("cdist", lambda m, F, lo: m.cdist(T(m, A, lo), T(m, A, lo))),
    # the promote list
    ("cat", lambda m, F, lo: m.cat([T(m, A), T(m, A, lo)])),
    ("stack", lambda m, F, lo: m.stack([T(m, A, lo), T(m, A)])),
    ("cat_low_only", lambda m, F, lo: m.cat([T(m, A, lo), T(m, A, lo)])),
]


@pytest.mark.parametrize("low", ["bfloat16", "float16"])
@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_op_dtype_and_value_inside_autocast(name, fn, low):
    with torch.autocast("cpu", dtype=getattr(torch, low)):
        t = fn(torch, torch.nn.functional, low)
    with ember.autocast("cpu", dtype=getattr(ember, low)):
        e = fn(ember, ember.nn.functional, low)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.float().detach().numpy(), t.float().detach().numpy(), rtol=2e-2, atol=5e-2)
    # outside the context the same op is back to full precision
    assert str(fn(ember, ember.nn.functional, "float32").dtype) == str(fn(torch, torch.nn.functional,
                                                                          "float32").dtype)


def test_gradients_flow_back_in_the_leaves_dtype():
    grads = []
    for m in (torch, ember):
        x = m.from_numpy(A.copy())
        w = m.from_numpy(A.copy()).requires_grad_()
        lin = m.nn.Linear(4, 3)
        lin.weight.data, lin.bias.data = T(m, A[:3]), T(m, A[3, :3])
        with m.autocast("cpu"):
            out = x @ w
            names = (type(out.grad_fn).__name__, [None if f is None else type(f).__name__
                                                 for f, _ in out.grad_fn.next_functions])
            loss = m.nn.functional.mse_loss(lin(out), m.zeros(4, 3))
        loss.backward()
        grads.append((names, str(loss.dtype), str(w.grad.dtype), str(lin.weight.grad.dtype), w.grad.numpy(),
                      lin.weight.grad.numpy()))
    assert grads[1][:4] == grads[0][:4]
    np.testing.assert_allclose(grads[1][4], grads[0][4], rtol=5e-2, atol=5e-2)
    np.testing.assert_allclose(grads[1][5], grads[0][5], rtol=5e-2, atol=5e-2)


def test_state_queries_and_nesting():
    seen = []
    for m in (torch, ember):
        log = [m.is_autocast_enabled("cpu"), str(m.get_autocast_dtype("cpu"))]
        with m.autocast("cpu", dtype=m.float16):
            log += [m.is_autocast_enabled("cpu"), m.is_autocast_enabled(), str(m.get_autocast_dtype("cpu"))]
            with m.autocast("cpu", enabled=False):
                log += [m.is_autocast_enabled("cpu"), str((m.ones(2, 2) @ m.ones(2, 2)).dtype)]
            log += [str((m.ones(2, 2) @ m.ones(2, 2)).dtype)]
        log += [m.is_autocast_enabled("cpu"), str(m.get_autocast_dtype("cpu")), str(m.get_autocast_dtype("cuda"))]
        seen.append(log)
    assert seen[1] == seen[0]


def test_decorator_form():
    outs = []
    for m in (torch, ember):
        @m.autocast("cpu")
        def f(a):
            return a @ a
        outs.append((str(f(m.ones(2, 2)).dtype), str((m.ones(2, 2) @ m.ones(2, 2)).dtype)))
    assert outs[1] == outs[0]


def test_autocast_leaves_no_trace_when_it_exits_by_an_exception():
    mm, matmul, linear = ember.mm, ember.Tensor.__matmul__, ember.nn.functional.linear
    with pytest.raises(ValueError):
        with ember.autocast("cpu"):
            assert ember.mm is not mm and ember.Tensor.__matmul__ is not matmul
            raise ValueError
    assert ember.mm is mm and ember.Tensor.__matmul__ is matmul and ember.nn.functional.linear is linear
    assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype is ember.float32


def warned(make):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            obj = make()
            with obj:
                inside = obj is not None
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, [(x.category, str(x.message)) for x in w]
    return inside, [(x.category, str(x.message)) for x in w]


@pytest.mark.parametrize("make", [
    lambda m: m.autocast("cuda"), lambda m: m.autocast("cpu", dtype=m.float64),
    lambda m: m.autocast("cpu", dtype=m.float32), lambda m: m.autocast("bogus"),
    lambda m: m.cuda.amp.autocast(), lambda m: m.cpu.amp.autocast(), lambda m: m.amp.autocast("cpu"),
    lambda m: m.autocast("mps")])
def test_warnings_and_errors_as_torch(make):
    assert warned(lambda: make(ember)) == warned(lambda: make(torch))


def test_disabled_devices_do_not_cast():
    for dev in ("cuda", "mps"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with ember.autocast(dev):
                assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype is ember.float32
