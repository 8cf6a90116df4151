"""Every layer of ours against PyTorch through one harness: weights copied from the torch module,
the same inputs, forward + backward, then outputs, gradients, buffers and grad_fn names compared."""
import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import N, Spec, check_against_torch, assert_close


def I(*shape, high):
    return Spec(shape, "index", high=high)


def f64(nn):
    return torch.float64 if nn is torch.nn else ember.float64


# (id, build(nn), input specs, options)
CASES = [
    ("linear", lambda nn: nn.Linear(8, 12), [N(10, 8)], {}),
    ("linear-nobias", lambda nn: nn.Linear(8, 12, bias=False), [N(10, 8)], {}),
    # the seed's fc1: its two gradient products run side by side on the threads (sums of 4608 terms
    # of outputs up to ~60: float32 round-off ~4e-5)
    ("linear-seed-fc1-batch", lambda nn: nn.Linear(4608, 64), [N(32, 4608)], {"atol": 1e-3}),
    ("linear-3d", lambda nn: nn.Linear(5, 3), [N(2, 4, 5)], {}),
    ("linear-1d", lambda nn: nn.Linear(5, 3), [N(5)], {}),
    ("linear-4d-nobias", lambda nn: nn.Linear(5, 3, bias=False), [N(2, 3, 4, 5)], {"check_name": False}),
    ("linear-double", lambda nn: nn.Linear(4, 2, dtype=f64(nn)), [N(3, 4, dtype="float64")], {}),
    ("bilinear", lambda nn: nn.Bilinear(3, 4, 5), [N(6, 3), N(6, 4)], {"check_name": False}),
    ("bilinear-nobias-3d", lambda nn: nn.Bilinear(3, 4, 5, bias=False), [N(2, 6, 3), N(2, 6, 4)],
     {"check_name": False}),
    ("identity", lambda nn: nn.Identity(3, x=1), [N(4, 5)], {}),
    ("flatten", lambda nn: nn.Flatten(), [N(2, 3, 4, 5)], {}),
    ("flatten-0-2", lambda nn: nn.Flatten(0, 2), [N(2, 3, 4, 5)], {}),
    ("unflatten", lambda nn: nn.Unflatten(1, (2, 3)), [N(4, 6, 5)], {}),
    ("dropout-eval", lambda nn: nn.Dropout(0.5), [N(4, 5)], {"train": False}),
    ("dropout2d-eval", lambda nn: nn.Dropout2d(0.3), [N(2, 3, 4, 4)], {"train": False}),
    ("alphadropout-eval", lambda nn: nn.AlphaDropout(0.3), [N(4, 5)], {"train": False}),
    # normalisation, in training (batch statistics, running statistics updated) and in eval
    ("batchnorm1d", lambda nn: nn.BatchNorm1d(6), [N(8, 6)], {"steps": 2}),
    ("batchnorm1d-3d", lambda nn: nn.BatchNorm1d(6), [N(4, 6, 5)], {}),
    ("batchnorm1d-eval", lambda nn: nn.BatchNorm1d(6), [N(8, 6)], {"train": False}),
    ("batchnorm2d", lambda nn: nn.BatchNorm2d(3), [N(4, 3, 5, 5)], {"steps": 2}),
    ("batchnorm2d-eval", lambda nn: nn.BatchNorm2d(3), [N(4, 3, 5, 5)], {"train": False}),
    ("batchnorm2d-momentum-none", lambda nn: nn.BatchNorm2d(3, momentum=None), [N(4, 3, 2, 2)], {"steps": 3}),
    ("batchnorm2d-noaffine", lambda nn: nn.BatchNorm2d(3, affine=False), [N(4, 3, 2, 2)], {}),
    ("batchnorm2d-nobias", lambda nn: nn.BatchNorm2d(3, bias=False), [N(4, 3, 2, 2)], {}),
    ("batchnorm2d-untracked-eval", lambda nn: nn.BatchNorm2d(3, track_running_stats=False), [N(4, 3, 2, 2)],
     {"train": False}),
    ("batchnorm3d", lambda nn: nn.BatchNorm3d(2), [N(2, 2, 3, 3, 3)], {}),
    # the compiled passes (ember._kernels.batch_norm): odd sizes, many channels, float64, no running stats
    ("batchnorm2d-resnet", lambda nn: nn.BatchNorm2d(24), [N(6, 24, 9, 7)], {"steps": 2}),
    # 5.6 MB: the compiled passes take uneven ranges of the 21 channels, shared between the threads
    ("batchnorm2d-threads", lambda nn: nn.BatchNorm2d(21), [N(16, 21, 64, 64)], {"steps": 2}),
    ("batchnorm2d-double", lambda nn: nn.BatchNorm2d(5, dtype=f64(nn)), [N(3, 5, 4, 3, dtype="float64")], {"steps": 2}),
    ("batchnorm2d-untracked-train", lambda nn: nn.BatchNorm2d(3, track_running_stats=False), [N(4, 3, 5, 3)], {}),
    ("batchnorm2d-noaffine-momentum-none", lambda nn: nn.BatchNorm2d(4, affine=False, momentum=None),
     [N(5, 4, 3, 3)], {"steps": 3}),
    ("layernorm", lambda nn: nn.LayerNorm(5), [N(4, 3, 5)], {}),
    ("layernorm-2d-shape", lambda nn: nn.LayerNorm((3, 5)), [N(4, 3, 5)], {}),
    ("layernorm-noaffine", lambda nn: nn.LayerNorm(5, elementwise_affine=False), [N(4, 5)], {}),
    ("layernorm-nobias", lambda nn: nn.LayerNorm(5, bias=False), [N(4, 5)], {}),
    ("groupnorm", lambda nn: nn.GroupNorm(2, 6), [N(4, 6, 5)], {}),
    ("groupnorm-4d", lambda nn: nn.GroupNorm(3, 6, eps=1e-3), [N(2, 6, 3, 3)], {}),
    ("groupnorm-noaffine", lambda nn: nn.GroupNorm(3, 6, affine=False), [N(2, 6, 4)], {}),
    ("instancenorm1d", lambda nn: nn.InstanceNorm1d(6), [N(4, 6, 5)], {}),
    ("instancenorm1d-unbatched", lambda nn: nn.InstanceNorm1d(6), [N(6, 5)], {}),
    ("instancenorm2d-affine", lambda nn: nn.InstanceNorm2d(3, affine=True), [N(2, 3, 4, 4)], {}),
    ("instancenorm1d-tracked", lambda nn: nn.InstanceNorm1d(6, track_running_stats=True), [N(4, 6, 5)],
     {"steps": 2}),
    ("instancenorm1d-tracked-eval", lambda nn: nn.InstanceNorm1d(6, track_running_stats=True), [N(4, 6, 5)],
     {"train": False}),
    ("localresponsenorm", lambda nn: nn.LocalResponseNorm(2), [N(2, 6, 4, 4)], {}),
    ("localresponsenorm-3", lambda nn: nn.LocalResponseNorm(3, alpha=0.01, beta=0.5, k=2.0), [N(2, 5, 7)], {}),
    ("rmsnorm", lambda nn: nn.RMSNorm(5), [N(4, 5)], {}),
    ("rmsnorm-eps", lambda nn: nn.RMSNorm((3, 5), eps=1e-3), [N(2, 3, 5)], {}),
    # lookup tables
    ("embedding", lambda nn: nn.Embedding(10, 3), [I(4, 5, high=10)], {}),
    ("embedding-padding", lambda nn: nn.Embedding(10, 3, padding_idx=0), [I(4, 7, high=3)], {}),
    ("embedding-negative-padding", lambda nn: nn.Embedding(10, 3, padding_idx=-1), [I(20, high=10)], {}),
    ("embedding-freq", lambda nn: nn.Embedding(10, 3, scale_grad_by_freq=True), [I(12, high=4)], {}),
    ("embedding-maxnorm", lambda nn: nn.Embedding(10, 3, max_norm=0.5), [I(3, 4, high=10)], {}),
    ("embeddingbag-mean", lambda nn: nn.EmbeddingBag(10, 3), [I(4, 5, high=10)], {"check_name": False}),
    ("embeddingbag-sum", lambda nn: nn.EmbeddingBag(10, 3, mode="sum"), [I(4, 5, high=10)], {"check_name": False}),
    ("embeddingbag-max", lambda nn: nn.EmbeddingBag(10, 3, mode="max"), [I(4, 5, high=10)], {"check_name": False}),
    # activations
    ("prelu", lambda nn: nn.PReLU(), [N(4, 6, 5)], {}),
    ("prelu-channels", lambda nn: nn.PReLU(6), [N(4, 6, 5)], {}),
    ("rrelu-eval", lambda nn: nn.RReLU(), [N(4, 6)], {"train": False}),
    ("softmax", lambda nn: nn.Softmax(dim=1), [N(4, 6)], {}),
    ("softmax-last", lambda nn: nn.Softmax(dim=-1), [N(2, 3, 4)], {}),
    ("logsoftmax", lambda nn: nn.LogSoftmax(dim=1), [N(4, 6)], {}),
    ("softmin", lambda nn: nn.Softmin(dim=0), [N(4, 6)], {}),
    ("softmax2d", lambda nn: nn.Softmax2d(), [N(2, 3, 4, 5)], {}),
    ("glu", lambda nn: nn.GLU(), [N(4, 6)], {}),
    ("glu-dim1", lambda nn: nn.GLU(1), [N(2, 4, 3)], {}),
]

