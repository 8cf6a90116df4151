"""Every optimizer under every option runs 100 steps on the same problem in Ember and in PyTorch, from the
same parameters: the parameters, losses and optimizer state must agree (1e-6 relative in float64, float32
round-off in float32), and the state dicts must have torch's layout, keys, dtypes and shapes."""
import copy

import numpy as np
import pytest
import torch

import ember
from tests.optim.conftest import assert_close, assert_raises_as_torch, convert, numpy_of, run, shape_for, state_summary

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.02, momentum=0.9)),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("SGD", dict(lr=0.02, momentum=0.8, weight_decay=0.05, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.02)),
    ("Adam", dict(lr=0.02, amsgrad=True)),
    ("Adam", dict(lr=0.02, weight_decay=0.1)),
    ("Adam", dict(lr=0.02, maximize=True)),
    ("Adam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.005, betas=(0.3, 0.9), eps=1e-3)),
    ("Adam", dict(lr=0.02, amsgrad=True, weight_decay=0.05, maximize=True)),
    ("AdamW", dict(lr=0.02)),
    ("AdamW", dict(lr=0.02, weight_decay=0.5, amsgrad=True)),
    ("AdamW", dict(lr=0.02, betas=(0.8, 0.95), maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-3)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.002, alpha=0.9, eps=1e-4)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.005, centered=True, momentum=0.5, maximize=True)),
    ("Adamax", dict(lr=0.02)),
    ("Adamax", dict(lr=0.02, weight_decay=0.1)),
    ("Adamax", dict(lr=0.02, betas=(0.5, 0.99), eps=1e-4)),
    ("Adamax", dict(lr=0.02, maximize=True)),
    ("NAdam", dict(lr=0.02)),
    ("NAdam", dict(lr=0.02, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), maximize=True)),
    ("RAdam", dict(lr=0.02)),
    ("RAdam", dict(lr=0.02, betas=(0.9, 0.99))),
    ("RAdam", dict(lr=0.02, weight_decay=0.1)),
    ("RAdam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.02, maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=10, lambd=0.01, alpha=0.5)),
    ("ASGD", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.02, maximize=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, d=2.0, eps=(1e-5, 1e-2))),
    ("Adafactor", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("Muon", dict(lr=0.02)),
    ("Muon", dict(lr=0.02, nesterov=False, momentum=0.8, weight_decay=0.0)),
    ("Muon", dict(lr=0.01, adjust_lr_fn="match_rms_adamw", ns_steps=3, ns_coefficients=(3.0, -3.2, 1.2))),
    ("LBFGS", dict(lr=0.02, max_iter=3)),
    ("LBFGS", dict(lr=0.05, max_iter=3, history_size=3, tolerance_change=1e-3)),
    ("LBFGS", dict(lr=0.02, max_iter=5, max_eval=3, history_size=2)),
    ("LBFGS", dict(max_iter=3, history_size=2, line_search_fn="strong_wolfe")),
    ("LBFGS", dict(lr=0.1, max_iter=2, history_size=3, line_search_fn="strong_wolfe")),
]
IDS = [f"{name}-" + ("-".join(f"{k}={v}" for k, v in kw.items()) or "default") for name, kw in CASES]
DTYPES = ["float64", "float32"]
# L-BFGS with a line search reaches the minimum in a few steps; past that, float32 gradients are round-off noise
# that steers the curvature pairs (torch's own float32 and float64 runs part there), so float32 compares earlier
FLOAT32_STEPS = {"LBFGS-max_iter=3-history_size=2-line_search_fn=strong_wolfe": 5,
                 "LBFGS-lr=0.1-max_iter=2-history_size=3-line_search_fn=strong_wolfe": 10}
