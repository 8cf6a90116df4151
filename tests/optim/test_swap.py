"""optim.swap_in_optimizer_params_and_state against torch: a step inside the context moves the swap-in
tensors and state as torch's does and leaves the live optimizer as it was; bad state_dicts raise torch's errors."""
import copy

import numpy as np
import pytest
import torch

import ember

W = np.random.default_rng(0).standard_normal((3, 4))
B = np.random.default_rng(1).standard_normal(3)
X = np.random.default_rng(2).standard_normal((5, 4))


def trained(lib):
    """A Linear and its Adam after two steps, in library `lib`."""
    model = lib.nn.Linear(4, 3).double()
    with lib.no_grad():
        model.weight.copy_(lib.tensor(W))
        model.bias.copy_(lib.tensor(B))
    opt = lib.optim.Adam([{"params": [model.weight], "lr": 0.1}, {"params": [model.bias], "lr": 0.01}])
    for _ in range(2):
        opt.zero_grad()
        model(lib.tensor(X)).square().sum().backward()
        opt.step()
    return model, opt


def swapped_step(lib):
    model, opt = trained(lib)
    live = [p.detach().clone() for p in model.parameters()]
    params = {n: p.detach().clone() for n, p in model.named_parameters()}
    osd = copy.deepcopy(opt.state_dict())
    osd["param_groups"][1]["lr"] = 0.5
    for p, g in zip(params.values(), (lib.ones(3, 4).double(), lib.ones(3).double())):
        p.grad = g
    with lib.optim.swap_in_optimizer_params_and_state(opt, params, osd):
        assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[0]["params"][0] is params["weight"]
        opt.step()
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[0]["params"][0] is model.weight
    assert all(bool((p == q).all()) for p, q in zip(model.parameters(), live))  # the live model is untouched
    return ([p.numpy() for p in params.values()], [osd["state"][i]["exp_avg"].numpy() for i in (0, 1)],
            [float(osd["state"][i]["step"]) for i in (0, 1)], float(opt.state[model.weight]["step"]))


def test_step_inside_the_context_matches_torch():
    e, t = swapped_step(ember), swapped_step(torch)
    for a, b in zip(e[0] + e[1], t[0] + t[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert e[2:] == t[2:]


@pytest.mark.parametrize("edit", [
    lambda osd: osd["param_groups"].pop(),
    lambda osd: osd["param_groups"][0].pop("lr"),
    lambda osd: osd["param_groups"][0].update(params=[0, 1]),
    lambda osd: osd["state"].update({7: {}}),
    lambda osd: osd.update(state=[]),
], ids=["groups", "keys", "params", "extra-state", "state-type"])
def test_bad_state_dicts_raise_as_torch(edit):
    messages = []
    for lib in (torch, ember):
        model, opt = trained(lib)
        osd = copy.deepcopy(opt.state_dict())
        edit(osd)
        with pytest.raises(RuntimeError) as info:
            with lib.optim.swap_in_optimizer_params_and_state(opt, dict(model.named_parameters()), osd):
                pass
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_needs_initialised_state():
    for lib in (torch, ember):
        model = lib.nn.Linear(2, 2)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        with pytest.raises(RuntimeError, match="requires initialized optimizer state"):
            with lib.optim.swap_in_optimizer_params_and_state(opt, dict(model.named_parameters()), opt.state_dict()):
                pass
