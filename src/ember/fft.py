"""ember.fft, PyTorch's torch.fft: discrete Fourier transforms and their helpers, differentiable.

Every transform resizes its input (n= / s= crop or zero-pad), then runs one of three primitives in
ember/_ops/fft.py: complex-to-complex, real-to-complex or complex-to-real. hfft/ihfft are irfft/rfft of
the conjugate under the dual norm, as in PyTorch.
"""
import numpy as np

from . import _dtype as D
from ._tensor import Tensor
from ._ops.fft import fft_c2c, fft_r2c, fft_c2r, zero_pad, complex_dtype_for, DUAL
from ._ops.pointwise import _into
from ._ops.registry import wrap

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


# ---------------------------------------------------------------------- arguments
def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in DUAL:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _check_tensor(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _points(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return n


def _dims_and_sizes(input, s, dim, default_all=True):
    """The (sorted-as-given) dims a transform runs over and the size each is cut or padded to."""
    ndim = input._data.ndim
    if dim is not None:
        dim = (dim,) if isinstance(dim, int) else tuple(dim)
        if ndim == 0 and dim:
            raise IndexError(f"Dimension specified as {dim[0]} but tensor has no dimensions")
        dims = [input._wrap_dim(d) for d in dim]
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {ndim} dimensions.")
        dims = list(range(ndim - len(s), ndim))
    else:
        dims = list(range(ndim)) if default_all else []
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    shape = input._data.shape
    sizes = [shape[d] if s is None or s[i] == -1 else s[i] for i, d in enumerate(dims)]
    return tuple(dims), [_points(n) for n in sizes]


def _resized(x, dims, sizes):
    for d, n in zip(dims, sizes):
        x = zero_pad(x, d, n)
    return x


def _complex(x, dt):
    return x if x._dtype is dt else x.to(dt)


def _real(x, name):
    dt = complex_dtype_for(x).to_real()
    if x._dtype.is_complex:
        got = D._LEGACY[x._dtype.name]
        if name.startswith("ihfft") and name != "ihfft":
            raise RuntimeError(f"Only supports floating-point dtypes, but found: {got}")
        kind = "a real-valued" if name in ("rfft2", "rfftn") else "a real"
        raise RuntimeError(f"{name.replace('rfft2', 'rfftn')} expects {kind} input tensor, but got {got}")
    return x if x._dtype is dt else x.to(dt)


# ---------------------------------------------------------------------- the n-dimensional transforms
def _c2c(name, input, s, dim, norm, forward, out):
    _check_tensor(name, input)
    dt = complex_dtype_for(input)
    dims, sizes = _dims_and_sizes(input, s, dim)
    x, norm = _resized(input, dims, sizes), _norm(norm)
    if x._dtype.is_complex or not dims:
        res = fft_c2c(_complex(x, dt), dims, norm, forward)
    elif forward:  # a real signal's full spectrum, as torch's r2c without halving
        res = fft_r2c(_real(x, name), dims, norm, False)
    else:  # ifft of a real x is the conjugate of its forward transform under the dual norm
        res = fft_r2c(_real(x, name), dims, DUAL[norm], False).conj()
    return _into(out, res)


def _r2c(name, input, s, dim, norm, out, conjugate=False):
    _check_tensor(name, input)
    x = None if conjugate else _real(input, name)  # rfft checks the dtype before the dims, ihfft after
    dims, sizes = _dims_and_sizes(input, s, dim)
    if not dims:
        raise RuntimeError(f"{name.replace('2', 'n')} must transform at least one axis")
    x, norm = x if x is not None else _real(input, name), _norm(norm)
    res = fft_r2c(_resized(x, dims, sizes), dims, DUAL[norm] if conjugate else norm, True)
    return _into(out, res.conj() if conjugate else res)


def _c2r(name, input, s, dim, norm, out, conjugate=False):
    _check_tensor(name, input)
    dt = complex_dtype_for(input)
    dims, sizes = _dims_and_sizes(input, s, dim)
    if not dims:
        raise RuntimeError(f"{name.replace('2', 'n')} must transform at least one axis")
    last = dims[-1]
    if s is None or s[-1] == -1:  # the signal a half spectrum of m points came from has 2 (m - 1)
        sizes[-1] = _points(2 * (input._data.shape[last] - 1))
    x = _complex(input, dt)
    if conjugate:
        x = x.conj()
    norm = _norm(norm)
    x = _resized(x, dims, sizes[:-1] + [sizes[-1] // 2 + 1])
    return _into(out, fft_c2r(x, dims, DUAL[norm] if conjugate else norm, sizes[-1]))


def _one(name, n, dim):
    """A 1-d transform's n and dim as an n-d one's s and dim (where an s of -1 keeps the size, an n of -1 is
    invalid), after torch's checks of their types."""
    for arg, v in (("n", n), ("dim", dim)):
        if v is not None and (type(v) is not int):
            raise TypeError(f"fft_{name}(): argument '{arg}' must be int, not {type(v).__name__}")
    return None if n is None else (_points(n),), (dim,)


# ---------------------------------------------------------------------- the public functions
def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.fft: the one-dimensional discrete Fourier transform."""
    return _c2c("fft", input, *_one("fft", n, dim), norm, True, out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.ifft: the inverse of fft."""
    return _c2c("ifft", input, *_one("ifft", n, dim), norm, False, out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.fft2: the two-dimensional discrete Fourier transform."""
    return _c2c("fft2", input, s, dim, norm, True, out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.ifft2: the inverse of fft2."""
    return _c2c("ifft2", input, s, dim, norm, False, out)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.fftn: the n-dimensional discrete Fourier transform (over every dim by default)."""
    return _c2c("fftn", input, s, dim, norm, True, out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.ifftn: the inverse of fftn."""
    return _c2c("ifftn", input, s, dim, norm, False, out)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.rfft: the Fourier transform of a real signal, its n // 2 + 1 non-negative frequencies."""
    return _r2c("rfft", input, *_one("rfft", n, dim), norm, out)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.irfft: the inverse of rfft, a real signal of n (default 2 * (m - 1)) points."""
    return _c2r("irfft", input, *_one("irfft", n, dim), norm, out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.rfft2: the two-dimensional rfft (halved in the last dim)."""
    return _r2c("rfft2", input, s, dim, norm, out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.irfft2: the inverse of rfft2."""
    return _c2r("irfft2", input, s, dim, norm, out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.rfftn: the n-dimensional rfft (halved in the last transformed dim)."""
    return _r2c("rfftn", input, s, dim, norm, out)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.irfftn: the inverse of rfftn."""
    return _c2r("irfftn", input, s, dim, norm, out)


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.hfft: the transform of a Hermitian-symmetric signal given by its first half, a real spectrum."""
    return _c2r("hfft", input, *_one("hfft", n, dim), norm, out, conjugate=True)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.ihfft: the inverse of hfft, the first half of a real signal's inverse transform."""
    return _r2c("ihfft", input, *_one("ihfft", n, dim), norm, out, conjugate=True)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.hfft2: the two-dimensional hfft."""
    return _c2r("hfft2", input, s, dim, norm, out, conjugate=True)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.ihfft2: the inverse of hfft2."""
    return _r2c("ihfft2", input, s, dim, norm, out, conjugate=True)


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.hfftn: the n-dimensional hfft."""
    return _c2r("hfftn", input, s, dim, norm, out, conjugate=True)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.ihfftn: the inverse of hfftn."""
    return _r2c("ihfftn", input, s, dim, norm, out, conjugate=True)


# ---------------------------------------------------------------------- frequencies and shifts
def _frequencies(name, values, dtype, requires_grad):
    dt = D.get_default_dtype() if dtype is None else D.to_dtype(dtype)
    if dt._cat < 2:
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    if dt.is_complex:  # torch builds the frequencies with arange, which has no complex kernel
        raise NotImplementedError(f'"arange_cpu" not implemented for \'{D._LEGACY[dt.name]}\'')
    res = wrap(values, dt)
    return res.requires_grad_() if requires_grad else res


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.fft.fftfreq: the sample frequencies of an n-point fft with sample spacing d."""
    return _into(out, _frequencies("fftfreq", np.fft.fftfreq(n, d) if n else np.zeros(0), dtype, requires_grad))


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.fft.rfftfreq: the n // 2 + 1 non-negative sample frequencies of an n-point rfft."""
    return _into(out, _frequencies("rfftfreq", np.arange(n // 2 + 1) / (n * d), dtype, requires_grad))


def _shift(input, dim, half):
    dims = tuple(range(input.ndim)) if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
    if not dims:
        raise RuntimeError("`shifts` required")
    return input.roll([half(input.shape[d]) for d in dims], dims)


def fftshift(input, dim=None):
    """torch.fft.fftshift: moves the zero frequency to the centre (rolls each dim by half its size)."""
    return _shift(input, dim, lambda n: n // 2)


def ifftshift(input, dim=None):
    """torch.fft.ifftshift: the inverse of fftshift."""
    return _shift(input, dim, lambda n: (n + 1) // 2)

