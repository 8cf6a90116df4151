"""LayerNorm, GroupNorm, RMSNorm and LocalResponseNorm (torch.nn.modules.normalization)."""
import numpy as np

from ...autograd import Function
from ..._ops.registry import FUNCTIONS as E
from .. import functional as F
from .batchnorm import affine_parameters, reset_affine
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d"]


def _shape(normalized_shape):
    return (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)


class LayerNorm(Module):
    """Standardise over the trailing normalized_shape dims; elementwise weight=1 and bias=0."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape, self.eps = _shape(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        affine_parameters(self, self.normalized_shape, elementwise_affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Standardise groups of channels per sample; per-channel weight=1 and bias=0."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        affine_parameters(self, (num_channels,), affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        reset_affine(self)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, " \
               f"bias={self.bias is not None}"


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) over the trailing normalized_shape dims, times weight (=1)."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape, self.eps = _shape(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        affine_parameters(self, self.normalized_shape, elementwise_affine, False, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        reset_affine(self)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Normalise each channel by the energy of its `size` neighbouring channels."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """The legacy (Lua Torch) local response norm across channels of (N, C, H, W) input."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        return _CrossMapLRN2d.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _window_sums(x, lower, upper):
    """sum over channels j in [lower[c], upper[c]] of x[:, j], for each channel c (running sums)."""
    zero = x.new_zeros((x.shape[0], 1) + tuple(x.shape[2:]))
    running = E["cat"]([zero, x.cumsum(1)], 1)
    return running.index_select(1, E["tensor"](np.asarray(upper) + 1)) - running.index_select(1, E["tensor"](lower))


class _CrossMapLRN2d(Function):
    """The Lua Torch kernel torch keeps for CrossMapLRN2d, forward and (its own, hand-derived) backward.

    forward: x * scale**-beta, scale = k + alpha / size * (sum of x^2 over channels [c - p + 1, c + p - 1],
    p = (size - 1) // 2 + 1; the kernel's running sum never drops channel 0, so every window past p holds
    x[0]^2 too). backward: g * scale**-beta - 2 alpha beta / size * x * (sum of g * out / scale over
    channels [c - q, c - q + size - 1], q = size - (size - 1) // 2 rounded down)."""

    @staticmethod
    def forward(ctx, input, size, alpha, beta, k):
        channels, p = input.shape[1], (size - 1) // 2 + 1
        c = np.arange(channels)
        sq = input * input
        window = _window_sums(sq, np.where(c > p, c - p + 1, 0), np.minimum(c + p - 1, channels - 1))
        window = window + sq.narrow(1, 0, 1) * input.new_tensor((c > p).astype(np.float64)).reshape(-1, 1, 1)
        scale = window * (alpha / size) + k
        out = input * scale ** -beta
        ctx.save_for_backward(input, out, scale)
        ctx.args = (size, alpha, beta)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        input, out, scale = ctx.saved_tensors
        size, alpha, beta = ctx.args
        channels, q = input.shape[1], int(size - (size - 1) / 2)
        c = np.arange(channels)
        ratio = grad_output * out / scale
        accum = _window_sums(ratio, np.maximum(c - q, 0), np.minimum(c - q + size - 1, channels - 1))
        return grad_output * scale ** -beta - (2 * alpha * beta / size) * input * accum, None, None, None, None