# Adafactor's and Muon's normalised steps keep circling the minimum: there torch's own float32 run leaves its
# float64 run by 1e-2 within 100 steps, so float32 compares while both are still on the way
FLOAT32_STEPS.update({i: 20 for i in IDS if i.startswith(("Adafactor-", "Muon-"))})
# torch's bfloat16 products (Muon's iteration) take ~0.2 s a step on a CPU: Muon runs fewer steps in float64 too
STEPS = {i: 20 for i in IDS if i.startswith("Muon-")}
HALF_STEPS = {"Muon": 10}  # of the state-dict round trips
# state entries are running sums of gradients whose terms are O(1): in float32 their round-off is absolute
STATE_SCALE = {"float64": 1e-12, "float32": 1.0}


def _sign(kwargs):
    return -1.0 if kwargs.get("maximize") else 1.0


# L-BFGS's history: differences of consecutive iterates and gradients, and products of them, which lose most
# digits to cancellation near the minimum; their layout is compared, their values show in the trajectory
CURVATURE_PAIRS = {"old_dirs", "old_stps", "ro", "al", "H_diag"}


def assert_same_state(e_state, t_state, dtype):
    """Ember's state dict equals torch's: layout, hyper-parameters, state keys/dtypes/shapes and values."""
    assert state_summary(e_state) == state_summary(t_state)
    for i, t_entry in t_state["state"].items():
        for key, t_value in t_entry.items():
            if key in CURVATURE_PAIRS:
                continue
            e_value = e_state["state"][i][key]
            for t_v, e_v in zip(*((v if isinstance(v, list) else [v]) for v in (t_value, e_value))):
                if isinstance(t_v, torch.Tensor):
                    assert_close(numpy_of(e_v), numpy_of(t_v), dtype, f"state[{i}][{key!r}]", STATE_SCALE[dtype])
                elif isinstance(t_v, float):
                    assert_close(e_v, t_v, dtype, f"state[{i}][{key!r}]", STATE_SCALE[dtype])
                else:
                    assert e_v == t_v, key


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_trajectory_matches_torch(name, kwargs, dtype, request):
    case_id = request.node.callspec.id.rpartition("-")[0]
    steps = FLOAT32_STEPS.get(case_id, 100) if dtype == "float32" else STEPS.get(case_id, 100)
    t_prob, t_opt, t_losses = run(torch, name, kwargs, dtype, steps, _sign(kwargs))
    e_prob, e_opt, e_losses = run(ember, name, kwargs, dtype, steps, _sign(kwargs))
    for e, t in zip(e_prob.params, t_prob.params):
        assert str(e.dtype) == str(t.dtype) and e.requires_grad and e.is_leaf
        assert_close(numpy_of(e), numpy_of(t), dtype)
    assert_close(e_losses, t_losses, dtype, "losses")
    assert_same_state(e_opt.state_dict(), t_opt.state_dict(), dtype)


# one representative per optimizer for the state-dict round trips
FAMILY = {name: kwargs for name, kwargs in reversed(CASES)}
FAMILY["SGD"] = dict(lr=0.02, momentum=0.9, dampening=0.1)
FAMILY["Adam"] = dict(lr=0.02, amsgrad=True)
FAMILY["RMSprop"] = dict(lr=0.01, centered=True, momentum=0.5)


