"""nn.functional against PyTorch: each function through one harness (values, grad_fn name,
gradients), the random ones (dropout) by their statistics, and torch's errors for bad input."""
import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import N, Spec, assert_close, check_function, check_grads_against_torch, raises_like


W = np.random.default_rng(7).standard_normal((3, 5)).astype(np.float32)
B = np.random.default_rng(8).standard_normal(3).astype(np.float32)
CASES = [
    ("linear", [N(4, 5), N(3, 5), N(3)], (), {}),
    ("linear", [N(4, 5), N(3, 5)], (), {}),
    ("linear", [N(2, 4, 5), N(3, 5), N(3)], (), {}),
    ("linear", [N(4, 5, grad=False), N(3, 5), N(3)], (), {}),
    ("linear", [N(4, 5)], (W, B), {}),
    ("bilinear", [N(4, 2), N(4, 3), N(5, 2, 3), N(5)], (), {}),
    ("relu", [N(4, 5)], (), {}), ("relu6", [N(4, 5)], (), {}), ("elu", [N(4, 5)], (0.3,), {}),
    ("selu", [N(4, 5)], (), {}), ("celu", [N(4, 5)], (), {"alpha": 0.5}), ("gelu", [N(4, 5)], (), {}),
    ("gelu", [N(4, 5)], (), {"approximate": "tanh"}), ("silu", [N(4, 5)], (), {}), ("mish", [N(4, 5)], (), {}),
    ("leaky_relu", [N(4, 5)], (0.3,), {}), ("hardtanh", [N(4, 5)], (-0.5, 0.7), {}),
    ("hardsigmoid", [N(4, 5)], (), {}), ("hardswish", [N(4, 5)], (), {}), ("hardshrink", [N(4, 5)], (0.3,), {}),
    ("softshrink", [N(4, 5)], (0.3,), {}), ("tanhshrink", [N(4, 5)], (), {}), ("softsign", [N(4, 5)], (), {}),
    ("softplus", [N(4, 5)], (), {"beta": 3.0, "threshold": 2.0}), ("threshold", [N(4, 5)], (0.2, -1.0), {}),
    ("logsigmoid", [N(4, 5)], (), {}), ("sigmoid", [N(4, 5)], (), {}), ("tanh", [N(4, 5)], (), {}),
    ("prelu", [N(4, 5, 2), N(5)], (), {}), ("prelu", [N(4, 5), N(1)], (), {}),
    ("glu", [N(4, 6)], (), {"dim": 1}),
    ("softmax", [N(4, 5)], (), {"dim": 1}), ("softmax", [N(2, 3, 4)], (0,), {}),
    ("softmax", [N(4, 5)], (), {"dim": -1, "dtype": torch.float64}),
    ("log_softmax", [N(4, 5)], (), {"dim": 1}), ("log_softmax", [Spec((3, 4), "wide")], (), {"dim": 1}),
    ("softmin", [N(4, 5)], (), {"dim": 0}),
    ("layer_norm", [N(4, 5)], ((5,),), {"weight": N(5), "bias": N(5)}),
    ("layer_norm", [N(2, 4, 5)], ((4, 5),), {"eps": 1e-3}),
    ("group_norm", [N(2, 6, 3)], (3,), {"weight": N(6), "bias": N(6)}),
    ("batch_norm", [N(6, 3)], (np.zeros(3, np.float32), np.ones(3, np.float32)), {"training": True}),
    ("batch_norm", [N(6, 3, 2)], (None, None), {"weight": N(3), "bias": N(3), "training": True}),
    ("instance_norm", [N(2, 3, 5)], (), {}),
    ("rms_norm", [N(4, 5)], ((5,),), {"weight": N(5)}),
    ("local_response_norm", [N(2, 4, 3)], (2,), {}),
    ("normalize", [N(4, 5)], (), {}), ("normalize", [N(4, 5)], (), {"p": 1.0, "dim": 0}),
    ("pairwise_distance", [N(4, 5), N(4, 5)], (), {}), ("pairwise_distance", [N(4, 5), N(4, 5)], (1.0,), {}),
    ("pdist", [N(5, 3)], (), {}),
    ("cosine_similarity", [N(4, 5), N(4, 5)], (), {}), ("cosine_similarity", [N(4, 5), N(4, 5)], (0,), {}),
    ("embedding", [Spec((3, 4), "index", high=6), N(6, 2)], (), {}),
    ("embedding", [Spec((7,), "index", high=3), N(6, 2)], (), {"padding_idx": 1}),
    ("dropout", [N(4, 5)], (0.5,), {"training": False}),
]
# torch spells the in-place forms with inplace=True or a trailing underscore
INPLACE = [("relu", ()), ("relu_", ()), ("elu", ()), ("elu_", ()), ("leaky_relu", (0.2,)), ("leaky_relu_", (0.2,)),
           ("hardtanh", ()), ("hardtanh_", ()), ("threshold", (0.1, 2.0)), ("threshold_", (0.1, 2.0)),
           ("selu", ()), ("celu", ()), ("silu", ()), ("mish", ()), ("hardswish", ()), ("hardsigmoid", ()),
           ("relu6", ()), ("rrelu", ())]


