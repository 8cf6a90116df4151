"""optim.swa_utils against torch 2.13: AveragedModel (SWA and EMA through avg_fn / multi_avg_fn, use_buffers)
tracking a model trained the same way in both libraries, SWALR's learning rates, update_bn's statistics."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.optim.conftest import assert_close, assert_raises_as_torch, numpy_of

LIBS = (torch, ember)


def model_pair(dtype):
    """The same Linear-BatchNorm-Linear network in both libraries (torch's initial weights copied to Ember)."""
    torch.manual_seed(0)
    models = {}
    for lib in LIBS:
        nn = lib.nn
        models[lib] = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2)).to(
            getattr(lib, dtype))
    state = {k: ember.from_numpy(numpy_of(v)) for k, v in models[torch].state_dict().items()}
    models[ember].load_state_dict(state)
    return models


def batches(n, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((8, 4)), rng.standard_normal((8, 2))) for _ in range(n)]


AVERAGES = {
    "swa": lambda S: {},
    "swa-buffers": lambda S: dict(use_buffers=True),
    "ema-multi": lambda S: dict(multi_avg_fn=S.get_ema_multi_avg_fn(0.9)),
    "ema-multi-buffers": lambda S: dict(multi_avg_fn=S.get_ema_multi_avg_fn(0.8), use_buffers=True),
    "ema": lambda S: dict(avg_fn=S.get_ema_avg_fn(0.9)),
    "swa-multi": lambda S: dict(multi_avg_fn=S.get_swa_multi_avg_fn()),
    "swa-fn": lambda S: dict(avg_fn=S.get_swa_avg_fn()),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", sorted(AVERAGES))
def test_averaged_model_follows_training(kind, dtype):
    """Train 12 SGD steps, folding the weights in after each; the averages, the buffers, n_averaged, the state
    dict keys and the averaged model's output agree with torch's."""
    models = model_pair(dtype)
    data = batches(12)
    results = {}
    for lib in LIBS:
        model = models[lib]
        avg = lib.optim.swa_utils.AveragedModel(model, **AVERAGES[kind](lib.optim.swa_utils))
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
        for x, y in data:
            opt.zero_grad()
            loss = ((model(lib.tensor(x, dtype=getattr(lib, dtype))) - lib.tensor(y, dtype=getattr(lib, dtype))) ** 2
                    ).mean()
            loss.backward()
            opt.step()
            avg.update_parameters(model)
        avg.eval()
        out = avg(lib.tensor(data[0][0], dtype=getattr(lib, dtype)))
        results[lib] = ({k: numpy_of(v) for k, v in avg.state_dict().items()}, numpy_of(out))
    (t_state, t_out), (e_state, e_out) = results[torch], results[ember]
    assert list(e_state) == list(t_state)
    for key in t_state:
        assert e_state[key].dtype == t_state[key].dtype, key
        assert_close(e_state[key], t_state[key], dtype, key)
    assert_close(e_out, t_out, dtype, "output")


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 3, 10])
def test_swalr_learning_rates(anneal_epochs, strategy):
    """Two groups (one swa_lr each), 15 steps: the lrs, and a state_dict round trip mid-way."""
    lrs = {}
    for lib in LIBS:
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1)
        sched = lib.optim.swa_utils.SWALR(opt, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs,
                                          anneal_strategy=strategy)
        seen = [sched.get_last_lr()]
        for i in range(15):
            opt.step()
            sched.step()
            seen.append(sched.get_last_lr())
            if i == 6:
                state = sched.state_dict()
                sched = lib.optim.swa_utils.SWALR(opt, swa_lr=0.5)
                sched.load_state_dict(state)
        assert "anneal_func" not in state and "optimizer" not in state
        lrs[lib] = (seen, [g["swa_lr"] for g in opt.param_groups])
    np.testing.assert_allclose(np.array(lrs[ember][0]), np.array(lrs[torch][0]), rtol=1e-12)
    assert lrs[ember][1] == lrs[torch][1]


def test_swalr_get_lr_outside_step_warns():
    for lib in LIBS:
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        sched = lib.optim.swa_utils.SWALR(opt, swa_lr=0.05)
        with pytest.warns(UserWarning, match="get_last_lr"):
            sched.get_lr()


def test_update_bn():
    """update_bn resets the BatchNorm statistics to a plain average over the loader's batches (list batches feed
    their first item), restores momentum and the training flag."""
    models = model_pair("float64")
    data = batches(5, seed=3)
    results = {}
    for lib in LIBS:
        model = models[lib]
        model.eval()
        loader = [[lib.tensor(x), lib.tensor(y)] for x, y in data]
        lib.optim.swa_utils.update_bn(loader, model)
        bn = model[1]
        results[lib] = (numpy_of(bn.running_mean), numpy_of(bn.running_var), int(bn.num_batches_tracked),
                        bn.momentum, model.training)
        lib.optim.swa_utils.update_bn([lib.tensor(x) for x, _ in data], lib.nn.Linear(4, 2))  # no BatchNorm: nothing
    for e, t in zip(results[ember], results[torch]):
        if isinstance(t, np.ndarray):
            assert_close(e, t, "float64")
        else:
            assert e == t


ERRORS = [
    ("ema decay", lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(1.5)),
    ("ema fn decay", lambda lib: lib.optim.swa_utils.get_ema_avg_fn(-0.1)),
    ("both avg fns", lambda lib: lib.optim.swa_utils.AveragedModel(
        lib.nn.Linear(2, 2), avg_fn=lib.optim.swa_utils.get_swa_avg_fn(),
        multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn())),
    ("SWALR strategy", lambda lib: lib.optim.swa_utils.SWALR(
        lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1), 0.05, anneal_strategy="exp")),
    ("SWALR epochs", lambda lib: lib.optim.swa_utils.SWALR(
        lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1), 0.05, anneal_epochs=-1)),
    ("SWALR swa_lr list", lambda lib: lib.optim.swa_utils.SWALR(
        lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1), [0.05, 0.01])),
]


@pytest.mark.parametrize("build", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_bad_input_raises_as_torch(build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_raises_as_torch(build)


def test_public_names():
    assert sorted(ember.optim.swa_utils.__all__) == sorted(torch.optim.swa_utils.__all__)
