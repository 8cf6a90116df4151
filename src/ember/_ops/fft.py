"""The three discrete Fourier transforms every torch.fft function is built from (PyTorch's _fft_c2c,
_fft_r2c and _fft_c2r): forward by numpy.fft, gradient rule the adjoint transform, in Ember ops.

`norm` is "backward" (no scaling forward, 1/n inverse), "forward" (1/n forward) or "ortho" (1/sqrt(n) both
ways). The adjoint of a transform is the opposite-direction transform under the dual norm (DUAL), since
the DFT matrix's conjugate transpose is n times its inverse.
"""
import numpy as np

from .. import _dtype as D
from ..autograd.graph import record
from .registry import node_class, wrap

DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def fft_c2c(x, dims, norm, forward):
    """The complex-to-complex transform of x over dims (the inverse one when forward is False)."""
    fn = np.fft.fftn if forward else np.fft.ifftn
    res = wrap(fn(x._data, axes=dims, norm=norm) if dims else x._data.copy(), x._dtype)
    record(_C2C, res, (x,), (dims, norm, forward))
    return res


def fft_r2c(x, dims, norm, onesided):
    """The forward transform of a real x over dims; onesided keeps only the first n // 2 + 1 frequencies of
    the last dim (the rest are their conjugates)."""
    a = x._data
    out = np.fft.rfftn(a, axes=dims, norm=norm) if onesided else np.fft.fftn(a, axes=dims, norm=norm)
    res = wrap(out, x._dtype.to_complex())
    record(_R2C, res, (x,), (dims, norm, onesided, a.shape[dims[-1]]))
    return res


def fft_c2r(x, dims, norm, n):
    """The inverse transform over dims of the half spectrum x (x.shape[dims[-1]] == n // 2 + 1) to a real
    signal with n points in the last dim."""
    a = x._data
    res = wrap(np.fft.irfftn(a, s=[a.shape[d] for d in dims[:-1]] + [n], axes=dims, norm=norm), x._dtype.to_real())
    record(_C2R, res, (x,), (dims, norm, n))
    return res


def _c2c_grad(self, g):
    dims, norm, forward = self.args
    return fft_c2c(g, dims, DUAL[norm], not forward)


def _r2c_grad(self, g):
    dims, norm, onesided, n = self.args
    if onesided:  # the dropped frequencies had no gradient
        g = zero_pad(g, dims[-1], n)
    return fft_c2c(g, dims, DUAL[norm], False).real


def _c2r_grad(self, g):
    # each of the frequencies 1 .. (n - 1) // 2 stands for itself and its conjugate twin
    dims, norm, n = self.args
    G = fft_r2c(g, dims, DUAL[norm], True)
    twice = np.full(n // 2 + 1, 2.0)
    twice[0] = 1.0
    if n % 2 == 0:
        twice[-1] = 1.0
    shape = [1] * G.ndim
    shape[dims[-1]] = -1
    return G * wrap(twice.reshape(shape), G._dtype.to_real())


_C2C = node_class("FftC2CBackward0", _c2c_grad)
_R2C = node_class("FftR2CBackward0", _r2c_grad)
_C2R = node_class("FftC2RBackward0", _c2r_grad)


def zero_pad(x, dim, n):
    """x with its dim cut or zero-padded to n entries (differentiable)."""
    m = x._data.shape[dim]
    if m == n:
        return x
    if m > n:
        return x.narrow(dim, 0, n)
    shape = list(x._data.shape)
    shape[dim] = n - m
    from .shape import cat
    return cat([x, wrap(np.zeros(shape, x._dtype.np), x._dtype)], dim)


def complex_dtype_for(x):
    """The complex dtype a transform of x computes in (integers as the default float), or torch's error."""
    dt = x._dtype
    if dt in (D.float16, D.bfloat16):
        raise RuntimeError(f"Unsupported dtype {D._LEGACY[dt.name]}")
    if dt._cat < 2:
        dt = D.get_default_dtype()
    return dt.to_complex()
