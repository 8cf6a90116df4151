"""Every scheduler yields torch's learning-rate (and momentum/beta1) sequence over 100 epochs, has torch's
state_dict, and resumes from a saved state on the same sequence; bad arguments raise as torch."""
import copy
import math
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.optim.conftest import assert_raises_as_torch


def _lambda(e):
    return 0.97 ** e


def _factor(e):
    return 0.98 if e % 3 else 1.01


class Scale:
    """A callable object with state: LambdaLR saves its __dict__ in the state dict."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, e):
        return self.rate ** e


# name -> (optimizer, build(L, optimizer)); one SGD with momentum and one Adam (for beta1 cycling)
SCHEDULERS = {
    "StepLR": ("sgd", lambda L, o: L.StepLR(o, 7, gamma=0.5)),
    "MultiStepLR": ("sgd", lambda L, o: L.MultiStepLR(o, [10, 30, 30, 60], gamma=0.3)),
    "ExponentialLR": ("sgd", lambda L, o: L.ExponentialLR(o, 0.95)),
    "CosineAnnealingLR": ("sgd", lambda L, o: L.CosineAnnealingLR(o, 20, eta_min=0.001)),
    "CosineAnnealingWarmRestarts": ("sgd", lambda L, o: L.CosineAnnealingWarmRestarts(o, 5, T_mult=2, eta_min=0.01)),
    "CosineAnnealingWarmRestarts-T_mult1": ("sgd", lambda L, o: L.CosineAnnealingWarmRestarts(o, 12)),
    "LinearLR": ("sgd", lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=30)),
    "LinearLR-decay": ("sgd", lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=50)),
    "LambdaLR": ("sgd", lambda L, o: L.LambdaLR(o, [_lambda, Scale(0.99)])),
    "MultiplicativeLR": ("sgd", lambda L, o: L.MultiplicativeLR(o, _factor)),
    "ConstantLR": ("sgd", lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=10)),
    "PolynomialLR": ("sgd", lambda L, o: L.PolynomialLR(o, total_iters=40, power=2.0)),
    "OneCycleLR": ("sgd", lambda L, o: L.OneCycleLR(o, 1.0, total_steps=101)),
    "OneCycleLR-linear-three_phase": ("sgd", lambda L, o: L.OneCycleLR(
        o, [1.0, 0.5], total_steps=101, anneal_strategy="linear", three_phase=True, pct_start=0.25)),
    "OneCycleLR-adam-beta1": ("adam", lambda L, o: L.OneCycleLR(
        o, 0.01, epochs=10, steps_per_epoch=11, base_momentum=0.8, max_momentum=0.9, div_factor=10.0)),
    "OneCycleLR-no-momentum": ("sgd", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=120, cycle_momentum=False)),
    "CyclicLR": ("sgd", lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=7)),
    "CyclicLR-triangular2": ("sgd", lambda L, o: L.CyclicLR(o, [0.01, 0.02], 0.1, step_size_up=7, step_size_down=3,
                                                            mode="triangular2")),
    "CyclicLR-exp_range-adam": ("adam", lambda L, o: L.CyclicLR(o, 0.001, 0.01, step_size_up=9, mode="exp_range",
                                                                gamma=0.99)),
    "CyclicLR-scale_fn": ("sgd", lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=5, scale_fn=_lambda,
                                                         scale_mode="iterations", cycle_momentum=False)),
    "SequentialLR": ("sgd", lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, 0.1, 5), L.ExponentialLR(o, 0.9), L.CosineAnnealingLR(o, 10)], milestones=[3, 40])),
    "SequentialLR-warmup": ("sgd", lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.01, 1.0, 10), L.StepLR(o, 15, 0.5)], milestones=[10])),
    "ChainedScheduler": ("sgd", lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.1, 5), L.ExponentialLR(o, 0.9)])),
    "ChainedScheduler-cosine": ("sgd", lambda L, o: L.ChainedScheduler(
        [L.LinearLR(o, 0.5, 1.0, 8), L.CosineAnnealingLR(o, 30, 0.0001)], optimizer=o)),
}


def make_optimizer(lib, kind):
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "adam":
        return lib.optim.Adam(groups, lr=0.01, betas=(0.9, 0.999))
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def sequence(lib, name, epochs=100, scheduler_state=None, optimizer_state=None):
    """Build the scheduler (loading states if given) and record [lrs, momenta] after each epoch's step."""
    kind, build = SCHEDULERS[name]
    opt = make_optimizer(lib, kind)
    sched = build(lib.optim.lr_scheduler, opt)
    if optimizer_state is not None:
        opt.load_state_dict(optimizer_state)
    if scheduler_state is not None:
        sched.load_state_dict(scheduler_state)
    out = []
    for _ in range(epochs):
        opt.step()
        sched.step()
        out.append(list(sched.get_last_lr()) + _momenta(opt))
    return out, opt, sched


