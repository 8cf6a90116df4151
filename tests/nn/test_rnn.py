"""RNN, LSTM, GRU and their cells against PyTorch through the shared harness: weights copied from
the torch module, outputs, final states and every gradient compared; names, shapes, default init,
torch's errors and printed text."""
import itertools
import math

import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import N, assert_close, check_against_torch, raises_like


def _sequence_model(mode, layers, bidirectional, batch_first, bias, extra, use="both"):
    """The layer inside a module whose output folds in h_n (and c_n), so all of them get gradients
    (use="output" or "final": only the output, or only the final states)."""
    def build(nn):
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(nn, mode)(5, 4, layers, bias=bias, batch_first=batch_first,
                                             bidirectional=bidirectional, **extra)

            def forward(self, x, *h):
                hx = None if not h else (tuple(h) if mode == "LSTM" else h[0])
                out, hn = self.rnn(x, hx)
                if mode == "LSTM":
                    hn = hn[0].sum() * 2 + (hn[1] * hn[1]).sum()
                if use == "final":
                    return hn * hn
                return out * 3 + ((hn * hn).sum() if use == "both" else 0)
        return M()
    return build


SEQUENCE = []
for _mode, _layers, _bi, _bf, _bias in itertools.product(("RNN", "LSTM", "GRU"), (1, 2), (False, True),
                                                          (False, True), (True, False)):
    if _bias or _layers == 2:  # bias=False needs only the deeper stacks
        SEQUENCE.append((_mode, _layers, _bi, _bf, _bias, {}))
SEQUENCE += [("RNN", 2, True, False, True, {"nonlinearity": "relu"}),
             ("LSTM", 2, True, True, True, {"proj_size": 3}),
             ("LSTM", 1, False, False, False, {"proj_size": 2})]


@pytest.mark.parametrize("hx", [False, True], ids=["no-h0", "h0"])
@pytest.mark.parametrize("mode,layers,bidirectional,batch_first,bias,extra", SEQUENCE,
                         ids=[f"{s[0]}-L{s[1]}{'-bi' if s[2] else ''}{'-bf' if s[3] else ''}"
                              f"{'' if s[4] else '-nobias'}{''.join(f'-{k}' for k in s[5])}" for s in SEQUENCE])
def test_sequence_layer_matches_torch(mode, layers, bidirectional, batch_first, bias, extra, hx):
    dirs = 2 if bidirectional else 1
    out_size = extra.get("proj_size", 4)
    specs = [N(3, 6, 5)]
    if hx:
        specs.append(N(layers * dirs, 3 if batch_first else 6, out_size))
        if mode == "LSTM":
            specs.append(N(layers * dirs, 3 if batch_first else 6, 4))
    check_against_torch(_sequence_model(mode, layers, bidirectional, batch_first, bias, extra), specs,
                        check_name=False, randomize_state=False, atol=1e-4)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_unbatched_sequence_matches_torch(mode):
    build = _sequence_model(mode, 2, True, False, True, {})
    specs = [N(7, 5), N(4, 4)] + ([N(4, 4)] if mode == "LSTM" else [])
    check_against_torch(build, specs, check_name=False, randomize_state=False, atol=1e-4)