# every elementwise activation, with its options; each also runs on a 4-D input
ACTIVATIONS = [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2,), {}), ("ELU", (), {}),
    ("ELU", (0.5,), {}), ("CELU", (), {}), ("CELU", (2.0,), {}), ("SELU", (), {}), ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}), ("Mish", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 0.5), {}), ("Hardsigmoid", (), {}), ("Hardswish", (), {}),
    ("Hardshrink", (), {}), ("Hardshrink", (1.0,), {}), ("Softshrink", (), {}), ("Tanhshrink", (), {}),
    ("Softplus", (), {}), ("Softplus", (2.0, 1.0), {}), ("Softsign", (), {}), ("Threshold", (0.1, 20.0), {}),
    ("LogSigmoid", (), {}),
]
INPLACE = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "CELU", "SELU", "SiLU", "Mish", "Hardtanh", "Hardsigmoid",
           "Hardswish", "Threshold"]


def _activation_cases():
    for name, args, kw in ACTIVATIONS:
        tag = name + "".join(f"-{a}" for a in args) + "".join(f"-{v}" for v in kw.values())
        yield (tag, lambda nn, n=name, a=args, k=kw: getattr(nn, n)(*a, **k), [N(4, 6)], {})
        yield (tag + "-4d", lambda nn, n=name, a=args, k=kw: getattr(nn, n)(*a, **k), [N(2, 3, 4, 5)], {})
        yield (tag + "-f64", lambda nn, n=name, a=args, k=kw: getattr(nn, n)(*a, **k), [N(4, 6, dtype="float64")],
               {"rtol": 1e-10, "atol": 1e-12})
    for name in INPLACE:
        args = (0.1, 20.0) if name == "Threshold" else ()
        yield (name + "-inplace", lambda nn, n=name, a=args: getattr(nn, n)(*a, inplace=True), [N(4, 6)],
               {"inplace": True})


