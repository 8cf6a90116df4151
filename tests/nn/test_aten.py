"""The torch.* forms of nn ops (ember/nn/_functional/aten.py) against PyTorch's: values, gradients,
grad_fn names, and the same function object as nn.functional's where the signatures agree."""
import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import N, Spec, check_function, raises_like

IDX = np.array([[1, 2, 0], [4, 4, 1]])
R = 0.0  # dropout with p=0 in training, and train=False: deterministic, so the values compare


def _lstm_params(rng, layers, dirs, gates, inp, hid, bias=True):
    out = []
    for layer in range(layers):
        for _ in range(dirs):
            i = inp if layer == 0 else hid * dirs
            out += [rng.standard_normal((gates * hid, i)).astype(np.float32) * 0.3,
                    rng.standard_normal((gates * hid, hid)).astype(np.float32) * 0.3]
            if bias:
                out += [rng.standard_normal(gates * hid).astype(np.float32) * 0.3 for _ in range(2)]
    return out


CASES = [  # (name, input specs, extra args, kwargs, check grad_fn name)
    ("conv1d", [N(2, 3, 7), N(4, 3, 3), N(4)], (1, 1), {}, True),
    ("conv2d", [N(1, 2, 5, 5), N(3, 2, 3, 3)], (), {"padding": 1, "stride": 2}, True),
    ("conv3d", [N(1, 2, 3, 4, 4), N(2, 2, 2, 2, 2)], (), {}, True),
    ("conv_transpose1d", [N(2, 3, 5), N(3, 2, 3)], (), {"stride": 2}, True),
    ("conv_transpose2d", [N(1, 3, 4, 4), N(3, 2, 3, 3), N(2)], (), {"padding": 1}, True),
    ("conv_transpose3d", [N(1, 2, 2, 3, 3), N(2, 2, 2, 2, 2)], (), {}, True),
    ("convolution", [N(1, 2, 5, 5), N(3, 2, 3, 3), N(3)], ([1, 1], [1, 1], [1, 1], False, [0, 0], 1), {}, True),
    ("convolution", [N(1, 3, 4, 4), N(3, 2, 3, 3), N(2)], ([2, 2], [0, 0], [1, 1], True, [1, 1], 1), {}, True),
    ("conv_tbc", [N(6, 2, 3), N(3, 3, 4), N(4)], (1,), {}, False),
    ("dropout", [N(4, 5)], (0.3, False), {}, True),
    ("dropout", [N(4, 5)], (R, True), {}, False),
    ("alpha_dropout", [N(4, 5)], (0.3, False), {}, True),
    ("feature_dropout", [N(2, 3, 4)], (0.4, False), {}, True),
    ("feature_alpha_dropout", [N(2, 3, 4)], (0.4, False), {}, True),
    ("batch_norm", [N(6, 3), N(3), N(3)], (np.zeros(3, np.float32), np.ones(3, np.float32), True, 0.1, 1e-5, True),
     {}, False),
    ("batch_norm", [N(4, 3, 2), N(3), N(3)], (np.zeros(3, np.float32) + 0.5, np.ones(3, np.float32) * 2, False, 0.1,
                                             1e-5, True), {}, False),
    ("instance_norm", [N(2, 3, 5), N(3), N(3)], (None, None, True, 0.1, 1e-5, True), {}, False),
    ("layer_norm", [N(4, 5)], ([5],), {"weight": N(5), "bias": N(5)}, True),
    ("layer_norm", [N(2, 4, 5)], ((4, 5), None, None, 1e-3, False), {}, True),
    ("group_norm", [N(2, 6, 3)], (3,), {"weight": N(6), "bias": N(6)}, True),
    ("rms_norm", [N(4, 5)], ([5],), {"weight": N(5)}, False),
    ("embedding", [N(6, 2), Spec((2, 3), "index", high=6)], (), {}, True),
    ("embedding", [N(6, 2), Spec((7,), "index", high=3)], (1,), {}, True),
    ("bilinear", [N(4, 2), N(4, 3), N(5, 2, 3), N(5)], (), {}, False),
    ("celu", [N(4, 5)], (0.5,), {}, True), ("selu", [N(4, 5)], (), {}, True),
    ("threshold", [N(4, 5)], (0.2, -1.0), {}, True), ("hardshrink", [N(4, 5)], (0.3,), {}, True),
    ("prelu", [N(4, 5, 2), N(5)], (), {}, True), ("rrelu", [N(4, 5)], (0.1, 0.3), {}, True),
    ("pixel_shuffle", [N(1, 8, 2, 3)], (2,), {}, True), ("pixel_unshuffle", [N(1, 2, 4, 6)], (2,), {}, True),
    ("channel_shuffle", [N(2, 6, 3)], (3,), {}, False),
    ("cosine_similarity", [N(4, 5), N(4, 5)], (), {}, False), ("pairwise_distance", [N(4, 5), N(4, 5)], (), {}, False),
    ("pdist", [N(5, 3)], (), {}, False),
    ("kl_div", [N(3, 4), Spec((3, 4), "prob", grad=False)], (), {}, False),
    ("kl_div", [N(3, 4), N(3, 4)], (2,), {"log_target": True}, False),
    ("cosine_embedding_loss", [N(4, 5), N(4, 5), Spec((4,), "sign")], (0.1, 1), {}, False),
    ("margin_ranking_loss", [N(4), N(4), Spec((4,), "sign")], (0.2,), {}, False),
    ("hinge_embedding_loss", [N(4, 3), Spec((4, 3), "sign")], (1.0, 2), {}, False),
    ("triplet_margin_loss", [N(4, 5), N(4, 5), N(4, 5)], (), {}, False),
    ("poisson_nll_loss", [N(4, 3), Spec((4, 3), "pos", grad=False)], (True, False, 1e-8, 1), {}, False),
    ("binary_cross_entropy_with_logits", [N(4, 3), Spec((4, 3), "prob", grad=False)], (), {}, False),
    ("binary_cross_entropy_with_logits", [N(4, 3), Spec((4, 3), "prob", grad=False)], (None, None, 2), {}, False),
    ("max_pool1d", [N(1, 2, 7)], (2,), {}, True), ("max_pool2d", [N(1, 2, 5, 5)], (2, 1), {}, True),
    ("max_pool3d", [N(1, 1, 4, 4, 4)], (2,), {}, True), ("avg_pool1d", [N(1, 2, 7)], (3, 2), {}, False),
    ("adaptive_avg_pool1d", [N(1, 2, 7)], (3,), {}, False), ("adaptive_max_pool1d", [N(1, 2, 7)], (3,), {}, False),
    ("max_pool1d_with_indices", [N(1, 2, 7)], (2,), {}, False),
    ("constant_pad_nd", [N(2, 3)], ([1, 2, 0, 1], 0.5), {}, False),
    ("rnn_tanh_cell", [N(3, 4), N(3, 5), N(5, 4), N(5, 5), N(5), N(5)], (), {}, False),
    ("rnn_relu_cell", [N(3, 4), N(3, 5), N(5, 4), N(5, 5)], (), {}, False),
    ("gru_cell", [N(3, 4), N(3, 5), N(15, 4), N(15, 5), N(15), N(15)], (), {}, False),
]


