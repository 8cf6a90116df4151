"""A linear layer's weight gradient made by a worker while the backward pass goes on
(ember._kernels.threads.later): the pass hands back every gradient complete, as torch does, whatever
reads it first — a tied weight's second gradient, an accumulation, hooks, autograd.grad, an error.

In Ember the worker is held busy at the start of each backward (a large product for later), so the
weight products queue behind it and are certainly unfinished when the engine reaches their leaves: a
read that did not wait would see an empty array."""
import numpy as np
import pytest

import ember
from tests.autograd.conftest import Scenarios, same_outcome

pytest.importorskip("numba")
from ember._kernels import threads  # noqa: E402

_later = threads.later  # the tests count the calls made through threads.later
scenario = Scenarios()
V, C, ROWS = 256, 128, 768  # products of 2·768·128·256 flops: large enough to be handed over
_rng = np.random.default_rng(0)
W_EMB = _rng.normal(size=(V, C)).astype(np.float32) * 0.5
W_FC, B_FC = _rng.normal(size=(C, C)).astype(np.float32) * 0.1, _rng.normal(size=C).astype(np.float32)
IDX = _rng.integers(0, V, size=ROWS)
TARGET = _rng.integers(0, V, size=ROWS)


@pytest.fixture(autouse=True)
def two_threads(monkeypatch):
    n = ember.get_num_threads()
    ember.set_num_threads(2)
    handed = []
    later = threads.later

    def counting(a, b):
        out = later(a, b)
        handed.append(out is not None)
        return out
    monkeypatch.setattr(threads, "later", counting)
    yield handed
    ember.set_num_threads(n)


BIG = np.ones((1200, 1200), np.float32)


def hold(T):
    """A hook for the loss that, in Ember, keeps worker 0 busy as the pass starts: a product for later
    of ~50 ms, behind which the weights' products queue."""
    def hook(g):
        if T is ember:
            assert _later(BIG, BIG) is not None
    return hook


def now(*values):
    """Copies of the values as they are when the pass returns (the workers may yet write to an array)."""
    return tuple(v.clone() if hasattr(v, "clone") else v for v in values)


def net(T, tied=True):
    emb = T.nn.Embedding(V, C)
    fc = T.nn.Linear(C, C)
    head = T.nn.Linear(C, V, bias=False)
    with T.no_grad():
        emb.weight.copy_(T.tensor(W_EMB))
        fc.weight.copy_(T.tensor(W_FC))
        fc.bias.copy_(T.tensor(B_FC))
        if not tied:
            head.weight.copy_(T.tensor(W_EMB))
    if tied:
        head.weight = emb.weight
    return emb, fc, head


def loss_of(T, emb, fc, head, x=None, mid=None):
    h = T.tanh(fc(emb(T.tensor(IDX)) if x is None else x))
    h = h if mid is None else mid(h)
    loss = T.nn.functional.cross_entropy(head(h), T.tensor(TARGET))
    loss.register_hook(hold(T))
    return loss


@scenario
def tied_weight_gets_both_gradients(T):
    emb, fc, head = net(T)
    loss_of(T, emb, fc, head).backward()
    return now(emb.weight.grad, fc.weight.grad, fc.bias.grad)


@scenario
def second_backward_adds_to_the_first(T):
    emb, fc, head = net(T, tied=False)
    loss_of(T, emb, fc, head).backward()
    loss_of(T, emb, fc, head).backward()
    return now(emb.weight.grad, fc.weight.grad, head.weight.grad)


@scenario
def hooks_see_whole_gradients(T):
    emb, fc, head = net(T, tied=False)
    mid = T.nn.Linear(C, C)
    with T.no_grad():
        mid.weight.copy_(T.tensor(W_FC.T))
        mid.bias.copy_(T.tensor(B_FC[::-1].copy()))
    seen = []
    fc.weight.register_hook(lambda g: g * 2)
    mid.weight.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.sum()))
    loss_of(T, emb, fc, head, mid=mid).backward()
    return now(fc.weight.grad, mid.weight.grad, head.weight.grad, seen[0])


@scenario
def autograd_grad_returns_whole_gradients(T):
    emb, fc, head = net(T, tied=False)
    x = T.tensor(W_EMB[IDX] * 0.3, requires_grad=True)
    gw, gx = T.autograd.grad(loss_of(T, emb, fc, head, x), [head.weight, x])
    return now(gw, gx, head.weight.grad)


@scenario
def an_error_mid_pass_leaves_the_workers_serving(T):
    emb, fc, head = net(T, tied=False)
    h = emb(T.tensor(IDX))
    h.register_hook(lambda g: (_ for _ in ()).throw(RuntimeError("stopped in a hook")))
    loss = T.nn.functional.cross_entropy(head(T.tanh(fc(h))), T.tensor(TARGET))
    loss.register_hook(hold(T))
    try:
        loss.backward()
    except RuntimeError as e:
        message = str(e)
    for p in (emb.weight, fc.weight, fc.bias, head.weight):
        p.grad = None
    loss_of(T, emb, fc, head).backward()
    return now(message, emb.weight.grad, fc.weight.grad, head.weight.grad)


@scenario
def a_transposed_weight_keeps_its_layout(T):
    emb, fc, head = net(T, tied=False)
    fc.weight = T.nn.Parameter(T.tensor(np.ascontiguousarray(W_FC.T)).t())
    loss_of(T, emb, fc, head).backward()
    return now(fc.weight.grad, fc.weight.grad.stride(), head.weight.grad)


@scenario.parametrize()
def test_weight_gradients_made_later_match_torch(scenario, two_threads):
    same_outcome(scenario)
    assert any(two_threads), "no weight gradient was handed to a worker"


def test_a_product_for_later_queues_behind_a_busy_worker_and_shares_wait_for_it(two_threads):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(384, 768)).astype(np.float32), rng.normal(size=(768, 128)).astype(np.float32)
    assert _later(BIG, BIG) is not None  # the worker is busy with this one for a while
    out = threads.later(a, b)
    assert out is not None and threads.pending(out) and not threads.pending(a)
    pool = threads._take_workers(1)  # a share for the worker waits till it has run the products for later
    assert isinstance(pool, threads._Workers) and not threads.pending(out)
    pool.busy.release()
    np.testing.assert_allclose(out, a @ b, rtol=1e-4, atol=1e-3)
    out = threads.later(a, b)
    np.testing.assert_allclose(threads.matmul(b.T, a.T), b.T @ a.T, rtol=1e-4, atol=1e-3)
    assert not threads.pending(out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-4, atol=1e-3)
    threads.settle()