# ---- the whole-sequence path (one node per layer and direction, ember.nn._functional.rnn.layer)
@pytest.mark.parametrize("use", ["output", "final"])
@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_sequence_layer_with_one_of_its_results_used_matches_torch(mode, use):
    specs = [N(4, 3, 5, grad=True), N(2, 3, 4)] + ([N(2, 3, 4)] if mode == "LSTM" else [])
    check_against_torch(_sequence_model(mode, 2, False, False, True, {}, use), specs, check_name=False,
                        randomize_state=False, atol=1e-4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_sequence_layer_double_backward_matches_torch(mode, bidirectional, dtype):
    rng = np.random.default_rng(3)
    xa = rng.standard_normal((4, 3, 5)).astype(dtype)
    torch.manual_seed(0)
    tm = getattr(torch.nn, mode)(5, 4, 2, bidirectional=bidirectional).to(getattr(torch, dtype))
    em = getattr(ember.nn, mode)(5, 4, 2, bidirectional=bidirectional).to(getattr(ember, dtype))
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    results = []
    for lib, m in ((torch, tm), (ember, em)):
        x = lib.from_numpy(xa.copy()).requires_grad_()
        out, hn = m(x)
        hn = hn[1] if mode == "LSTM" else hn
        w = m.weight_hh_l0
        gx, gw = lib.autograd.grad((out * out).sum() + (hn * hn).sum(), (x, w), create_graph=True)
        assert gx.requires_grad and gw.requires_grad
        results.append([gx, gw] + list(lib.autograd.grad((gx * gx).sum() + gw.sum(), (x, w))))
    for e, t in zip(results[1], results[0]):
        assert_close(e, t, atol=1e-4 if dtype == "float32" else 1e-10, rtol=1e-4 if dtype == "float32" else 1e-8)


@pytest.mark.parametrize("extra", [{}, {"bidirectional": True}, {"batch_first": True}, {"dropout": 0.5}])
def test_lstm_output_and_states_are_recorded_as_in_torch(extra):
    names = []
    for lib in (torch, ember):
        m = lib.nn.LSTM(3, 4, 2, **extra)
        out, (hn, cn) = m(lib.randn(5, 2, 3))
        names.append([(t.grad_fn.name(), len(t.grad_fn.next_functions)) for t in (out, hn, cn)])
    assert names[1] == names[0]


def test_dropout_between_layers_is_off_in_eval_and_active_in_training():
    m = ember.nn.GRU(5, 4, 3, dropout=0.5)
    x = ember.randn(4, 2, 5)
    m.eval()
    assert (m(x)[0] - m(x)[0]).abs().max().item() == 0
    m.train()
    assert (m(x)[0] - m(x)[0]).abs().max().item() > 0


def _cell_model(cls, bias, extra):
    def build(nn):
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.cell = getattr(nn, cls)(5, 4, bias=bias, **extra)

            def forward(self, x, *h):
                hx = None if not h else (tuple(h) if cls == "LSTMCell" else h[0])
                out = self.cell(x, hx)
                if cls == "LSTMCell":
                    out = out[0] * 2 + out[1]
                out = self.cell(x * 0.5, (out, out) if cls == "LSTMCell" else out)  # a second step
                return out[0] + out[1] * 3 if cls == "LSTMCell" else out
        return M()
    return build


CELLS = [(c, b, e) for c in ("RNNCell", "LSTMCell", "GRUCell") for b in (True, False) for e in ({},)]
CELLS.append(("RNNCell", True, {"nonlinearity": "relu"}))


@pytest.mark.parametrize("hx", [False, True], ids=["no-h0", "h0"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("cls,bias,extra", CELLS, ids=[f"{c[0]}{'' if c[1] else '-nobias'}{'-relu' if c[2] else ''}"
                                                       for c in CELLS])
def test_cell_matches_torch(cls, bias, extra, hx, batched):
    lead = (3,) if batched else ()
    specs = [N(*lead, 5)] + ([N(*lead, 4)] * (2 if cls == "LSTMCell" else 1) if hx else [])
    check_against_torch(_cell_model(cls, bias, extra), specs, check_name=False, randomize_state=False, atol=1e-4)


@pytest.mark.parametrize("expr", ["nn.LSTM(10, 20, 2, bidirectional=True, proj_size=5)", "nn.GRU(3, 4, bias=False)",
                                  "nn.RNN(3, 4, 3, nonlinearity='relu', batch_first=True)", "nn.LSTMCell(3, 4)",
                                  "nn.GRUCell(3, 4, bias=False)", "nn.RNNCell(3, 4, nonlinearity='relu')"])
def test_parameter_names_shapes_and_init_match_torch(expr):
    ember.manual_seed(0)
    em, tm = eval(expr, {"nn": ember.nn}), eval(expr, {"nn": torch.nn})
    assert repr(em) == repr(tm)
    assert [(n, tuple(p.shape)) for n, p in em.named_parameters()] == [(n, tuple(p.shape))
                                                                       for n, p in tm.named_parameters()]
    assert list(em.state_dict()) == list(tm.state_dict())
    bound = 1 / math.sqrt(em.hidden_size)
    values = np.concatenate([p.detach().numpy().ravel() for p in em.parameters()])
    assert values.dtype == np.float32
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
    assert abs(values.mean()) < 0.1 * bound  # centred, as U(-b, b)


REPRS = ["nn.LSTM(10, 20, num_layers=2, batch_first=True)", "nn.LSTM(10, 20, 2)", "nn.RNN(10, 20)",
         "nn.GRU(10, 20, bidirectional=True)", "nn.LSTM(10, 20, proj_size=5, bias=False, dropout=0.5)",
         "nn.RNN(3, 4, nonlinearity='relu')", "nn.RNNCell(3, 4)", "nn.RNNCell(3, 4, nonlinearity='relu', bias=False)",
         "nn.LSTMCell(3, 4)", "nn.GRUCell(3, 4)"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(eval(expr, {"nn": ember.nn})) == repr(eval(expr, {"nn": torch.nn}))


ERRORS = [
    ("nn.LSTM(10, 20, 2)", lambda lib: (lib.zeros(5, 3, 11),)),
    ("nn.LSTM(10, 20, 2)", lambda lib: (lib.zeros(5, 3, 10), (lib.zeros(2, 3, 21), lib.zeros(2, 3, 20)))),
    ("nn.LSTM(10, 20, 2)", lambda lib: (lib.zeros(5, 3, 10), (lib.zeros(2, 3, 20), lib.zeros(2, 4, 20)))),
    ("nn.LSTM(10, 20, 2)", lambda lib: (lib.zeros(5, 3, 10), (lib.zeros(2, 20), lib.zeros(2, 20)))),
    ("nn.LSTM(10, 20, 2)", lambda lib: (lib.zeros(2, 5, 3, 10),)),
    ("nn.RNN(10, 20)", lambda lib: (lib.zeros(5, 3, 10), lib.zeros(1, 3, 21))),
    ("nn.RNN(10, 20)", lambda lib: (lib.zeros(5, 3, 10), lib.zeros(3, 20))),
    ("nn.RNNCell(3, 4)", lambda lib: (lib.zeros(2, 5, 3),)),
    ("nn.RNNCell(3, 4)", lambda lib: (lib.zeros(2, 4),)),
    ("nn.RNNCell(3, 4)", lambda lib: (lib.zeros(2, 3), lib.zeros(3, 4))),
    ("nn.LSTMCell(3, 4)", lambda lib: (lib.zeros(2, 3), (lib.zeros(2, 5), lib.zeros(2, 4)))),
]


@pytest.mark.parametrize("expr,args", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_bad_input_raises_like_torch(expr, args):
    em, tm = eval(expr, {"nn": ember.nn}), eval(expr, {"nn": torch.nn})
    t, e = raises_like(lambda: tm(*args(torch)), lambda: em(*args(ember)))
    assert str(e).startswith(str(t))


@pytest.mark.parametrize("expr", ["nn.RNN(3, 4, nonlinearity='foo')", "nn.LSTM(3, 4, dropout=1.5)",
                                  "nn.GRU(3, 4, proj_size=2)", "nn.LSTM(3, 4, proj_size=4)"])
def test_bad_constructor_arguments_raise_like_torch(expr):
    t, e = raises_like(lambda: eval(expr, {"nn": torch.nn}), lambda: eval(expr, {"nn": ember.nn}))
    assert str(e) == str(t)


def _packed_model(mode, bidirectional, lengths, enforce_sorted, batch_first):
    """pack_padded_sequence -> the layer -> pad_packed_sequence, with h_n folded into the output."""
    def build(nn):
        rnn_utils = nn.utils.rnn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(nn, mode)(5, 4, 2, bidirectional=bidirectional, batch_first=batch_first)

            def forward(self, x, *h):
                packed = rnn_utils.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                                        enforce_sorted=enforce_sorted)
                out, hn = self.rnn(packed, None if not h else (tuple(h) if mode == "LSTM" else h[0]))
                padded, lens = rnn_utils.pad_packed_sequence(out, batch_first=batch_first, total_length=6)
                assert lens.tolist() == list(lengths)
                if mode == "LSTM":
                    hn = hn[0] + hn[1] * 2
                return padded * 3 + (hn * hn).sum()
        return M()
    return build


PACKED = [(m, bi, lengths, sort, bf) for m in ("RNN", "LSTM", "GRU") for bi in (False, True)
          for lengths, sort in (((6, 4, 4, 1), True), ((2, 6, 3, 5), False)) for bf in (False, True)]


@pytest.mark.parametrize("hx", [False, True], ids=["no-h0", "h0"])
@pytest.mark.parametrize("mode,bidirectional,lengths,enforce_sorted,batch_first", PACKED,
                         ids=[f"{p[0]}{'-bi' if p[1] else ''}-{''.join(map(str, p[2]))}{'-bf' if p[4] else ''}"
                              for p in PACKED])
def test_packed_sequence_through_layer_matches_torch(mode, bidirectional, lengths, enforce_sorted, batch_first, hx):
    dirs = 2 if bidirectional else 1
    specs = [N(4, 6, 5) if batch_first else N(6, 4, 5)]
    if hx:
        specs += [N(2 * dirs, 4, 4)] * (2 if mode == "LSTM" else 1)
    check_against_torch(_packed_model(mode, bidirectional, lengths, enforce_sorted, batch_first), specs,
                        check_name=False, randomize_state=False, atol=1e-4)


def test_packing_utilities_match_torch():
    rng = np.random.default_rng(9)
    seqs = [rng.standard_normal((n, 3)).astype(np.float32) for n in (3, 5, 1, 5)]
    results = []
    for lib in (torch, ember):
        U = lib.nn.utils.rnn
        ts = [lib.tensor(s, requires_grad=True) for s in seqs]
        packed = U.pack_sequence(ts, enforce_sorted=False)
        padded, lengths = U.pad_packed_sequence(packed, batch_first=True, padding_value=-1.0)
        left = U.pad_sequence(ts, batch_first=True, padding_side="left")
        pieces = U.unpack_sequence(packed)
        (padded * padded).sum().backward()
        results.append((packed, padded, lengths, left, pieces, [t.grad for t in ts]))
    (tp, tpad, tl, tleft, tpieces, tg), (ep, epad, el, eleft, epieces, eg) = results
    for name in ("data", "batch_sizes", "sorted_indices", "unsorted_indices"):
        np.testing.assert_array_equal(getattr(ep, name).detach().numpy(), getattr(tp, name).detach().numpy())
    for e, t in [(epad, tpad), (el, tl), (eleft, tleft)] + list(zip(epieces, tpieces)) + list(zip(eg, tg)):
        np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())
    assert repr(ember.nn.utils.rnn.pack_sequence([ember.ones(2), ember.ones(1)])) == \
        repr(torch.nn.utils.rnn.pack_sequence([torch.ones(2), torch.ones(1)]))


@pytest.mark.parametrize("call", [lambda U, lib: U.pack_padded_sequence(lib.zeros(5, 3, 2), [2, 5, 3]),
                                  lambda U, lib: U.pack_padded_sequence(lib.zeros(5, 3, 2), [2, 0, 3],
                                                                        enforce_sorted=False),
                                  lambda U, lib: U.pad_packed_sequence(U.pack_sequence([lib.ones(3)]), total_length=2)])
def test_packing_errors_match_torch(call):
    t, e = raises_like(lambda: call(torch.nn.utils.rnn, torch), lambda: call(ember.nn.utils.rnn, ember))
    assert str(e) == str(t)
