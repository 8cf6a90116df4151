"""ember.signal.windows (torch.signal.windows): window functions of length M, symmetric by default
(sym=False gives the periodic window, for spectral analysis). The values come from scipy.signal.windows."""
import numpy as np
from scipy.signal import windows as _sw

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]


def _make(name, M, sym, dtype, device, requires_grad, values):
    from .. import tensor, get_default_dtype
    if not isinstance(M, int) or M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    dt = dtype or get_default_dtype()
    if not dt.is_floating_point:
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dt}")
    arr = values(M, sym) if M else np.zeros(0)
    return tensor(np.asarray(arr, dt.np), dtype=dt, device=device, requires_grad=requires_grad)


def _window(name, values, doc):
    def window(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False, **params):
        return _make(name, M, sym, dtype, device, requires_grad, lambda m, s: values(m, s, **params))
    window.__name__ = window.__qualname__ = name
    window.__doc__ = doc
    return window


bartlett = _window("bartlett", lambda m, s: _sw.bartlett(m, s), "The triangular window, zero at both ends.")
blackman = _window("blackman", lambda m, s: _sw.blackman(m, s), "The Blackman window (three cosine terms).")
cosine = _window("cosine", lambda m, s: _sw.cosine(m, s), "A half period of a sine.")
hann = _window("hann", lambda m, s: _sw.hann(m, s), "The Hann window (a raised cosine).")
hamming = _window("hamming", lambda m, s: _sw.hamming(m, s), "The Hamming window (0.54 - 0.46 cos).")
nuttall = _window("nuttall", lambda m, s: _sw.nuttall(m, s), "Nuttall's four-term minimum Blackman-Harris window.")
gaussian = _window("gaussian", lambda m, s, std=1.0: _sw.gaussian(m, std, s), "exp(-n^2 / (2 std^2)) about the centre.")
kaiser = _window("kaiser", lambda m, s, beta=12.0: _sw.kaiser(m, beta, s), "The Kaiser window of shape beta.")
general_hamming = _window("general_hamming", lambda m, s, alpha=0.54: _sw.general_hamming(m, alpha, s),
                          "alpha - (1 - alpha) cos(2 pi n / (M - 1)).")


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """A sum of cosine terms with coefficients a."""
    return _make("general_cosine", M, sym, dtype, device, requires_grad, lambda m, s: _sw.general_cosine(m, a, s))


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """exp(-|n - center| / tau); the centre defaults to the middle."""
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    return _make("exponential", M, sym, dtype, device, requires_grad,
                 lambda m, s: _sw.exponential(m, center, tau, s))
