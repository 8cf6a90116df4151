"""An LSTM layer's whole-sequence compiled loops (ember._kernels.rnn.lstm_forward/lstm_backward) against
torch: one thread or the batch split between two, float32 and float64, both directions, and a W_hh whose
strides the loop's BLAS call cannot take (then the layer steps in Python)."""
import numpy as np
import pytest
import torch

import ember

pytest.importorskip("numba")
from ember._kernels import rnn as kernels  # noqa: E402


@pytest.fixture
def threads(request):
    n = ember.get_num_threads()
    ember.set_num_threads(request.param)
    yield request.param
    ember.set_num_threads(n)


def _relaid(w, how):
    """w's values in other strides: transposed storage, or every other column of a wider array."""
    if how == "transposed":
        return ember.nn.Parameter(ember.tensor(np.ascontiguousarray(w.detach().numpy().T)).t())
    wide = ember.zeros(w.shape[0], 2 * w.shape[1], dtype=w.dtype)
    wide[:, ::2] = w.detach()
    return ember.nn.Parameter(wide[:, ::2])


@pytest.mark.parametrize("threads", [1, 2], indirect=True)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("weights", ["contiguous", "transposed", "strided"])
def test_lstm_sequence_loops_match_torch(threads, dtype, weights, monkeypatch):
    ran = []
    forward = kernels.lstm_forward
    monkeypatch.setattr(kernels, "lstm_forward", lambda *a: ran.append(forward(*a)) or ran[-1])
    torch.manual_seed(3)
    t_dtype, e_dtype = getattr(torch, dtype), getattr(ember, dtype)
    ref = torch.nn.LSTM(6, 5, bidirectional=True).to(t_dtype)
    ours = ember.nn.LSTM(6, 5, bidirectional=True).to(e_dtype)
    for name, p in ref.named_parameters():
        value = ember.tensor(p.detach().numpy())
        setattr(ours, name, ember.nn.Parameter(value) if weights == "contiguous" or "weight_hh" not in name
                else _relaid(value, weights))
    x, h0, c0 = (np.random.default_rng(i).normal(size=s) for i, s in enumerate([(7, 5, 6), (2, 5, 5), (2, 5, 5)]))
    tx, th, tc = (torch.tensor(a, dtype=t_dtype, requires_grad=True) for a in (x, h0, c0))
    ex, eh, ec = (ember.tensor(a, dtype=e_dtype, requires_grad=True) for a in (x, h0, c0))
    t_out, (t_hn, t_cn) = ref(tx, (th, tc))
    e_out, (e_hn, e_cn) = ours(ex, (eh, ec))
    g = np.random.default_rng(9).normal(size=(7, 5, 10))
    (t_out * torch.tensor(g, dtype=t_dtype)).sum().add(t_hn.sum() + (t_cn * t_cn).sum()).backward()
    (e_out * ember.tensor(g, dtype=e_dtype)).sum().add(e_hn.sum() + (e_cn * e_cn).sum()).backward()
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    pairs = [(e_out, t_out), (e_hn, t_hn), (e_cn, t_cn), (ex.grad, tx.grad), (eh.grad, th.grad), (ec.grad, tc.grad)]
    for a, b in pairs:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad.numpy(), p.grad.numpy(), **tol)
    assert ran == [weights != "strided"] * 2  # both directions in the compiled loop, or both stepped in Python