@pytest.mark.parametrize("name,specs,args,kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_function_matches_torch(name, specs, args, kwargs):
    # Ember's norm op records LinalgVectorNormBackward0 where torch's kernels record their own nodes
    check_function(name, specs, args, kwargs, check_name=name not in ("pairwise_distance", "pdist"))


def _layer_norm(shape, affine):
    """F.layer_norm over `shape` with weight and/or bias as `affine` says ('wb', 'w', 'b' or '')."""
    def call(lib, x, *params):
        p = dict(zip([k for k in "wb" if k in affine], params))
        return lib.nn.functional.layer_norm(x, shape, p.get("w"), p.get("b"), 1e-5)
    return call


# LayerNorm's compiled rows and GELU's compiled erf: large and odd sizes, every affine form, normalized shapes of
# several dims, non-contiguous input, float64 (LayerNorm's kernel; GELU keeps SciPy's erf), and second-order
# gradients (the Ember-ops rules recorded under create_graph)
FUSED = [
    ("ln", _layer_norm((128,), "wb"), [(12, 64, 128), (128,), (128,)], "float32", False),
    ("ln-w", _layer_norm((7,), "w"), [(3, 5, 7), (7,)], "float32", False),
    ("ln-b", _layer_norm((7,), "b"), [(3, 5, 7), (7,)], "float32", False),
    ("ln-none-2d", _layer_norm((5, 6), ""), [(4, 5, 6)], "float32", False),
    ("ln-2d-wb", _layer_norm((5, 6), "wb"), [(4, 5, 6), (5, 6), (5, 6)], "float32", False),
    ("ln-noncontig", lambda lib, x, w, b: lib.nn.functional.layer_norm(x.transpose(0, 1), (6,), w, b),
     [(5, 4, 6), (6,), (6,)], "float32", False),
    ("ln-f64-double", _layer_norm((6,), "wb"), [(4, 6), (6,), (6,)], "float64", True),
    ("ln-f32-double", _layer_norm((6,), "wb"), [(4, 3, 6), (6,), (6,)], "float32", True),
    ("gelu", lambda lib, x: lib.nn.functional.gelu(x * 3), [(96, 129)], "float32", False),
    ("gelu-f64", lambda lib, x: lib.nn.functional.gelu(x * 3), [(64, 70)], "float64", False),
    ("gelu-tanh", lambda lib, x: lib.nn.functional.gelu(x * 3, approximate="tanh"), [(64, 70)], "float32", False),
    ("gelu-double", lambda lib, x: lib.nn.functional.gelu(x * 3), [(64, 70)], "float32", True),
]


@pytest.mark.parametrize("call,shapes,dtype,double", [c[1:] for c in FUSED], ids=[c[0] for c in FUSED])
def test_fused_kernels_match_torch(call, shapes, dtype, double):
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    check_grads_against_torch(call, arrays, double=double, **tol)


def test_gelu_saturates_as_torch():
    """Beyond the compiled erf's range GELU is 0 or x, and NaN at -inf (0 · -inf), as torch's float32 GELU."""
    x = np.linspace(-30, 30, 5000).astype(np.float32)
    x[:3] = [np.inf, -np.inf, np.nan]
    t, e = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    yt, ye = torch.nn.functional.gelu(t), ember.nn.functional.gelu(e)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=5e-7)  # torch: erf ± 1e-7
    yt.sum().backward()
    ye.sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=5e-7)


def test_gelu_keeps_its_slope_for_the_backward_as_torch_keeps_its_input():
    """A float32 GELU's forward keeps its derivative, so that its backward is one product: the gradients
    of a retained graph's two backwards, the error of a third after the graph is freed, and of a backward
    after the input changed in place, all as torch's."""
    x = np.random.default_rng(8).standard_normal((64, 200)).astype(np.float32) * 3
    g = np.random.default_rng(9).standard_normal((64, 200)).astype(np.float32)
    grads, errors = {}, {}
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.gelu(t * 1)
        y.backward(lib.tensor(g), retain_graph=True)
        first = t.grad.clone()
        y.backward(lib.tensor(g))
        grads[lib] = (first.numpy(), t.grad.numpy())
        with pytest.raises(RuntimeError) as freed:
            y.backward(lib.tensor(g))
        a = t * 1
        z = lib.nn.functional.gelu(a)
        a.add_(1)
        with pytest.raises(RuntimeError) as changed:
            z.sum().backward()
        errors[lib] = (str(freed.value)[:40], str(changed.value)[:60])
    for e, t in zip(grads[ember], grads[torch]):  # torch's erf is within 1e-7, times g (here up to 4)
        np.testing.assert_allclose(e, t, rtol=1e-6, atol=2e-6)
    assert errors[ember] == errors[torch]


