"""nn.utils against PyTorch: gradient clipping by norm and by value, and parameters <-> vector."""
import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import copy_state, assert_close


def _with_grads(scale=1.0):
    t = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    e = ember.nn.Sequential(ember.nn.Linear(4, 5), ember.nn.Tanh(), ember.nn.Linear(5, 2))
    copy_state(t, e)
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32) * scale
    (t(torch.from_numpy(x)) ** 2).sum().backward()
    (e(ember.from_numpy(x.copy())) ** 2).sum().backward()
    return t, e


@pytest.mark.parametrize("max_norm,norm_type", [(0.1, 2.0), (100.0, 2.0), (0.5, 1.0), (0.05, float("inf")),
                                                (0.3, 3)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    t, e = _with_grads()
    tn = torch.nn.utils.clip_grad_norm_(t.parameters(), max_norm, norm_type)
    en = ember.nn.utils.clip_grad_norm_(e.parameters(), max_norm, norm_type)
    assert_close(en, tn)
    for (n, tp), (_, ep) in zip(t.named_parameters(), e.named_parameters()):
        assert_close(ep.grad, tp.grad, what=n)


def test_clip_grad_norm_edge_cases():
    p = ember.nn.Parameter(ember.ones(3))
    assert ember.nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients at all
    p.grad = ember.tensor([float("inf"), 0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        ember.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("max_norm", [100.0, 0.01], ids=["unclipped", "clipped"])
def test_clip_grad_norm_counts_a_version_clipped_or_not(max_norm):
    """torch multiplies every gradient in place even by 1 (Ember skips that product, not the count):
    each gradient's version goes up by one either way, and its values are torch's."""
    grads = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(3))
        p.grad = lib.tensor([0.1, -0.2, 0.3])
        before = p.grad._version
        lib.nn.utils.clip_grad_norm_([p], max_norm)
        assert p.grad._version == before + 1
        grads.append(p.grad)
    assert_close(grads[1], grads[0])


def test_clip_grad_value_matches_torch():
    t, e = _with_grads(scale=3.0)
    assert torch.nn.utils.clip_grad_value_(t.parameters(), 0.5) is None
    assert ember.nn.utils.clip_grad_value_(e.parameters(), 0.5) is None
    for (n, tp), (_, ep) in zip(t.named_parameters(), e.named_parameters()):
        assert_close(ep.grad, tp.grad, what=n)
        assert ep.grad.abs().max().item() <= 0.5


def test_parameters_to_vector_and_back():
    t, e = _with_grads()
    tv = torch.nn.utils.parameters_to_vector(t.parameters())
    ev = ember.nn.utils.parameters_to_vector(e.parameters())
    assert_close(ev, tv)
    assert ev.requires_grad
    new = ember.arange(ev.numel(), dtype=ember.float32)
    ember.nn.utils.vector_to_parameters(new, e.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(tv.numel(), dtype=torch.float32), t.parameters())
    for (n, tp), (_, ep) in zip(t.named_parameters(), e.named_parameters()):
        assert_close(ep, tp, what=n)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        ember.nn.utils.vector_to_parameters([1.0], e.parameters())