@pytest.mark.parametrize("direction", ["torch->ember", "ember->torch"])
@pytest.mark.parametrize("name", sorted(FAMILY))
def test_state_dict_moves_between_torch_and_ember(name, direction):
    """Train 50 steps in one library, carry parameters and optimizer state to the other, train 50 more:
    the result equals torch's 50 + 50 steps with a state_dict round trip in between."""
    kwargs, dtype, n = FAMILY[name], "float64", HALF_STEPS.get(name, 50)
    src, dst = (torch, ember) if direction == "torch->ember" else (ember, torch)
    prob, opt, _ = run(src, name, kwargs, dtype, n)
    prob2, opt2, _ = run(dst, name, kwargs, dtype, n, state_dict=convert(opt.state_dict(), dst),
                         start=[numpy_of(p) for p in prob.params])
    # the reference makes the same trip within torch (loading casts state such as NAdam's mu_product)
    half, half_opt, _ = run(torch, name, kwargs, dtype, n)
    ref, ref_opt, _ = run(torch, name, kwargs, dtype, n, state_dict=convert(half_opt.state_dict(), torch),
                          start=[numpy_of(p) for p in half.params])
    for a, b in zip(prob2.params, ref.params):
        assert_close(numpy_of(a), numpy_of(b), dtype)
    assert_same_state(convert(opt2.state_dict(), ember), convert(ref_opt.state_dict(), torch), dtype)


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_resume_from_saved_state_continues_trajectory(name):
    """50 steps, state_dict, a new optimizer that loads it, 50 more: bit-identical to 100 steps in one go."""
    kwargs = FAMILY[name]
    prob, opt, _ = run(ember, name, kwargs, "float32", 50)
    saved = copy.deepcopy(opt.state_dict())
    prob2, _, losses2 = run(ember, name, kwargs, "float32", 50, state_dict=saved,
                            start=[numpy_of(p) for p in prob.params])
    ref, _, ref_losses = run(ember, name, kwargs, "float32", 100)
    for a, b in zip(prob2.params, ref.params):
        np.testing.assert_array_equal(numpy_of(a), numpy_of(b))
    assert losses2 == ref_losses[50:]


def test_state_dict_dtype_cast_on_load():
    """Loaded state tensors take the parameter's dtype, except 'step', as torch's load_state_dict does."""
    for lib in (torch, ember):
        p = lib.zeros(3, dtype=lib.float32, requires_grad=True)
        opt = lib.optim.Adam([p])
        state = {"state": {0: {"step": lib.tensor(3.0, dtype=lib.float64),
                               "exp_avg": lib.ones(3, dtype=lib.float64),
                               "exp_avg_sq": lib.ones(3, dtype=lib.float64)}},
                 "param_groups": opt.state_dict()["param_groups"]}
        opt.load_state_dict(state)
        st = opt.state[p]
        assert (str(st["step"].dtype), str(st["exp_avg"].dtype)) == ("torch.float64", "torch.float32")


def test_step_as_number_in_old_checkpoint_becomes_tensor():
    for lib in (torch, ember):
        p = lib.zeros(3, requires_grad=True)
        opt = lib.optim.NAdam([p])
        sd = {"state": {0: {"step": 4, "mu_product": 0.5, "exp_avg": lib.zeros(3), "exp_avg_sq": lib.zeros(3)}},
              "param_groups": opt.state_dict()["param_groups"]}
        opt.load_state_dict(sd)
        assert isinstance(opt.state[p]["step"], lib.Tensor) and float(opt.state[p]["step"]) == 4.0
        assert isinstance(opt.state[p]["mu_product"], lib.Tensor)


