"""Every loss against PyTorch through one harness (functional form, every reduction): values,
grad_fn names, gradients w.r.t. input and target; then the loss modules, numerical stability
where torch is stable, and torch's errors for bad input."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import Spec, N, assert_close, grad_fn_name, pair, convert, raises_like, check_function

REDUCTIONS = ("mean", "sum", "none")


def P(*shape, **kw):
    return Spec(shape, "prob", **kw)


def I(*shape, high, **kw):
    return Spec(shape, "index", high=high, **kw)


def S(*shape):
    return Spec(shape, "sign")


def check_loss(name, specs, kwargs, seed=0):
    check_function(name, specs, (), kwargs, seed=seed)


W5 = np.array([0.5, 1.0, 2.0, 0.2, 1.5], np.float32)
LOSS_CASES = [
    ("mse_loss", [N(4, 5), N(4, 5)], {}),
    ("mse_loss", [N(4, 5), N(5)], {}),  # broadcast target (torch warns)
    ("mse_loss", [N(4, 5), N(4, 5, grad=False)], {"weight": np.abs(np.arange(20, dtype=np.float32).reshape(4, 5))}),
    ("l1_loss", [N(4, 5), N(4, 5)], {}),
    ("l1_loss", [N(3, 2, 4), N(3, 2, 4)], {"weight": np.ones((3, 2, 4), np.float32) * 0.5}),
    ("smooth_l1_loss", [Spec((4, 5), "wide"), N(4, 5)], {}),
    ("smooth_l1_loss", [N(4, 5), N(4, 5)], {"beta": 0.5}),
    ("smooth_l1_loss", [N(4, 5), N(4, 5)], {"beta": 0.0}),
    ("huber_loss", [N(4, 5), N(4, 5)], {"delta": 0.7}),
    ("huber_loss", [N(4, 5), N(4, 5)], {}),
    ("binary_cross_entropy", [P(4, 5), P(4, 5)], {}),
    ("binary_cross_entropy", [P(4, 5), P(4, 5, grad=False)], {"weight": W5}),
    ("binary_cross_entropy", [P(10, 1), Spec((10, 1), "prob", grad=False)], {}),
    ("binary_cross_entropy_with_logits", [N(4, 5), P(4, 5)], {}),
    ("binary_cross_entropy_with_logits", [N(4, 5), P(4, 5)], {"pos_weight": W5}),
    ("binary_cross_entropy_with_logits", [N(4, 5), P(4, 5, grad=False)], {"pos_weight": W5, "weight": W5[::-1].copy()}),
    ("nll_loss", [N(6, 5), I(6, high=5)], {}),
    ("nll_loss", [N(6, 5), I(6, high=5)], {"weight": W5}),
    ("nll_loss", [N(6, 5), I(6, high=5)], {"ignore_index": 2}),
    ("nll_loss", [N(6, 5), I(6, high=5)], {"weight": W5, "ignore_index": 1}),
    ("nll_loss", [N(5), I(high=5)], {}),
    ("nll_loss", [N(2, 5, 3), I(2, 3, high=5)], {"weight": W5}),
    ("nll_loss", [N(2, 5, 3, 4), I(2, 3, 4, high=5)], {"ignore_index": 0}),
    ("cross_entropy", [N(6, 5), I(6, high=5)], {}),
    ("cross_entropy", [N(6, 5), I(6, high=5)], {"weight": W5, "ignore_index": 3}),
    ("cross_entropy", [N(6, 5), I(6, high=5)], {"label_smoothing": 0.1}),
    ("cross_entropy", [N(6, 5), I(6, high=5)], {"label_smoothing": 0.2, "weight": W5, "ignore_index": 0}),
    ("cross_entropy", [N(2, 5, 3, 4), I(2, 3, 4, high=5)], {"label_smoothing": 0.1}),
    ("cross_entropy", [N(2, 5, 7), I(2, 7, high=5)], {"weight": W5}),
    ("cross_entropy", [N(5), I(high=5)], {}),
    ("cross_entropy", [N(6, 5), Spec((6, 5), "simplex")], {}),
    ("cross_entropy", [N(6, 5), Spec((6, 5), "simplex")], {"weight": W5, "label_smoothing": 0.3}),
    ("cross_entropy", [N(2, 5, 3), Spec((2, 5, 3), "simplex")], {}),
    ("kl_div", [N(4, 5), P(4, 5)], {}),
    ("kl_div", [N(4, 5), N(4, 5)], {"log_target": True}),
    ("poisson_nll_loss", [N(4, 5), Spec((4, 5), "pos")], {}),
    ("poisson_nll_loss", [Spec((4, 5), "pos"), Spec((4, 5), "pos")], {"log_input": False, "full": True}),
    ("gaussian_nll_loss", [N(4, 5), N(4, 5), Spec((4, 5), "pos")], {}),
    ("gaussian_nll_loss", [N(4, 5), N(4, 5), Spec((4,), "pos")], {"full": True}),
    ("gaussian_nll_loss", [N(4, 5), N(4, 5), Spec((4, 1), "pos")], {"eps": 0.7}),
    ("cosine_embedding_loss", [N(6, 5), N(6, 5), S(6)], {"margin": 0.2}),
    ("margin_ranking_loss", [N(6), N(6), S(6)], {"margin": 0.1}),
    ("hinge_embedding_loss", [N(4, 5), S(4, 5)], {"margin": 0.5}),
    ("soft_margin_loss", [N(4, 5), S(4, 5)], {}),
    ("multilabel_soft_margin_loss", [N(4, 5), Spec((4, 5), "index", high=2, grad=False)], {}),
    ("multilabel_soft_margin_loss", [N(4, 5), P(4, 5, grad=False)], {"weight": W5}),
    ("multi_margin_loss", [N(6, 5), I(6, high=5)], {}),
    ("multi_margin_loss", [N(6, 5), I(6, high=5)], {"p": 2, "margin": 0.5, "weight": W5}),
    ("triplet_margin_loss", [N(6, 5), N(6, 5), N(6, 5)], {}),
    ("triplet_margin_loss", [N(6, 5), N(6, 5), N(6, 5)], {"p": 1, "swap": True, "margin": 2.0}),
]


def _cases():
    for name, specs, kwargs in LOSS_CASES:
        for reduction in REDUCTIONS:
            yield name, specs, dict(kwargs, reduction=reduction)
    yield "kl_div", [N(4, 5), P(4, 5)], {"reduction": "batchmean"}


ALL = list(_cases())


@pytest.mark.parametrize("name,specs,kwargs", ALL,
                         ids=[f"{n}-{i}-{k['reduction']}" for i, (n, s, k) in enumerate(ALL)])
def test_loss_matches_torch(name, specs, kwargs):
    check_loss(name, specs, kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction):
    target = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [4, -1, 2, 2, 2]], np.int64)
    check_loss("multilabel_margin_loss", [N(4, 5), Spec((4, 5), "index", high=1, grad=False)], {"reduction": reduction})
    x = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)
    t, e = pair(x, True)
    tl = torch.nn.functional.multilabel_margin_loss(t, torch.from_numpy(target), reduction=reduction)
    el = ember.nn.functional.multilabel_margin_loss(e, ember.from_numpy(target.copy()), reduction=reduction)
    assert_close(el, tl)
    assert grad_fn_name(el) == grad_fn_name(tl)
    tl.sum().backward(), el.sum().backward()
    assert_close(e.grad, t.grad)


LOSS_MODULES = [
    ("L1Loss", {}, [N(4, 5), N(4, 5)]), ("MSELoss", {"reduction": "sum"}, [N(4, 5), N(4, 5)]),
    ("SmoothL1Loss", {"beta": 0.5}, [N(4, 5), N(4, 5)]), ("HuberLoss", {"delta": 2.0}, [N(4, 5), N(4, 5)]),
    ("BCELoss", {"weight": W5}, [P(4, 5), P(4, 5)]), ("BCEWithLogitsLoss", {"pos_weight": W5}, [N(4, 5), P(4, 5)]),
    ("CrossEntropyLoss", {"weight": W5, "label_smoothing": 0.1}, [N(6, 5), I(6, high=5)]),
    ("CrossEntropyLoss", {}, [N(6, 5), Spec((6, 5), "simplex")]),
    ("NLLLoss", {"ignore_index": 1}, [N(6, 5), I(6, high=5)]), ("KLDivLoss", {"reduction": "batchmean"},
                                                                 [N(4, 5), P(4, 5)]),
    ("PoissonNLLLoss", {}, [N(4, 5), Spec((4, 5), "pos")]),
    ("GaussianNLLLoss", {}, [N(4, 5), N(4, 5), Spec((4, 5), "pos")]),
    ("CosineEmbeddingLoss", {}, [N(6, 5), N(6, 5), S(6)]), ("MarginRankingLoss", {}, [N(6), N(6), S(6)]),
    ("HingeEmbeddingLoss", {}, [N(4, 5), S(4, 5)]), ("SoftMarginLoss", {}, [N(4, 5), S(4, 5)]),
    ("MultiLabelSoftMarginLoss", {}, [N(4, 5), P(4, 5, grad=False)]),
    ("MultiMarginLoss", {"p": 2}, [N(6, 5), I(6, high=5)]),
    ("TripletMarginLoss", {"margin": 0.5}, [N(6, 5), N(6, 5), N(6, 5)]),
    ("TripletMarginWithDistanceLoss", {}, [N(6, 5), N(6, 5), N(6, 5)]),
]


@pytest.mark.parametrize("name,kwargs,specs", LOSS_MODULES, ids=[c[0] for c in LOSS_MODULES])
def test_loss_module_matches_torch(name, kwargs, specs):
    tm = getattr(torch.nn, name)(**{k: convert(v, torch) for k, v in kwargs.items()})
    em = getattr(ember.nn, name)(**{k: convert(v, ember) for k, v in kwargs.items()})
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    rng = np.random.default_rng(0)
    pairs = [pair(s.draw(rng), s.grad) for s in specs]
    t_out, e_out = tm(*[t for t, _ in pairs]), em(*[e for _, e in pairs])
    assert_close(e_out, t_out)
    t_out.backward(), e_out.backward()
    assert_close(pairs[0][1].grad, pairs[0][0].grad)


# ---------------------------------------------------------------------- numerical stability
def test_cross_entropy_and_log_softmax_on_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [3e4, 3e4, -3e4]], np.float32)
    target = np.array([1, 1, 0])
    t, e = pair(x, True)
    tl = torch.nn.functional.cross_entropy(t, torch.from_numpy(target))
    el = ember.nn.functional.cross_entropy(e, ember.from_numpy(target.copy()))
    assert np.isfinite(el.item())
    assert_close(el, tl)
    tl.backward(), el.backward()
    assert np.isfinite(e.grad.numpy()).all()
    assert_close(e.grad, t.grad)
    assert_close(ember.nn.functional.log_softmax(ember.from_numpy(x), 1), torch.log_softmax(torch.from_numpy(x), 1))


@pytest.mark.parametrize("shape,dim,dtype", [((600, 1000), 1, "float32"), ((4, 30, 700), -1, "float32"),
                                             ((4, 700, 30), 1, "float32"), ((300, 400), 1, "float64")])
def test_log_softmax_and_nll_on_large_inputs_match_torch(shape, dim, dtype):
    # large enough for log_softmax's block-of-rows kernels when the dim is the last one
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    x.reshape(-1)[::997] = -np.inf  # a class that can never be picked
    target = rng.integers(0, shape[1], size=(shape[0],) + shape[2:])
    target.reshape(-1)[::7] = -100
    t, e = pair(x, True)
    tout = torch.nn.functional.log_softmax(t, dim)
    eout = ember.nn.functional.log_softmax(e, dim)
    assert_close(eout, tout)
    if dim == 1:
        tl = torch.nn.functional.nll_loss(tout, torch.from_numpy(target))
        el = ember.nn.functional.nll_loss(eout, ember.from_numpy(target.copy()))
        assert_close(el, tl)
        tl.backward(), el.backward()
    else:
        g = rng.standard_normal(shape).astype(dtype)
        tout.backward(torch.from_numpy(g)), eout.backward(ember.from_numpy(g.copy()))
    assert_close(e.grad, t.grad)


def test_bce_clamps_log_at_minus_100():
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5], np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], np.float32)
    for reduction in REDUCTIONS:
        t, e = pair(x, True)
        tl = torch.nn.functional.binary_cross_entropy(t, torch.from_numpy(y), reduction=reduction)
        el = ember.nn.functional.binary_cross_entropy(e, ember.from_numpy(y.copy()), reduction=reduction)
        assert_close(el, tl)
        assert np.isfinite(el.detach().numpy()).all()
        tl.sum().backward(), el.sum().backward()
        assert_close(e.grad, t.grad, rtol=1e-4, atol=1.0)  # both ~1e12 at the clamped points
        assert np.isfinite(e.grad.numpy()).all()


def test_bce_with_logits_on_large_logits():
    x = np.array([100.0, -100.0, 80.0, -80.0, 0.0, 1e4], np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0], np.float32)
    t, e = pair(x, True)
    tl = torch.nn.functional.binary_cross_entropy_with_logits(t, torch.from_numpy(y), reduction="none")
    el = ember.nn.functional.binary_cross_entropy_with_logits(e, ember.from_numpy(y.copy()), reduction="none")
    assert_close(el, tl)
    tl.sum().backward(), el.sum().backward()
    assert_close(e.grad, t.grad)


def test_all_targets_ignored_gives_nan_like_torch():
    x, target = np.zeros((2, 3), np.float32), np.array([-100, -100])
    tl = torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.from_numpy(target))
    el = ember.nn.functional.cross_entropy(ember.from_numpy(x), ember.from_numpy(target.copy()))
    assert np.isnan(tl.item()) and np.isnan(el.item())


# ---------------------------------------------------------------------- bad input
def _fn(name, *args, **kwargs):
    def call(T):
        return getattr(T.nn.functional, name)(*[a(T) if callable(a) else a for a in args],
                                              **{k: v(T) if callable(v) else v for k, v in kwargs.items()})
    return call


def tt(values, dtype=None):
    return lambda T: T.tensor(values, dtype=getattr(T, dtype) if dtype else None)


def rand(*shape):
    arr = np.random.default_rng(0).uniform(0.1, 0.9, shape).astype(np.float32)
    return lambda T: T.from_numpy(arr.copy())


BAD = [
    ("ce-target-out-of-range", _fn("cross_entropy", rand(4, 5), tt([0, 1, 2, 10])), True),
    ("ce-negative-target", _fn("cross_entropy", rand(4, 5), tt([0, 1, 2, -3])), True),
    ("nll-target-out-of-range", _fn("nll_loss", rand(4, 5), tt([0, 1, 2, 10])), True),
    ("ce-batch-mismatch", _fn("cross_entropy", rand(4, 5), tt([0, 1, 2])), True),
    ("ce-kdim-mismatch", _fn("cross_entropy", rand(4, 5, 3), tt([[0, 1]] * 4)), True),
    ("nll-multi-target", _fn("nll_loss", rand(4, 5), tt([[0.5] * 5] * 4)), False),
    ("bce-input-above-one", _fn("binary_cross_entropy", tt([0.5, 1.5]), tt([0.0, 1.0])), True),
    ("bce-input-negative", _fn("binary_cross_entropy", tt([-0.5, 0.5]), tt([0.0, 1.0])), True),
    ("bce-target-above-one", _fn("binary_cross_entropy", tt([0.5, 0.5]), tt([0.0, 1.5])), True),
    ("bce-size-mismatch", _fn("binary_cross_entropy", tt([0.5, 0.5]), tt([0.0, 1.0, 1.0])), True),
    ("bce-logits-size-mismatch", _fn("binary_cross_entropy_with_logits", rand(3), rand(4)), True),
    ("mse-not-broadcastable", _fn("mse_loss", rand(3), rand(4)), True),
    ("bad-reduction", _fn("cross_entropy", rand(4, 5), tt([0, 1, 2, 3]), reduction="foo"), True),
    ("mse-weight-size", _fn("mse_loss", rand(4), rand(4), weight=rand(3)), True),
    ("gaussian-var-size", _fn("gaussian_nll_loss", rand(4, 5), rand(4, 5), rand(3, 5)), True),
    ("label-smoothing-range", _fn("cross_entropy", rand(4, 5), tt([0, 1, 2, 3]), label_smoothing=1.5), False),
]


@pytest.mark.parametrize("call,same_text", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises_like_torch(call, same_text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_exc, e_exc = raises_like(lambda: call(torch), lambda: call(ember))
    if same_text:
        assert str(e_exc) == str(t_exc)


def test_cross_entropy_class_weight_size_error():
    t_exc, e_exc = raises_like(
        lambda: torch.nn.functional.cross_entropy(torch.randn(4, 5), torch.tensor([0, 1, 2, 3]), torch.ones(3)),
        lambda: ember.nn.functional.cross_entropy(ember.randn(4, 5), ember.tensor([0, 1, 2, 3]), ember.ones(3)))
    assert str(e_exc) == str(t_exc)


def test_target_out_of_range_message():
    with pytest.raises(IndexError, match="^Target 10 is out of bounds.$"):
        ember.nn.functional.cross_entropy(ember.randn(4, 5), ember.tensor([0, 1, 2, 10]))


# ---------------------------------------------------------------------- CTC
CTC = [  # (T, N, C, S, input lengths, target lengths, blank, targets concatenated, zero_infinity)
    (6, 3, 5, 3, [6, 5, 4], [3, 2, 1], 0, False, False),
    (8, 2, 4, 3, [8, 8], [3, 0], 2, False, False),
    (8, 3, 6, 4, [8, 7, 8], [4, 2, 3], 0, True, False),
    (5, 2, 5, 3, [2, 5], [3, 1], 0, False, True),
    (5, 2, 5, 3, [2, 5], [3, 1], 0, False, False),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("T,N,C,S,il,tl,blank,flat,zero_inf", CTC)
def test_ctc_loss_matches_torch(T, N, C, S, il, tl, blank, flat, zero_inf, reduction):
    rng = np.random.default_rng(T * N + S)
    tg = rng.integers(0, C, (N, S))
    tg[tg == blank] = (blank + 1) % C
    tg[0, :2] = tg[0, 0]  # a repeated label needs a blank between its two frames
    logp = torch.from_numpy(rng.standard_normal((T, N, C)).astype(np.float32)).log_softmax(2).numpy()
    t_lp, e_lp = pair(logp, True)
    if flat:
        tgt = np.concatenate([tg[i, :tl[i]] for i in range(N)])
    else:
        tgt = tg
    tl_ = torch.nn.functional.ctc_loss(t_lp, torch.from_numpy(tgt), torch.tensor(il), torch.tensor(tl), blank,
                                       reduction, zero_inf)
    el = ember.nn.functional.ctc_loss(e_lp, ember.from_numpy(tgt.copy()), ember.tensor(il), ember.tensor(tl), blank,
                                      reduction, zero_inf)
    assert_close(el, tl_)
    assert grad_fn_name(el) == grad_fn_name(tl_)
    if np.isfinite(tl_.detach().numpy()).all():
        g = rng.standard_normal(tuple(tl_.shape)).astype(np.float32)
        tl_.backward(torch.from_numpy(g)), el.backward(ember.from_numpy(g.copy()))
        assert_close(e_lp.grad, t_lp.grad)


def test_ctc_unbatched_and_module():
    logp = torch.randn(7, 4).log_softmax(1)
    target = torch.tensor([1, 2, 2])
    t = torch.nn.CTCLoss(blank=0)(logp, target, torch.tensor(7), torch.tensor(3))
    e = ember.nn.CTCLoss(blank=0)(ember.from_numpy(logp.numpy().copy()), ember.tensor([1, 2, 2]), ember.tensor(7),
                                  ember.tensor(3))
    assert_close(e, t)
    assert repr(ember.nn.CTCLoss(blank=2)) == repr(torch.nn.CTCLoss(blank=2))