def _plain(state):
    """A scheduler state dict with its nested values as plain comparable Python."""
    return {k: (_plain(v) if isinstance(v, dict) else [_plain(x) if isinstance(x, dict) else x for x in v]
                if isinstance(v, list) else v) for k, v in state.items()}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_sequence_and_state_dict_match_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither library should warn in correct use
        t_seq, t_opt, t_sched = sequence(torch, name)
        e_seq, e_opt, e_sched = sequence(ember, name)
    np.testing.assert_allclose(e_seq, t_seq, rtol=1e-12, atol=0)
    assert _plain(e_sched.state_dict()) == _plain(t_sched.state_dict())
    assert [{k: v for k, v in g.items() if k != "params"} for g in e_opt.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in t_opt.param_groups]


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_resume_from_state_dict(name):
    """40 epochs, save optimizer and scheduler states, rebuild both and load, 60 more: the same as 100 in one go;
    the states saved by torch load into Ember and continue on torch's sequence."""
    full, _, _ = sequence(torch, name)
    for lib_saved in (ember, torch):
        first, opt, sched = sequence(lib_saved, name, epochs=40)
        sched_state, opt_state = copy.deepcopy(sched.state_dict()), opt.state_dict()
        rest, _, _ = sequence(ember, name, epochs=60, scheduler_state=sched_state, optimizer_state=opt_state)
        np.testing.assert_allclose(first + rest, full, rtol=1e-12, atol=0)


PLATEAU = [
    dict(),
    dict(mode="max", factor=0.5, patience=2),
    dict(threshold_mode="abs", threshold=0.05, patience=3, cooldown=2),
    dict(mode="max", threshold_mode="abs", threshold=0.01, patience=1, cooldown=3, min_lr=[0.02, 0.001]),
    dict(factor=0.3, patience=0, min_lr=0.004, eps=1e-3),
]


def _metric(epoch):
    """A noisy loss curve that improves, stalls, improves: exercises patience, cooldown and thresholds."""
    return 1.0 / (1 + 0.05 * epoch) + 0.02 * math.sin(1.7 * epoch) + (0.1 if 30 < epoch < 60 else 0.0)


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau(kwargs):
    results = {}
    for lib in (torch, ember):
        opt = make_optimizer(lib, "sgd")
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        lrs = []
        for epoch in range(100):
            opt.step()
            metric = _metric(epoch)
            sched.step(lib.tensor(metric) if epoch % 2 else metric)
            lrs.append(sched.get_last_lr())
            if epoch == 50:
                saved = copy.deepcopy(sched.state_dict())
        results[lib.__name__] = (lrs, sched.state_dict(), saved)
    assert results["ember"][0] == results["torch"][0]
    assert results["ember"][1] == results["torch"][1]
    assert len({tuple(x) for x in results["ember"][0]}) > 1  # the lr did change

    # resume at epoch 51 from torch's saved state
    opt = make_optimizer(ember, "sgd")
    sched = ember.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    for g, lr in zip(opt.param_groups, results["torch"][0][50]):
        g["lr"] = lr
    sched.load_state_dict(results["torch"][2])
    for epoch in range(51, 100):
        sched.step(_metric(epoch))
        assert sched.get_last_lr() == results["torch"][0][epoch]