ALL = CASES + list(_activation_cases())


@pytest.mark.parametrize("build,specs,opts", [c[1:] for c in ALL], ids=[c[0] for c in ALL])
def test_layer_matches_torch(build, specs, opts):
    check_against_torch(build, specs, **opts)


def test_activations_cover_torch():
    """Every activation layer torch.nn ships (but MultiheadAttention) exists in ember.nn."""
    import torch.nn.modules.activation as tact
    names = [n for n in tact.__all__ if n != "MultiheadAttention"]
    assert [n for n in names if not hasattr(ember.nn, n)] == []


def test_unflatten_and_flatten_repr():
    for build in (lambda nn: nn.Flatten(), lambda nn: nn.Unflatten(1, (2, 3)), lambda nn: nn.Flatten(0, 2)):
        assert repr(build(ember.nn)) == repr(build(torch.nn))


def test_batchnorm_cumulative_average_is_the_mean_of_batch_statistics():
    """momentum=None: after k batches the running mean is the plain average of the k batch means."""
    bn = ember.nn.BatchNorm1d(3, momentum=None)
    rng = np.random.default_rng(0)
    means = []
    for _ in range(4):
        x = rng.standard_normal((16, 3)).astype(np.float32) + rng.standard_normal(3).astype(np.float32)
        means.append(x.mean(0))
        bn(ember.from_numpy(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, 0), rtol=1e-5, atol=1e-6)
    assert bn.num_batches_tracked.item() == 4 and bn.num_batches_tracked.dtype == ember.int64


def test_batchnorm_eval_uses_running_stats_and_does_not_update_them():
    bn = ember.nn.BatchNorm1d(2)
    bn.running_mean.fill_(1.0)
    bn.running_var.fill_(4.0)
    bn.eval()
    x = ember.tensor([[3.0, 1.0], [5.0, -1.0]])
    y = bn(x)
    np.testing.assert_allclose(y.detach().numpy(), (x.numpy() - 1) / np.sqrt(4 + 1e-5), rtol=1e-6)
    assert bn.running_mean.tolist() == [1.0, 1.0] and bn.num_batches_tracked.item() == 0


def test_embedding_padding_row_is_zero_and_frozen():
    emb = ember.nn.Embedding(5, 3, padding_idx=2)
    assert emb.weight[2].tolist() == [0.0, 0.0, 0.0]
    emb(ember.tensor([2, 2, 1])).sum().backward()
    assert emb.weight.grad[2].tolist() == [0.0, 0.0, 0.0] and emb.weight.grad[1].tolist() == [1.0, 1.0, 1.0]


def test_embedding_from_pretrained():
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    t = torch.nn.Embedding.from_pretrained(torch.from_numpy(w.copy()))
    e = ember.nn.Embedding.from_pretrained(ember.from_numpy(w.copy()))
    assert repr(e) == repr(t) and e.weight.requires_grad is False
    assert e(ember.tensor([2, 0])).tolist() == t(torch.tensor([2, 0])).tolist()


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_second_order_gradients_match_torch(affine):
    """create_graph through batch_norm with batch statistics (the compiled forward, the generic backward),
    in float64: a float32 sum here cancels down to its round-off."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3, 5, 4))
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    out = []
    for fw in (torch, ember):
        xt = fw.tensor(x, requires_grad=True)
        wt, bt = (fw.tensor(v, requires_grad=True) if affine else None for v in (w, b))
        y = fw.nn.functional.batch_norm(xt, None, None, wt, bt, training=True)
        gx, = fw.autograd.grad((y ** 3).sum(), xt, create_graph=True)
        gx.square().sum().backward()
        out.append([y, gx, xt.grad] + ([wt.grad, bt.grad] if affine else []))
    for t, e in zip(*out):
        assert_close(e, t, rtol=1e-9, atol=1e-9)