@pytest.mark.parametrize("name,args", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_activation_matches_torch(name, args):
    kwargs = {} if name.endswith("_") else {"inplace": True}
    check_function(name, [N(4, 5)], args, kwargs, inplace=True)


def test_softmax_is_embers_own_op():
    assert ember.nn.functional.softmax(ember.ones(2, 3), 1).grad_fn is None
    x = ember.randn(3, 4, requires_grad=True)
    assert ember.nn.functional.softmax(x, 1).grad_fn.name() == ember.softmax(x, 1).grad_fn.name()
    assert ember.nn.functional.log_softmax(x, 1).grad_fn.name() == x.log_softmax(1).grad_fn.name()


def test_one_hot_matches_torch():
    for values, n in (([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 3)):
        t = torch.nn.functional.one_hot(torch.tensor(values, dtype=torch.long), n)
        e = ember.nn.functional.one_hot(ember.tensor(values, dtype=ember.int64), n)
        assert e.dtype == ember.int64 and tuple(e.shape) == tuple(t.shape) and e.tolist() == t.tolist()


def test_functional_namespace_covers_our_families():
    names = ["relu", "relu6", "elu", "selu", "celu", "gelu", "silu", "mish", "leaky_relu", "prelu", "rrelu", "glu",
             "hardtanh", "hardsigmoid", "hardswish", "hardshrink", "softshrink", "tanhshrink", "softplus", "softsign",
             "threshold", "logsigmoid", "sigmoid", "tanh", "softmax", "softmin", "log_softmax", "linear", "bilinear",
             "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
             "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "local_response_norm",
             "normalize", "embedding", "embedding_bag", "one_hot", "pairwise_distance", "cosine_similarity", "pdist",
             "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
             "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div", "poisson_nll_loss",
             "gaussian_nll_loss", "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
             "multilabel_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss", "soft_margin_loss",
             "triplet_margin_loss", "triplet_margin_with_distance_loss"]
    assert all(hasattr(torch.nn.functional, n) for n in names)
    assert [n for n in names if not hasattr(ember.nn.functional, n)] == []


# ---------------------------------------------------------------------- dropout: statistics and structure
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_keeps_1_minus_p_and_scales(p):
    ember.manual_seed(0)
    x = ember.ones(200, 100, requires_grad=True)
    y = ember.nn.functional.dropout(x, p)
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - (1 - p)) < 0.02
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / (1 - p), rtol=1e-6)
    assert y.grad_fn.name() == torch.nn.functional.dropout(torch.ones(2, requires_grad=True), p).grad_fn.name()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy(), rtol=1e-6)  # the gradient is the same mask


def test_dropout_edge_probabilities():
    x = ember.randn(5, 4, requires_grad=True)
    assert ember.nn.functional.dropout(x, 0.0) is x
    assert ember.nn.functional.dropout(x, 0.5, training=False) is x
    assert not ember.nn.functional.dropout(x, 1.0).detach().numpy().any()


@pytest.mark.parametrize("fn,shape", [("dropout1d", (8, 50, 6)), ("dropout2d", (8, 50, 3, 3)),
                                      ("dropout3d", (4, 50, 2, 2, 2)), ("dropout1d", (50, 6))])
def test_feature_dropout_zeroes_whole_channels(fn, shape):
    ember.manual_seed(1)
    y = getattr(ember.nn.functional, fn)(ember.ones(*shape), 0.5).numpy()
    lead = 2 if len(shape) in (3, 4, 5) and not (fn == "dropout1d" and len(shape) == 2) else 1
    per_channel = y.reshape(int(np.prod(shape[:lead])), -1)
    assert ((per_channel == 0).all(1) | (per_channel == 2).all(1)).all()
    assert 0.3 < (per_channel[:, 0] == 0).mean() < 0.7


def test_alpha_dropout_keeps_mean_and_variance():
    ember.manual_seed(2)
    x = ember.randn(200000)
    y = ember.nn.functional.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert ember.nn.functional.alpha_dropout(x, 0.3).numpy() is x.numpy()  # training=False by default