CLOSED_FORM = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "ConstantLR",
               "PolynomialLR", "CosineAnnealingWarmRestarts"]


@pytest.mark.parametrize("name", CLOSED_FORM)
def test_step_with_epoch_uses_closed_form(name):
    epochs = [3, 4, 10, 2, 25, 30, 31, 7.5 if name == "CosineAnnealingWarmRestarts" else 7]
    seqs = {}
    for lib in (torch, ember):
        opt = make_optimizer(lib, "sgd")
        sched = SCHEDULERS[name][1](lib.optim.lr_scheduler, opt)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            seqs[lib.__name__] = [(opt.step(), sched.step(e), sched.get_last_lr())[2] for e in epochs]
        seqs[lib.__name__ + "-warned"] = any("epoch parameter" in str(w.message) for w in record)
    np.testing.assert_allclose(seqs["ember"], seqs["torch"], rtol=1e-12)
    assert seqs["ember-warned"] == seqs["torch-warned"]


def test_warns_when_scheduler_steps_before_optimizer():
    messages = {}
    for lib in (torch, ember):
        opt = make_optimizer(lib, "sgd")
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        with pytest.warns(UserWarning) as record:
            sched.step()
        messages[lib.__name__] = [str(w.message) for w in record]
    assert messages["ember"] == messages["torch"]
    assert "before `optimizer.step()`" in messages["ember"][0]


def test_scheduler_updates_tensor_lr_in_place():
    lr = ember.tensor(0.1)
    opt = ember.optim.SGD([ember.zeros(2, requires_grad=True)], lr=lr)
    sched = ember.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and abs(float(lr) - 0.05) < 1e-9


ERRORS = [
    ("not an optimizer", lambda L, o: L.StepLR(object(), 3)),
    ("resume without initial_lr", lambda L, o: L.StepLR(o, 3, last_epoch=5)),
    ("ConstantLR factor", lambda L, o: L.ConstantLR(o, factor=1.5)),
    ("LinearLR start", lambda L, o: L.LinearLR(o, start_factor=0)),
    ("LinearLR end", lambda L, o: L.LinearLR(o, end_factor=2.0)),
    ("lambdas count", lambda L, o: L.LambdaLR(o, [_lambda])),
    ("multiplicative not callable", lambda L, o: L.MultiplicativeLR(o, 0.9)),
    ("warm restarts T_0", lambda L, o: L.CosineAnnealingWarmRestarts(o, 0)),
    ("warm restarts T_mult", lambda L, o: L.CosineAnnealingWarmRestarts(o, 5, T_mult=0)),
    ("one cycle no steps", lambda L, o: L.OneCycleLR(o, 0.1)),
    ("one cycle total_steps", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0)),
    ("one cycle pct_start", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5)),
    ("one cycle anneal", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp")),
    ("one cycle max_lr list", lambda L, o: L.OneCycleLR(o, [0.1], total_steps=10)),
    ("one cycle overrun", lambda L, o: [s.step() for s in [L.OneCycleLR(o, 0.1, total_steps=3)] for _ in range(4)]),
    ("cyclic mode", lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="sine")),
    ("plateau factor", lambda L, o: L.ReduceLROnPlateau(o, factor=1.0)),
    ("plateau mode", lambda L, o: L.ReduceLROnPlateau(o, mode="best")),
    ("plateau threshold mode", lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="pct")),
    ("plateau min_lrs", lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1])),
    ("sequential empty", lambda L, o: L.SequentialLR(o, [], [])),
    ("sequential milestones", lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.StepLR(o, 3)], [])),
    ("sequential plateau", lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], [3])),
    ("chained empty", lambda L, o: L.ChainedScheduler([])),
]


@pytest.mark.parametrize("build", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_bad_arguments_raise_as_torch(build):
    assert_raises_as_torch(lambda lib: build(lib.optim.lr_scheduler, make_optimizer(lib, "sgd")))
