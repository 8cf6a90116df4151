"""Short-time Fourier transforms (torch.stft, torch.istft), written with Ember's own ops and ember.fft, so
their gradients come from those ops' rules."""
import math
import warnings

from .._tensor import Tensor
from .registry import op, FUNCTIONS


def _window(window, win_length, n_fft, like):
    """The analysis window, zero-padded on both sides (centred) to n_fft."""
    w = window if window is not None else like.new_ones(win_length, dtype=like.dtype.to_real())
    if w.dim() != 1 or w.shape[0] != win_length:
        raise RuntimeError(f"stft: expected a 1D window tensor of size equal to win_length={win_length}, but got "
                           f"window with size [{', '.join(map(str, w.shape))}]")
    left = (n_fft - win_length) // 2
    return FUNCTIONS["cat"]([w.new_zeros(left), w, w.new_zeros(n_fft - win_length - left)]) if win_length < n_fft \
        else w


@op()
def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """The Fourier transform of each window-weighted frame of n_fft samples, hop_length apart: (freq, frames),
    batched over a leading dim."""
    from .. import fft
    from ..nn import functional as F
    if return_complex is None and not input.is_complex() and not (window is not None and window.is_complex()):
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if input.dim() not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {input.dim()}D tensor")
    hop = hop_length if hop_length is not None else n_fft // 4
    win = win_length if win_length is not None else n_fft
    if not 0 < n_fft <= input.shape[-1] + (2 * (n_fft // 2) if center else 0):
        raise RuntimeError(f"stft: expected 0 < n_fft <= {input.shape[-1]}, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(f"stft: expected hop_length > 0, but got hop_length={hop}")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"stft: expected 0 < win_length <= n_fft, but got win_length={win}")
    x = input if input.dim() == 2 else input.unsqueeze(0)
    if center:
        x = F.pad(x.unsqueeze(1), (n_fft // 2, n_fft // 2), mode=pad_mode).squeeze(1)
    frames = x.unfold(-1, n_fft, hop) * _window(window, win, n_fft, input)
    one = onesided if onesided is not None else not (input.is_complex() or (window is not None and window.is_complex()))
    spec = fft.rfft(frames, dim=-1) if one else fft.fft(frames, dim=-1)
    if normalized:
        spec = spec * (1.0 / math.sqrt(n_fft))
    spec = spec.transpose(-1, -2)
    spec = spec if input.dim() == 2 else spec.squeeze(0)
    if return_complex is False:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                      "complex tensors for all inputs, and return_complex=False will raise an error.", UserWarning,
                      stacklevel=3)
        return FUNCTIONS["view_as_real"](spec)
    return spec


@op()
def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False, onesided=None,
          length=None, return_complex=False):
    """The inverse of stft: inverse transform of each frame, windowed again, overlap-added, and divided by the
    overlapped squared window."""
    from .. import fft
    from ..nn import functional as F
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor.")
    hop = hop_length if hop_length is not None else n_fft // 4
    win = win_length if win_length is not None else n_fft
    spec = input if input.dim() == 3 else input.unsqueeze(0)
    one = onesided if onesided is not None else spec.shape[-2] != n_fft
    if normalized:
        spec = spec * math.sqrt(n_fft)
    cols = spec.transpose(-1, -2)  # (B, frames, freq)
    frames = fft.irfft(cols, n=n_fft, dim=-1) if one else fft.ifft(cols, dim=-1)
    if not one and not return_complex:
        frames = frames.real
    w = _window(window, win, n_fft, frames.real if frames.is_complex() else frames)
    frames = frames * w
    n_frames = frames.shape[1]
    total = n_fft + hop * (n_frames - 1)

    def overlap_add(cols):  # (B, n_fft, frames) -> (B, total)
        return F.fold(cols.unsqueeze(1).reshape(cols.shape[0], n_fft, n_frames), (1, total), (1, n_fft),
                      stride=(1, hop)).reshape(cols.shape[0], total)
    y = overlap_add(frames.transpose(1, 2)) if not frames.is_complex() else \
        FUNCTIONS["complex"](overlap_add(frames.real.transpose(1, 2)), overlap_add(frames.imag.transpose(1, 2)))
    envelope = overlap_add((w * w).reshape(1, n_fft, 1).expand(1, n_fft, n_frames))
    start = n_fft // 2 if center else 0
    end = total - (n_fft // 2 if center else 0) if length is None else start + length
    y, envelope = y[:, start:end], envelope[:, start:end]
    if (envelope.abs() < 1e-11).any():
        raise RuntimeError("istft(...): window overlap add min: 1e-11 is too small: the window must overlap with "
                           "itself enough to be inverted")
    y = y / envelope
    if length is not None and y.shape[-1] < length:
        y = F.pad(y, (0, length - y.shape[-1]))
    return y if input.dim() == 3 else y.squeeze(0)