@pytest.mark.parametrize("name,specs,args,kwargs,check_name", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_top_level_matches_torch(name, specs, args, kwargs, check_name):
    check_function(name, specs, args, kwargs, check_name=check_name, top=True)


def test_lstm_cell_returns_both_states():
    rng = np.random.default_rng(0)
    x, h, c, wi, wh = (rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (3, 5), (3, 5), (20, 4), (20, 5)))
    t = torch.lstm_cell(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c)), torch.from_numpy(wi),
                        torch.from_numpy(wh))
    e = ember.lstm_cell(ember.from_numpy(x), (ember.from_numpy(h), ember.from_numpy(c)), ember.from_numpy(wi),
                        ember.from_numpy(wh))
    for a, b in zip(e, t):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,gates,bidirectional,batch_first,layers", [
    ("lstm", 4, False, False, 1), ("lstm", 4, True, True, 2), ("gru", 3, True, False, 2),
    ("rnn_tanh", 1, False, True, 2), ("rnn_relu", 1, True, False, 1)])
def test_recurrent_layers_match_torch(name, gates, bidirectional, batch_first, layers):
    rng = np.random.default_rng(1)
    dirs, T, B, I, H = 1 + bidirectional, 4, 2, 3, 5
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)).astype(np.float32)
    hs = [rng.standard_normal((layers * dirs, B, H)).astype(np.float32) for _ in range(2 if name == "lstm" else 1)]
    params = _lstm_params(rng, layers, dirs, gates, I, H)
    outs = []
    for lib in (torch, ember):
        t = lambda a: lib.from_numpy(a.copy())  # noqa: E731
        hx = [t(h) for h in hs] if name == "lstm" else t(hs[0])
        ps = [t(p).requires_grad_() for p in params]
        res = getattr(lib, name)(t(x), hx, ps, True, layers, 0.0, False, bidirectional, batch_first)
        sum(r.sum() for r in res).backward()
        outs.append((res, [p.grad for p in ps]))
    (tr, tg), (er, eg) = outs
    assert len(er) == len(tr)
    for a, b in zip(list(er) + eg, list(tr) + tg):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4, atol=1e-5)