class Float32Only(np.ndarray):
    """An array whose every ufunc (so every temporary it makes) must take and give float32 only."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        arrays = [a for a in inputs + kwargs.get("out", ()) if isinstance(a, np.ndarray)]
        assert all(a.dtype == np.float32 for a in arrays), (ufunc.__name__, [a.dtype for a in arrays])
        plain = [a.view(np.ndarray) if isinstance(a, Float32Only) else a for a in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(a.view(np.ndarray) for a in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        assert getattr(result, "dtype", np.float32) in (np.float32, np.bool_), ufunc.__name__  # bool: comparisons
        return result.view(Float32Only) if isinstance(result, np.ndarray) else result


# all but L-BFGS (last) and Muon, whose Newton-Schulz iteration runs in bfloat16 as torch's
@pytest.mark.parametrize("name,kwargs", [c for c in CASES[:-5] if c[0] != "Muon"],
                         ids=[i for i in IDS[:-5] if not i.startswith("Muon")])
def test_float32_updates_make_no_float64_temporaries(name, kwargs, monkeypatch):
    """Every NumPy operation of a float32 update runs in float32 (hyper-parameters enter as weak scalars)."""
    import ember.optim.optimizer as base

    def checked(rule):
        def run_rule(*arrays, **scalars):
            arrays = [a.view(Float32Only) if a is not None and a.ndim else a for a in arrays]
            return rule(*arrays, **scalars)
        return run_rule
    monkeypatch.setattr(base, "_foreach", lambda rule, arrays, **kw: checked(rule)(*arrays, **kw))
    prob, opt, _ = run(ember, name, kwargs, "float32", 3, _sign(kwargs))
    assert all(p.dtype == ember.float32 for p in prob.params)


# ---------------------------------------------------------------------- param groups and attributes
GROUP_CASES = [
    ("SGD", dict(lr=0.01), [dict(lr=0.05, momentum=0.9), dict(momentum=0.5, nesterov=True), dict(weight_decay=0.1)]),
    ("Adam", dict(lr=0.01), [dict(amsgrad=True), dict(lr=0.03, betas=(0.8, 0.99)), dict(weight_decay=0.2)]),
    ("RMSprop", dict(lr=0.01), [dict(centered=True), dict(momentum=0.9), dict(alpha=0.9, lr=0.02)]),
    ("Adagrad", dict(lr=0.1), [dict(lr_decay=0.1), dict(initial_accumulator_value=0.7), dict(lr=0.05)]),
]


@pytest.mark.parametrize("name,kwargs,groups", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_param_groups_with_different_options(name, kwargs, groups):
    t_prob, t_opt, _ = run(torch, name, kwargs, "float64", 60, groups=groups)
    e_prob, e_opt, _ = run(ember, name, kwargs, "float64", 60, groups=groups)
    for e, t in zip(e_prob.params, t_prob.params):
        assert_close(numpy_of(e), numpy_of(t), "float64")
    assert_same_state(e_opt.state_dict(), t_opt.state_dict(), "float64")
    assert e_opt.defaults == t_opt.defaults


def _add_group_run(lib):
    rng = np.random.default_rng(3)
    a = lib.tensor(rng.standard_normal(4), requires_grad=True)
    b = lib.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    opt = lib.optim.Adam([a], lr=0.05)
    for i in range(40):
        if i == 15:
            opt.add_param_group({"params": b, "lr": 0.1, "amsgrad": True})
        opt.zero_grad()
        ((a - 1) ** 2).sum().add((b ** 2).sum() * 3).backward()
        opt.step()
    return opt, [numpy_of(a), numpy_of(b)]


def test_add_param_group():
    t_opt, t_vals = _add_group_run(torch)
    e_opt, e_vals = _add_group_run(ember)
    for e, t in zip(e_vals, t_vals):
        assert_close(e, t, "float32")
    assert e_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]
    assert [len(g["params"]) for g in e_opt.param_groups] == [1, 1]


def test_attributes_as_torch():
    for name, kwargs in FAMILY.items():
        t = getattr(torch.optim, name)([torch.zeros(shape_for(name, 2), requires_grad=True)], **kwargs)
        e = getattr(ember.optim, name)([ember.zeros(shape_for(name, 2), requires_grad=True)], **kwargs)
        assert e.defaults == t.defaults, name
        assert [{k: v for k, v in g.items() if k != "params"} for g in e.param_groups] == \
            [{k: v for k, v in g.items() if k != "params"} for g in t.param_groups]
        assert repr(e) == repr(t)
        assert isinstance(e, ember.optim.Optimizer)
        assert type(e.state) is type(t.state) and len(e.state) == len(t.state)


def test_zero_grad_sets_to_none_by_default():
    p = ember.ones(3, requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    opt.zero_grad()
    assert p.grad is None
    (p * 2).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and numpy_of(g).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("name", sorted(set(FAMILY) - {"LBFGS"}))
def test_params_without_grad_are_skipped(name):
    """A parameter whose .grad is None is neither moved nor given state (Adagrad's state exists from the start)."""
    results = {}
    for lib in (torch, ember):
        a = lib.tensor([1.0, -2.0]).reshape(shape_for(name, 2)).requires_grad_()
        frozen = lib.tensor([3.0, 4.0]).reshape(shape_for(name, 2)).requires_grad_()
        opt = getattr(lib.optim, name)([a, frozen], **FAMILY[name])
        for _ in range(5):
            opt.zero_grad()
            (a ** 2).sum().backward()
            opt.step()
        results[lib.__name__] = (numpy_of(frozen).tolist(), sorted(opt.state_dict()["state"]), numpy_of(a))
    assert results["ember"][:2] == results["torch"][:2]
    assert np.ravel(results["ember"][0]).tolist() == [3.0, 4.0]
    assert_close(results["ember"][2], results["torch"][2], "float32")


def test_named_parameters():
    for lib in (torch, ember):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        opt = lib.optim.SGD([("a", a), ("b", b)], lr=0.1)
        assert opt.param_groups[0]["param_names"] == ["a", "b"]
        assert opt.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]


