"""torch.utils.checkpoint against torch 2.13: outputs and gradients of inputs and parameters through
checkpoint/checkpoint_sequential in both modes, RNG-preserving recomputation, warnings and errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint

import ember
import ember.utils.checkpoint

rng = np.random.default_rng(0)
X = rng.standard_normal((5, 4)).astype(np.float32)
LAYERS = [rng.standard_normal((4, 4)).astype(np.float32) * 0.5 for _ in range(4)]


def build(m):
    layers = []
    for w in LAYERS:
        lin = m.nn.Linear(4, 4)
        lin.weight.data, lin.bias.data = m.from_numpy(w.copy()), m.from_numpy(w[0].copy())
        layers += [lin, m.nn.Tanh()]
    return m.nn.Sequential(*layers)


def grads(m, ck, how, reentrant, x_grad=True):
    net = build(m)
    x = m.from_numpy(X.copy()).requires_grad_(x_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if how == "checkpoint":
            y = ck.checkpoint(net, x, use_reentrant=reentrant)
        elif how == "segment":
            y = net[4:](ck.checkpoint(net[:4], x, use_reentrant=reentrant))
        else:
            y = ck.checkpoint_sequential(net, 2, x, use_reentrant=reentrant)
    if not y.requires_grad:
        return y.detach().numpy(), None, None
    (y * y).sum().backward()
    return (y.detach().numpy(), None if x.grad is None else x.grad.numpy(),
            [p.grad.numpy() if p.grad is not None else None for p in net.parameters()])


@pytest.mark.parametrize("reentrant", [True, False])
@pytest.mark.parametrize("how", ["checkpoint", "segment", "sequential"])
@pytest.mark.parametrize("x_grad", [True, False])
def test_outputs_and_gradients_match_torch(how, reentrant, x_grad):
    t = grads(torch, torch.utils.checkpoint, how, reentrant, x_grad)
    e = grads(ember, ember.utils.checkpoint, how, reentrant, x_grad)
    np.testing.assert_allclose(e[0], t[0], rtol=1e-5, atol=1e-6)
    assert (e[1] is None) == (t[1] is None) and (e[2] is None) == (t[2] is None)
    if t[1] is not None:
        np.testing.assert_allclose(e[1], t[1], rtol=1e-4, atol=1e-5)
    for ge, gt in zip(e[2] or [], t[2] or []):
        assert (ge is None) == (gt is None)
        if gt is not None:
            np.testing.assert_allclose(ge, gt, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("reentrant", [True, False])
def test_dropout_masks_are_the_same_in_the_recomputation(reentrant):
    """With the RNG state restored, checkpointed gradients equal plain ones (in torch as in Ember)."""
    for m, ck in ((torch, torch.utils.checkpoint), (ember, ember.utils.checkpoint)):
        net = m.nn.Sequential(m.nn.Linear(4, 8), m.nn.Dropout(0.5), m.nn.Linear(8, 2))
        x = m.from_numpy(X.copy()).requires_grad_()
        m.manual_seed(3)
        ck.checkpoint(net, x, use_reentrant=reentrant).sum().backward()
        checkpointed = (x.grad.clone(), net[0].weight.grad.clone())
        net.zero_grad()
        x.grad = None
        m.manual_seed(3)
        net(x).sum().backward()
        assert m.equal(checkpointed[0], x.grad) and m.equal(checkpointed[1], net[0].weight.grad)


def test_autograd_grad_reaches_parameters_without_reentrant():
    w = [m.from_numpy(LAYERS[0].copy()).requires_grad_() for m in (torch, ember)]
    out = [ck.checkpoint(lambda a, w=wi, m=m: m.tanh(a @ w), m.from_numpy(X.copy()), use_reentrant=False)
           for m, ck, wi in ((torch, torch.utils.checkpoint, w[0]), (ember, ember.utils.checkpoint, w[1]))]
    gt = torch.autograd.grad(out[0].sum(), w[0])[0]
    ge = ember.autograd.grad(out[1].sum(), w[1])[0]
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-5)


def messages(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e), [str(x.message) for x in w]
    return None, None, [(x.category, str(x.message)) for x in w]


@pytest.mark.parametrize("call", [
    lambda m, ck: ck.checkpoint(m.nn.Linear(4, 4), m.ones(2, 4, requires_grad=True)),
    lambda m, ck: ck.checkpoint(m.nn.Linear(4, 4), m.ones(2, 4), use_reentrant=True),
    lambda m, ck: ck.checkpoint(m.nn.Linear(4, 4), m.ones(2, 4), use_reentrant=True, foo=1),
    lambda m, ck: ck.checkpoint_sequential(m.nn.Sequential(m.nn.Linear(4, 4), m.nn.ReLU()), 2, m.ones(2, 4),
                                           use_reentrant=False, foo=1),
])
def test_warnings_and_errors(call):
    assert messages(lambda: call(ember, ember.utils.checkpoint)) == messages(lambda: call(torch,
                                                                                          torch.utils.checkpoint))


@pytest.mark.parametrize("reentrant", [True, False])
def test_recomputation_runs_under_the_forwards_autocast(reentrant):
    """The backward happens after the autocast block closed; the recomputation must still be bfloat16."""
    out = []
    for m, ck in ((torch, torch.utils.checkpoint), (ember, ember.utils.checkpoint)):
        net = build(m)
        x = m.from_numpy(X.copy()).requires_grad_()
        with m.autocast("cpu", dtype=m.bfloat16):
            y = ck.checkpoint(net, x, use_reentrant=reentrant)
        y.float().sum().backward()
        out.append((str(y.dtype), str(x.grad.dtype), x.grad.numpy(), net[0].weight.grad.numpy()))
    assert out[1][:2] == out[0][:2]
    np.testing.assert_allclose(out[1][2], out[0][2], rtol=5e-2, atol=5e-2)
    np.testing.assert_allclose(out[1][3], out[0][3], rtol=5e-2, atol=5e-2)
