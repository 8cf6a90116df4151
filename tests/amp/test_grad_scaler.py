"""torch.amp.GradScaler against torch 2.13: the scale's trajectory over clean and overflowing steps, the
unscaled gradients, skipped steps, state_dict, the misuse errors, and the CUDA scalers disabling themselves."""
import warnings

import numpy as np
import pytest
import torch

import ember


class SGD:
    """Plain SGD with the two things a GradScaler uses (param_groups, step): torch.optim's first step
    imports torch._dynamo, seconds of CPU this test does not need."""

    def __init__(self, m, params, lr):
        self.m, self.param_groups = m, [{"params": list(params), "lr": lr}]

    def step(self):
        with self.m.no_grad():
            for p in self.param_groups[0]["params"]:
                p -= self.param_groups[0]["lr"] * p.grad

    def zero_grad(self):
        for p in self.param_groups[0]["params"]:
            p.grad = None


def train(m, overflow_at=(1,), steps=5, **kw):
    torch.manual_seed(0)
    ref = torch.nn.Linear(3, 1)
    lin = m.nn.Linear(3, 1)
    lin.weight.data = m.from_numpy(ref.weight.detach().numpy().copy())
    lin.bias.data = m.from_numpy(ref.bias.detach().numpy().copy())
    opt = SGD(m, lin.parameters(), lr=0.1)
    scaler = m.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2, **kw)
    log = []
    for i in range(steps):
        loss = lin(m.ones(2, 3)).sum()
        if i in overflow_at:
            loss = loss * float("inf")
        scaled = scaler.scale(loss)
        scaled.backward()
        scaler.unscale_(opt)
        grad = lin.weight.grad.numpy().copy()
        ret = scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        log.append((float(scaled.item()), grad, ret, scaler.get_scale(), scaler.state_dict(),
                    lin.weight.detach().numpy().copy()))
    return log


@pytest.mark.parametrize("overflow_at", [(), (1,), (0, 1, 3)])
def test_scale_step_update_trajectory(overflow_at):
    for t, e in zip(train(torch, overflow_at), train(ember, overflow_at)):
        np.testing.assert_allclose(e[0], t[0], rtol=1e-6)
        np.testing.assert_allclose(e[1], t[1], rtol=1e-6)
        assert e[2] == t[2] and e[3] == t[3] and e[4] == t[4]
        np.testing.assert_allclose(e[5], t[5], rtol=1e-6)


def test_scale_nested_outputs_and_getters():
    for m in (torch, ember):
        s = m.amp.GradScaler("cpu", init_scale=4.0)
        out = s.scale([m.tensor(2.0), (m.tensor(3.0),)])
        assert float(out[0]) == 8.0 and float(out[1][0]) == 12.0 and isinstance(out[1], tuple)
        assert (s.get_growth_factor(), s.get_backoff_factor(), s.get_growth_interval()) == (2.0, 0.5, 2000)
        s.update(16.0)
        assert s.get_scale() == 16.0
        s2 = m.amp.GradScaler("cpu")
        s2.load_state_dict(s.state_dict())
        assert s2.state_dict() == s.state_dict()


def test_misuse_errors():
    msgs = []
    for m in (torch, ember):
        lin = m.nn.Linear(2, 1)
        opt = SGD(m, lin.parameters(), lr=0.1)
        s = m.amp.GradScaler("cpu")
        s.scale(lin(m.ones(1, 2)).sum()).backward()
        s.unscale_(opt)
        with pytest.raises(RuntimeError) as e1:
            s.unscale_(opt)
        msgs.append(str(e1.value))
    assert msgs[1] == msgs[0]


@pytest.mark.parametrize("make", [lambda m: m.cuda.amp.GradScaler(), lambda m: m.cuda.amp.GradScaler(enabled=False),
                                  lambda m: m.amp.GradScaler(), lambda m: m.amp.GradScaler("cuda"),
                                  lambda m: m.amp.GradScaler("cpu")])
def test_construction_warnings_and_disabled_behaviour(make):
    seen = []
    for m in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s = make(m)
        lin = m.nn.Linear(2, 1)
        opt = SGD(m, lin.parameters(), lr=0.1)
        loss = lin(m.ones(1, 2)).sum()
        scaled = s.scale(loss)
        scaled.backward()
        s.step(opt)
        s.update()
        seen.append(([(x.category, str(x.message)) for x in w], s.is_enabled(), float(scaled / loss), s.get_scale(),
                     s.state_dict()))
    assert seen[1] == seen[0]