def test_step_runs_without_recording_and_bumps_version():
    p = ember.ones(3, requires_grad=True)
    opt = ember.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    v = p._version
    assert ember.is_grad_enabled()
    opt.step()
    assert p.grad_fn is None and p.is_leaf and ember.is_grad_enabled() and p._version > v


def test_step_hooks():
    calls = []
    p = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([p], lr=0.1)
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    p.grad = ember.ones(2)
    opt.step()
    h1.remove()
    opt.step()
    assert calls == ["pre", "post", "post"]


# ---------------------------------------------------------------------- errors
def _params(lib):
    return [lib.zeros(3, requires_grad=True)]


def _step_once(make, p):
    """One step of make([p]) with a gradient of ones in p."""
    p.requires_grad_()
    opt = make([p])
    p.grad = p.detach() * 0 + 1
    opt.step()


def _lbfgs_step(lib, **kwargs):
    p = lib.ones(2, requires_grad=True)
    opt = lib.optim.LBFGS([p], **kwargs)

    def closure():
        opt.zero_grad()
        loss = (p ** 2).sum()
        loss.backward()
        return loss
    opt.step(closure)


ERRORS = [
    ("negative lr", lambda lib: lib.optim.SGD(_params(lib), lr=-0.1)),
    ("negative momentum", lambda lib: lib.optim.SGD(_params(lib), momentum=-0.5)),
    ("nesterov without momentum", lambda lib: lib.optim.SGD(_params(lib), lr=0.1, nesterov=True)),
    ("beta0 = 1", lambda lib: lib.optim.Adam(_params(lib), betas=(1.0, 0.999))),
    ("beta1 < 0", lambda lib: lib.optim.AdamW(_params(lib), betas=(0.9, -0.1))),
    ("betas of mixed types", lambda lib: lib.optim.Adam(_params(lib), betas=(0, 0.999))),
    ("negative eps", lambda lib: lib.optim.Adam(_params(lib), eps=-1.0)),
    ("negative weight decay", lambda lib: lib.optim.Adamax(_params(lib), weight_decay=-1.0)),
    ("rho > 1", lambda lib: lib.optim.Adadelta(_params(lib), rho=1.5)),
    ("negative alpha", lambda lib: lib.optim.RMSprop(_params(lib), alpha=-1.0)),
    ("negative lr_decay", lambda lib: lib.optim.Adagrad(_params(lib), lr_decay=-1.0)),
    ("negative initial accumulator", lambda lib: lib.optim.Adagrad(_params(lib), initial_accumulator_value=-1.0)),
    ("negative momentum_decay", lambda lib: lib.optim.NAdam(_params(lib), momentum_decay=-1.0)),
    ("RAdam beta", lambda lib: lib.optim.RAdam(_params(lib), betas=(0.9, 1.0))),
    ("2-element tensor lr", lambda lib: lib.optim.SGD(_params(lib), lr=lib.tensor([0.1, 0.2]))),
    ("param in two groups", lambda lib: (lambda p: lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(
        lib.zeros(2, requires_grad=True))),
    ("non-leaf", lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True) * 2], lr=0.1)),
    ("empty list", lambda lib: lib.optim.Adam([])),
    ("a tensor, not an iterable", lambda lib: lib.optim.SGD(lib.zeros(2, requires_grad=True), lr=0.1)),
    ("a float double tensor", lambda lib: lib.optim.SGD(lib.zeros(2, dtype=lib.float64), lr=0.1)),
    ("not a tensor", lambda lib: lib.optim.SGD([1.0], lr=0.1)),
    ("a set in a group", lambda lib: lib.optim.SGD([{"params": {lib.zeros(2, requires_grad=True)}}], lr=0.1)),
    ("group not a dict", lambda lib: lib.optim.SGD(_params(lib), lr=0.1).add_param_group(_params(lib))),
    ("LBFGS groups", lambda lib: lib.optim.LBFGS([{"params": _params(lib)}, {"params": _params(lib)}])),
    ("LBFGS line search", lambda lib: _lbfgs_step(lib, line_search_fn="wolfe")),
    ("ASGD negative weight decay", lambda lib: lib.optim.ASGD(_params(lib), weight_decay=-0.1)),
    ("ASGD negative lr", lambda lib: lib.optim.ASGD(_params(lib), lr=-0.1)),
    ("Rprop etas", lambda lib: lib.optim.Rprop(_params(lib), etas=(1.1, 1.2))),
    ("Adafactor lr", lambda lib: lib.optim.Adafactor(_params(lib), lr=-1.0)),
    ("Adafactor beta2_decay", lambda lib: lib.optim.Adafactor(_params(lib), beta2_decay=0.5)),
    ("Adafactor eps1", lambda lib: lib.optim.Adafactor(_params(lib), eps=(-1.0, 1e-3))),
    ("Adafactor eps2", lambda lib: lib.optim.Adafactor(_params(lib), eps=(None, -1e-3))),
    ("Adafactor d", lambda lib: lib.optim.Adafactor(_params(lib), d=0.5)),
    ("Adafactor weight decay", lambda lib: lib.optim.Adafactor(_params(lib), weight_decay=-0.5)),
    ("Adafactor complex", lambda lib: _step_once(lib.optim.Adafactor, lib.zeros(2, dtype=lib.complex64))),
    ("Muon 1-D parameter", lambda lib: lib.optim.Muon(_params(lib))),
    ("Muon lr", lambda lib: lib.optim.Muon([lib.zeros(2, 2, requires_grad=True)], lr=-1.0)),
    ("Muon momentum", lambda lib: lib.optim.Muon([lib.zeros(2, 2, requires_grad=True)], momentum=-1.0)),
    ("Muon weight decay", lambda lib: lib.optim.Muon([lib.zeros(2, 2, requires_grad=True)], weight_decay=-1.0)),
    ("Muon adjust_lr_fn", lambda lib: lib.optim.Muon([lib.zeros(2, 2, requires_grad=True)], adjust_lr_fn="x")),
    ("Muon ns_steps", lambda lib: _step_once(lambda p: lib.optim.Muon(p, ns_steps=100), lib.zeros(2, 2))),
    ("Muon coefficients", lambda lib: _step_once(lambda p: lib.optim.Muon(p, ns_coefficients=(1.0, 2.0)),
                                                 lib.zeros(2, 2))),
    ("SparseAdam dense gradient", lambda lib: _step_once(lib.optim.SparseAdam, lib.zeros(3))),
    ("SparseAdam complex", lambda lib: lib.optim.SparseAdam([lib.zeros(2, dtype=lib.complex64, requires_grad=True)])),
    ("SparseAdam beta", lambda lib: lib.optim.SparseAdam(_params(lib), betas=(0.9, 1.0))),
    ("SparseAdam eps", lambda lib: lib.optim.SparseAdam(_params(lib), eps=-1.0)),
    ("mixed names", lambda lib: lib.optim.SGD([("a", lib.zeros(2, requires_grad=True)),
                                              lib.zeros(2, requires_grad=True)], lr=0.1)),
    ("load: group count", lambda lib: lib.optim.SGD(_params(lib)).load_state_dict(
        {"state": {}, "param_groups": []})),
    ("load: group size", lambda lib: lib.optim.SGD(_params(lib)).load_state_dict(
        {"state": {}, "param_groups": [dict(lib.optim.SGD(_params(lib)).state_dict()["param_groups"][0],
                                            params=[0, 1])]})),
]


