"""The remaining nn names of issue 18 against PyTorch: FractionalMaxPool (with fixed samples), SyncBatchNorm
(one process), CrossMapLRN2d, Container, NLLLoss2d, LinearCrossEntropyLoss and F.linear_cross_entropy,
F.gumbel_softmax (by its properties), F.conv_tbc, nn.init.dirac/eye."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import N, Spec, check_against_torch, check_function, assert_close, copy_state, raises_like

SAMPLES2 = np.random.default_rng(5).random((2, 3, 2)).astype(np.float32)
SAMPLES3 = np.random.default_rng(6).random((1, 2, 3)).astype(np.float32)


@pytest.mark.parametrize("name,specs,args,kwargs", [
    ("fractional_max_pool2d", [N(2, 3, 7, 6)], ((2, 3),), {"output_size": 3, "_random_samples": SAMPLES2}),
    ("fractional_max_pool2d", [N(2, 3, 7, 6)], (2,), {"output_size": (4, 2), "_random_samples": SAMPLES2}),
    ("fractional_max_pool2d", [N(2, 3, 9, 9)], (3,), {"output_ratio": (0.5, 0.7), "_random_samples": SAMPLES2}),
    ("fractional_max_pool2d", [N(3, 7, 6)], (2,), {"output_size": 3, "_random_samples": SAMPLES2[:1]}),
    ("fractional_max_pool3d", [N(1, 2, 5, 6, 7)], (2,), {"output_size": (3, 4, 3), "_random_samples": SAMPLES3}),
    ("linear_cross_entropy", [N(6, 4), N(5, 4), Spec((6,), "index", high=5)], (), {}),
    ("linear_cross_entropy", [N(6, 4), N(5, 4), Spec((6,), "index", high=5)], (),
     {"linear_bias": N(5), "label_smoothing": 0.2, "reduction": "sum"}),
    ("linear_cross_entropy", [N(6, 4), N(5, 3, 4), Spec((6, 3), "index", high=5)], (), {"linear_bias": N(5, 3)}),
    ("conv_tbc", [N(6, 2, 3), N(3, 3, 4), N(4)], (1,), {}),
], ids=lambda v: v if isinstance(v, str) else None)
def test_functions_match_torch(name, specs, args, kwargs):
    check_function(name, specs, args, kwargs, check_name=False)


def test_fractional_max_pool_returns_torch_indices():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6)).astype(np.float32)
    t = torch.nn.functional.fractional_max_pool2d(torch.from_numpy(x), 2, output_size=3, return_indices=True,
                                                  _random_samples=torch.from_numpy(SAMPLES2))
    e = ember.nn.functional.fractional_max_pool2d(ember.from_numpy(x), 2, output_size=3, return_indices=True,
                                                  _random_samples=ember.from_numpy(SAMPLES2))
    assert_close(e[1], t[1], what="indices")
    e2 = ember.nn.functional.fractional_max_pool2d_with_indices(ember.from_numpy(x), 2, output_size=3,
                                                                _random_samples=ember.from_numpy(SAMPLES2))
    assert_close(e2[1], t[1], what="with_indices")


def test_fractional_max_pool_modules():
    for n, shape, samples in ((2, (2, 3, 8, 8), SAMPLES2), (3, (1, 2, 6, 6, 6), SAMPLES3)):
        args = dict(kernel_size=2, output_ratio=0.5, _random_samples=samples)
        tm = getattr(torch.nn, f"FractionalMaxPool{n}d")(2, output_ratio=0.5,
                                                         _random_samples=torch.from_numpy(samples))
        em = getattr(ember.nn, f"FractionalMaxPool{n}d")(2, output_ratio=0.5,
                                                         _random_samples=ember.from_numpy(samples))
        assert repr(em) == repr(tm)
        x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
        assert_close(em(ember.from_numpy(x)), tm(torch.from_numpy(x)))
        del args
    for bad in (dict(), dict(output_size=2, output_ratio=0.5), dict(output_ratio=1.5)):
        raises_like(lambda: torch.nn.FractionalMaxPool2d(2, **bad), lambda: ember.nn.FractionalMaxPool2d(2, **bad))
    # without fixed samples the windows are random, but each output is the max of some k x k window
    x = ember.arange(64.0).reshape(1, 1, 8, 8)
    out = ember.nn.FractionalMaxPool2d(2, output_size=5)(x).numpy()
    assert out.shape == (1, 1, 5, 5) and (np.diff(out, axis=-1) > 0).all() and (np.diff(out, axis=-2) > 0).all()


@pytest.mark.parametrize("shape,train", [((6, 3), True), ((4, 3, 5), True), ((2, 3, 4, 4), False),
                                         ((2, 3, 2, 2, 2), True)])
def test_sync_batchnorm_is_batchnorm_in_one_process(shape, train):
    check_against_torch(lambda nn: nn.SyncBatchNorm(3), [N(*shape)], train=train, check_name=False)


def test_convert_sync_batchnorm():
    def build(nn):
        return nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3), nn.Sequential(nn.BatchNorm1d(4, affine=False)))
    tm, em = build(torch.nn), build(ember.nn)
    copy_state(tm, em)
    ts, es = torch.nn.SyncBatchNorm.convert_sync_batchnorm(tm), ember.nn.SyncBatchNorm.convert_sync_batchnorm(em)
    assert repr(es) == repr(ts)
    assert list(es.state_dict()) == list(ts.state_dict())
    assert es[1].weight is em[1].weight


@pytest.mark.parametrize("size", [3, 4, 5])
def test_cross_map_lrn2d(size):
    check_against_torch(lambda nn: nn.CrossMapLRN2d(size, 1e-2, 0.75, 2.0), [N(2, 6, 3, 3)], check_name=False)
    assert repr(ember.nn.CrossMapLRN2d(size)) == repr(torch.nn.CrossMapLRN2d(size))


def test_container_and_nllloss2d_are_the_deprecated_forms():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e = ember.nn.Container(a=ember.nn.Linear(2, 3), b=ember.nn.ReLU())
        t = torch.nn.Container(a=torch.nn.Linear(2, 3), b=torch.nn.ReLU())
        le, lt = ember.nn.NLLLoss2d(), torch.nn.NLLLoss2d()
    assert repr(e) == repr(t) and list(e.state_dict()) == list(t.state_dict())
    assert sum(issubclass(w.category, FutureWarning) for w in caught) == 4
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    y = np.random.default_rng(1).integers(0, 3, (2, 4, 4))
    assert_close(le(ember.from_numpy(x), ember.from_numpy(y)), lt(torch.from_numpy(x), torch.from_numpy(y)))


@pytest.mark.parametrize("kw", [{}, {"bias": True, "label_smoothing": 0.1}, {"out_features": (3,), "bias": True}])
def test_linear_cross_entropy_loss(kw):
    def build(nn):
        return nn.LinearCrossEntropyLoss(4, 5, **kw)
    torch.manual_seed(0)
    tm, em = build(torch.nn), build(ember.nn)
    copy_state(tm, em)
    assert repr(em) == repr(tm)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    y = rng.integers(0, 5, (6,) + tuple(kw.get("out_features", ())))
    xt, xe = torch.from_numpy(x).requires_grad_(), ember.from_numpy(x.copy()).requires_grad_()
    lt, le = tm(xt, torch.from_numpy(y)), em(xe, ember.from_numpy(y))
    assert_close(le, lt)
    lt.backward(), le.backward()
    assert_close(xe.grad, xt.grad)
    assert_close(em.linear.weight.grad, tm.linear.weight.grad)
    raises_like(lambda: torch.nn.LinearCrossEntropyLoss(4, 5, weight=torch.ones(3)),
                lambda: ember.nn.LinearCrossEntropyLoss(4, 5, weight=ember.ones(3)))
    assert repr(ember.nn.LinearCrossEntropyOptions()) == repr(torch.nn.LinearCrossEntropyOptions()).replace(
        "acc_policy='auto'", "acc_policy='auto'")


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_properties(hard, seeded):
    logits = ember.tensor([[2.0, 0.5, -1.0, 0.0]] * 4000, requires_grad=True)
    y = ember.nn.functional.gumbel_softmax(logits, tau=0.5, hard=hard)
    assert y.shape == logits.shape
    np.testing.assert_allclose(y.sum(-1).detach().numpy(), 1.0, rtol=1e-5)
    if hard:
        assert set(np.unique(y.detach().numpy())) <= {0.0, 1.0}
    # argmax of logits + Gumbel noise is a draw from softmax(logits) (the Gumbel-max trick)
    freq = np.bincount(y.detach().numpy().argmax(-1), minlength=4) / 4000
    np.testing.assert_allclose(freq, torch.tensor([2.0, 0.5, -1.0, 0.0]).softmax(0).numpy(), atol=0.03)
    (y * ember.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert logits.grad is not None and np.isfinite(logits.grad.numpy()).all()


@pytest.fixture
def seeded():
    ember.manual_seed(0)


@pytest.mark.parametrize("name,shape,args", [("dirac", (4, 2, 3, 3), ()), ("dirac", (6, 2, 3), (2,)),
                                             ("eye", (3, 5), ())])
def test_init_deprecated_names(name, shape, args):
    with pytest.warns(FutureWarning, match=f"nn.init.{name}` is now deprecated"):
        e = getattr(ember.nn.init, name)(ember.empty(*shape), *args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = getattr(torch.nn.init, name)(torch.empty(*shape), *args)
    assert_close(e, t)
