"""AdaptiveLogSoftmaxWithLoss against PyTorch's, with PyTorch's weights copied in: forward's (output, loss),
their gradients, log_prob, predict, the printed module and the errors."""
import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import copy_state, assert_close, raises_like


def _pair(**kw):
    torch.manual_seed(0)
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, **kw)
    em = ember.nn.AdaptiveLogSoftmaxWithLoss(8, 20, **kw)
    copy_state(tm, em)
    return tm, em


@pytest.mark.parametrize("kw", [{"cutoffs": [5, 12]}, {"cutoffs": [3], "div_value": 2.0, "head_bias": True},
                                {"cutoffs": [2, 6, 15]}])
def test_matches_torch(kw):
    tm, em = _pair(**kw)
    assert repr(em) == repr(tm)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 8)).astype(np.float32)
    y = np.array([0, 1, 4, 5, 11, 12, 19, 3, 7])
    xt, xe = torch.from_numpy(x).requires_grad_(), ember.from_numpy(x.copy()).requires_grad_()
    t_out, e_out = tm(xt, torch.from_numpy(y)), em(xe, ember.from_numpy(y))
    assert type(e_out).__name__ == type(t_out).__name__ and e_out._fields == t_out._fields
    assert_close(e_out.output, t_out.output, what="output")
    assert_close(e_out.loss, t_out.loss, what="loss")
    t_out.loss.backward()
    e_out.loss.backward()
    assert_close(xe.grad, xt.grad, what="input grad")
    for (name, tp), ep in zip(tm.named_parameters(), em.parameters()):
        assert_close(ep.grad, tp.grad, what=name)
    with torch.no_grad():
        assert_close(em.log_prob(ember.from_numpy(x)), tm.log_prob(torch.from_numpy(x)), what="log_prob")
        assert_close(em.predict(ember.from_numpy(x)), tm.predict(torch.from_numpy(x)), what="predict")
        one_t, one_e = tm(torch.from_numpy(x[0]), torch.tensor(12)), em(ember.from_numpy(x[0]), ember.tensor(12))
        assert_close(one_e.output, one_t.output, what="unbatched")


@pytest.mark.parametrize("make", [
    lambda L: L.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5, 5]),
    lambda L: L.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [12, 5]),
    lambda L: L.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5, 20]),
    lambda L: L.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5])(L.zeros(2, 8), L.tensor([1, 20])),
    lambda L: L.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5])(L.zeros(2, 8), L.tensor([1, 2, 3])),
], ids=["repeated", "unsorted", "too-large", "target-out-of-range", "batch-mismatch"])
def test_errors_match_torch(make):
    raises_like(lambda: make(torch), lambda: make(ember))