@pytest.mark.parametrize("build", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_bad_input_raises_as_torch(build):
    assert_raises_as_torch(build)


def test_duplicate_parameter_warns_as_torch():
    messages = {}
    for lib in (torch, ember):
        p = lib.zeros(2, requires_grad=True)
        with pytest.warns(UserWarning) as record:
            lib.optim.SGD([p, p], lr=0.1)
        messages[lib.__name__] = [str(w.message) for w in record]
    assert messages["ember"] == messages["torch"]
    assert "duplicate parameters" in messages["ember"][0]


def test_differentiable_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        ember.optim.Adam([ember.zeros(2, requires_grad=True)], differentiable=True)


def test_user_defined_optimizer():
    """A subclass written as for torch (defaults, param_groups, state, step) runs under no_grad with hooks."""
    class SignSGD(ember.optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self.state[p]["n"] = self.state[p].get("n", 0) + 1
                        p.sub_(p.grad.sign() * group["lr"])  # an in-place op on a leaf: allowed only under no_grad
    p = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = SignSGD([p])
    (p * p).sum().backward()
    opt.step()
    np.testing.assert_allclose(numpy_of(p), [0.9, -1.9], rtol=1e-6)
    assert opt.state_dict()["state"] == {0: {"n": 1}}
    assert repr(opt) == "SignSGD (\nParameter Group 0\n    lr: 0.1\n)"


@pytest.mark.parametrize("layout", ["large", "transposed"])
# Muon's rule is a whole-matrix bfloat16 iteration, never cut into chunks, and its products round by layout
@pytest.mark.parametrize("name", sorted(set(FAMILY) - {"LBFGS", "Muon"}))
def test_large_and_strided_parameters(name, layout):
    """A parameter big enough to be updated in chunks on several threads (not a whole number of chunks), and a
    non-contiguous one, fed the same gradients in both libraries, end where torch's end."""
    rng = np.random.default_rng(7)
    shape = (1100, 1001) if layout == "large" else (300, 200)
    start = rng.standard_normal(shape).astype(np.float32)
    grads = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
    results = []
    for lib in (torch, ember):
        p = lib.from_numpy(start.copy())
        if layout == "transposed":
            p = lib.from_numpy(np.ascontiguousarray(start.T)).t()
        p.requires_grad_()
        opt = getattr(lib.optim, name)([p], **FAMILY[name])
        for g in grads:
            p.grad = lib.from_numpy(g.copy())
            opt.step()
        results.append((numpy_of(p), {k: numpy_of(v) for k, v in opt.state[p].items() if v.dim()}))
    (t_p, t_state), (e_p, e_state) = results
    assert_close(e_p, t_p, "float32")
    for key in t_state:
        assert_close(e_state[key], t_state[key], "float32", key)


def test_sparse_adam_takes_torch_options_and_refuses_dense_gradients_after_the_closure():
    """SparseAdam's defaults and repr are torch's; a step runs the closure, then refuses the dense gradient."""
    seen = {}
    for lib in (torch, ember):
        p = lib.zeros(3, requires_grad=True)
        opt = lib.optim.SparseAdam([p], lr=0.01, betas=(0.8, 0.9), maximize=True)
        calls = []

        def closure():
            calls.append(1)
            (p * 2).sum().backward()
            return 0.0
        with pytest.raises(RuntimeError, match="does not support dense gradients") as err:
            opt.step(closure)
        seen[lib.__name__] = (opt.defaults, repr(opt), calls, str(err.value), opt.state_dict()["state"])
    assert seen["ember"] == seen["torch"]