def test_rrelu_training_draws_slopes_in_range():
    ember.manual_seed(3)
    x = ember.full((10000,), -1.0, requires_grad=True)
    y = ember.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.01
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-6)
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"


@pytest.mark.parametrize("fn,args", [("dropout", (1.5,)), ("dropout", (-0.1,)), ("dropout2d", (2.0,)),
                                     ("alpha_dropout", (1.1,))])
def test_dropout_probability_errors(fn, args):
    t_exc, e_exc = raises_like(lambda: getattr(torch.nn.functional, fn)(torch.ones(2, 3, 4), *args),
                               lambda: getattr(ember.nn.functional, fn)(ember.ones(2, 3, 4), *args))
    assert str(e_exc) == str(t_exc)


def test_dropout1d_rank_error():
    t_exc, e_exc = raises_like(lambda: torch.nn.functional.dropout1d(torch.ones(2, 3, 4, 5)),
                               lambda: ember.nn.functional.dropout1d(ember.ones(2, 3, 4, 5)))
    assert str(e_exc) == str(t_exc)


# ---------------------------------------------------------------------- errors
def _t(shape, dtype="float32", high=None):
    arr = (np.random.default_rng(0).integers(0, high, shape) if high else
           np.random.default_rng(0).standard_normal(shape)).astype(dtype)
    return lambda T: T.from_numpy(arr.copy())


BAD = [
    ("linear", (_t((10, 7)), _t((12, 8))), {}),
    ("linear", (_t((5, 10, 7)), _t((12, 8))), {}),
    ("linear", (_t((7,)), _t((12, 8))), {}),
    ("linear", (_t((10, 7), "float64"), _t((12, 7))), {}),
    ("bilinear", (_t((2, 3)), _t((2, 4)), _t((5, 3, 5))), {}),
    ("one_hot", (_t((2,), "int32", 3),), {}),
    ("one_hot", (lambda T: T.tensor([1, -2]),), {}),
    ("one_hot", (lambda T: T.tensor([1, 5]), 3), {}),
    ("embedding", (_t((2,)), _t((4, 3))), {}),
    ("embedding", (lambda T: T.tensor([1, 5]), _t((4, 3))), {}),
    ("glu", (_t((3, 5)),), {}),
    ("layer_norm", (_t((4, 6, 5)), (4,)), {}),
    ("group_norm", (_t((4, 6, 5)), 4), {}),
    ("batch_norm", (_t((1, 3)), _t((3,)), _t((3,))), {"training": True}),
    ("batch_norm", (_t((4, 5)), _t((3,)), _t((3,))), {}),
    ("prelu", (_t((4, 5)), _t((3,))), {}),
    ("gelu", (_t((4, 5)),), {"approximate": "foo"}),
    ("softshrink", (_t((4,)), -1.0), {}),
    ("hardtanh", (_t((4,)), 2.0, 1.0), {}),
]


@pytest.mark.parametrize("name,args,kwargs", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_like_torch(name, args, kwargs):
    def call(T):
        return getattr(T.nn.functional, name)(*[a(T) if callable(a) else a for a in args], **kwargs)
    t_exc, e_exc = raises_like(lambda: call(torch), lambda: call(ember))
    assert str(e_exc) == str(t_exc)


@pytest.mark.parametrize("n", [5, 6000])  # NumPy below the compiled loop's size, the loop above it
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_keeps_negative_zero_and_nan_like_torch(n, dtype):
    x = np.resize(np.array([-0.0, 0.0, np.nan, -1.5, 2.0, -np.inf, np.inf], dtype), n)
    t = torch.relu(torch.from_numpy(x)).numpy()
    e = ember.relu(ember.from_numpy(x)).numpy()
    assert e.dtype == t.dtype
    np.testing.assert_array_equal(e, t)
    np.testing.assert_array_equal(np.signbit(e), np.signbit(t))


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 3}, {"scale_grad_by_freq": True}])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_gradient_over_repeated_indices_matches_torch(kwargs, dtype):
    rng = np.random.default_rng(2)
    idx = rng.integers(0, 12, size=(9, 7))  # every row of the table picked several times
    w = rng.standard_normal((12, 5)).astype(dtype)
    g = rng.standard_normal((9, 7, 5)).astype(dtype)
    grads = []
    for lib in (torch, ember):
        weight = lib.from_numpy(w.copy()).requires_grad_()
        lib.nn.functional.embedding(lib.from_numpy(idx.copy()), weight, **kwargs).backward(lib.from_numpy(g.copy()))
        grads.append(weight.grad)
    assert_close(grads[1], grads[0])
