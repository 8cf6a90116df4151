"""RNN, LSTM, GRU and their cells against PyTorch through the shared harness: weights copied from
the torch module, outputs, final states and every gradient compared; names, shapes, default init,
torch's errors and printed text."""
import itertools
import math

import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import N, check_against_torch, raises_like


def _sequence_model(mode, layers, bidirectional, batch_first, bias, extra):
    """The layer inside a module whose output folds in h_n (and c_n), so all of them get gradients."""
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
                return out * 3 + (hn * hn).sum()
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
