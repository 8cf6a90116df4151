"""Lazy modules against PyTorch's: the printed module before the first input, the class, printed module,
parameter and buffer shapes after it, and (with PyTorch's initialised weights copied in) the same forward."""
import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import copy_state, assert_close, raises_like

CASES = [
    ("LazyConv1d", (4, 3), {}, (2, 3, 9)), ("LazyConv1d", (4, 3), {}, (3, 9)),
    ("LazyConv2d", (4, 3), {"stride": 2, "padding": 1}, (2, 3, 7, 7)),
    ("LazyConv2d", (4, 3), {"groups": 2, "bias": False}, (1, 6, 5, 5)),
    ("LazyConv3d", (2, 2), {}, (1, 3, 4, 4, 4)),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2}, (2, 3, 5)),
    ("LazyConvTranspose2d", (4, 3), {"groups": 2, "output_padding": 1, "stride": 2}, (1, 4, 4, 4)),
    ("LazyConvTranspose3d", (2, 2), {}, (1, 3, 3, 3, 3)),
    ("LazyBatchNorm1d", (), {}, (5, 3)), ("LazyBatchNorm1d", (), {"affine": False}, (5, 3, 4)),
    ("LazyBatchNorm2d", (), {"momentum": 0.3}, (2, 3, 4, 4)),
    ("LazyBatchNorm3d", (), {"track_running_stats": False}, (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 6)), ("LazyInstanceNorm1d", (), {}, (3, 6)),
    ("LazyInstanceNorm2d", (), {"affine": False, "track_running_stats": False}, (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), {}, (1, 2, 3, 3, 3)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_lazy_module_matches_torch(name, args, kwargs, shape):
    tm, em = getattr(torch.nn, name)(*args, **kwargs), getattr(ember.nn, name)(*args, **kwargs)
    assert repr(em) == repr(tm)
    assert em.has_uninitialized_params() == tm.has_uninitialized_params()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    try:
        tm(torch.from_numpy(x))
    except Exception:  # noqa: BLE001 - torch decides that this input is wrong
        raises_like(lambda: tm(torch.from_numpy(x)), lambda: em(ember.from_numpy(x)))
        return
    em(ember.from_numpy(x))
    assert type(em).__name__ == type(tm).__name__ and repr(em) == repr(tm)
    assert [(k, tuple(v.shape), str(v.dtype)) for k, v in em.state_dict().items()] == \
        [(k, tuple(v.shape), str(v.dtype)) for k, v in tm.state_dict().items()]
    # the default initialisation ran: weights drawn (not left uninitialised), norm weights 1 and biases 0
    for k, v in em.named_parameters():
        assert np.isfinite(v.detach().numpy()).all(), k
    copy_state(tm, em)
    tm.train(), em.train()
    assert_close(em(ember.from_numpy(x)), tm(torch.from_numpy(x)), what="output")


def test_lazy_linear_style_initialisation_scale():
    """The conv weights are drawn with the real in_channels' bound (kaiming_uniform a=sqrt(5): 1/sqrt(fan_in))."""
    em = ember.nn.LazyConv2d(64, 3)
    em(ember.zeros(1, 16, 5, 5))
    bound = 1 / np.sqrt(16 * 9)
    w = em.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_uninitialized_buffer_is_exported():
    assert ember.nn.UninitializedBuffer is ember.nn.parameter.UninitializedBuffer