SAME_OBJECT = ["conv1d", "conv2d", "conv3d", "conv_transpose2d", "celu", "selu", "threshold", "hardshrink", "prelu",
               "rrelu", "pixel_shuffle", "pixel_unshuffle", "cosine_similarity", "pairwise_distance", "pdist",
               "max_pool2d", "channel_shuffle", "bilinear", "rms_norm"]


@pytest.mark.parametrize("name", SAME_OBJECT)
def test_one_definition_with_nn_functional(name):
    assert getattr(ember, name) is getattr(ember.nn.functional, name)


@pytest.mark.parametrize("call", [
    lambda L, x: L.channel_shuffle(x, 4), lambda L, x: L.channel_shuffle(x, 0),
    lambda L, x: L.channel_shuffle(x[0, 0], 1), lambda L, x: L.embedding(x, L.tensor([[0, 1]])),
    lambda L, x: L.conv2d(x, L.ones(1, 5, 3, 3)), lambda L, x: L.dropout(x, 1.5, True),
], ids=["groups-not-dividing", "groups-zero", "1d-input", "float-table-2d-ok", "conv-channels", "p-out-of-range"])
def test_errors_match_torch(call):
    x = np.random.default_rng(0).standard_normal((2, 6, 3, 3)).astype(np.float32)
    try:
        call(torch, torch.from_numpy(x))
    except Exception:  # noqa: BLE001 - torch decides whether this is an error
        raises_like(lambda: call(torch, torch.from_numpy(x)), lambda: call(ember, ember.from_numpy(x)))
    else:
        call(ember, ember.from_numpy(x))


def test_nn_channel_shuffle_module_uses_the_function():
    x = np.arange(24, dtype=np.float32).reshape(1, 6, 2, 2)
    np.testing.assert_array_equal(ember.nn.ChannelShuffle(3)(ember.from_numpy(x)).numpy(),
                                  torch.nn.ChannelShuffle(3)(torch.from_numpy(x)).numpy())
    np.testing.assert_array_equal(ember.nn.functional.channel_shuffle(ember.from_numpy(x), 2).numpy(),
                                  torch.nn.functional.channel_shuffle(torch.from_numpy(x), 2).numpy())
