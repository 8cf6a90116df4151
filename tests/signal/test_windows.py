"""ember.signal.windows against torch.signal.windows: every window, lengths 0-7, symmetric and periodic,
float32 and float64, and the errors."""
import numpy as np
import pytest
import torch

import ember

PLAIN = ["bartlett", "blackman", "cosine", "hann", "hamming", "nuttall", "gaussian", "kaiser", "general_hamming"]
PARAMS = {"gaussian": {"std": 2.5}, "kaiser": {"beta": 4.0}, "general_hamming": {"alpha": 0.6}}


@pytest.mark.parametrize("name", PLAIN)
@pytest.mark.parametrize("sym", [True, False])
def test_window_matches_torch(name, sym):
    for M in range(8):
        for dt in ("float32", "float64"):
            for kw in ({}, PARAMS.get(name, {})):
                e = getattr(ember.signal.windows, name)(M, sym=sym, dtype=getattr(ember, dt), **kw)
                t = getattr(torch.signal.windows, name)(M, sym=sym, dtype=getattr(torch, dt), **kw)
                assert repr(e.dtype) == repr(t.dtype) and tuple(e.shape) == tuple(t.shape)
                np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-6, err_msg=f"{name} {M} {kw}")


def test_exponential_and_general_cosine_match_torch():
    for kw in ({"sym": False, "center": 2.0, "tau": 2.0}, {"tau": 0.5}, {}):
        np.testing.assert_allclose(ember.signal.windows.exponential(7, **kw).numpy(),
                                   torch.signal.windows.exponential(7, **kw).numpy(), rtol=1e-5, atol=1e-6)
    for sym in (True, False):
        np.testing.assert_allclose(ember.signal.windows.general_cosine(6, a=[0.5, 0.3, 0.2], sym=sym).numpy(),
                                   torch.signal.windows.general_cosine(6, a=[0.5, 0.3, 0.2], sym=sym).numpy(),
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call", [lambda L: L.signal.windows.hann(-1),
                                  lambda L: L.signal.windows.hann(4, dtype=L.int64),
                                  lambda L: L.signal.windows.exponential(4, center=1.0)],
                         ids=["negative", "int-dtype", "centre-on-symmetric"])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as t:
        call(torch)
    with pytest.raises(type(t.value)):
        call(ember)


def test_torch_windows_is_the_module():
    assert ember.windows is ember.signal.windows
