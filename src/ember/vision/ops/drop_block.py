"""DropBlock (Ghiasi et al., 2018): dropout of contiguous square (cubic) blocks of a feature map, the kept
part rescaled by (elements / kept elements) (torchvision.ops.drop_block2d, drop_block3d)."""
import math

from ember import nn
from ember.nn import functional as F

__all__ = ["drop_block2d", "DropBlock2d", "drop_block3d", "DropBlock3d"]


def _drop_block(input, p, block_size, inplace, eps, training, dims):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}.")
    if input.ndim != dims + 2:
        raise ValueError(f"input should be {dims + 2} dimensional. Got {input.ndim} dimensions.")
    if not training or p == 0.0:
        return input
    spatial = tuple(input.shape[2:])
    block_size = min(block_size, *spatial)
    if block_size % 2 == 0:
        raise ValueError(f"block size should be odd. Got {block_size} which is even.")
    # seeds fall where a whole block fits, with the rate that makes the expected dropped share p
    gamma = p * math.prod(spatial) / (block_size ** dims * math.prod(s - block_size + 1 for s in spatial))
    noise = input.new_empty(tuple(input.shape[:2]) + tuple(s - block_size + 1 for s in spatial)).bernoulli_(gamma)
    noise = F.pad(noise, [block_size // 2] * (2 * dims), value=0)
    pool = F.max_pool2d if dims == 2 else F.max_pool3d
    noise = 1 - pool(noise, kernel_size=block_size, stride=1, padding=block_size // 2)
    scale = noise.numel() / (eps + noise.sum())
    if inplace:
        return input.mul_(noise).mul_(scale)
    return input * noise * scale


def drop_block2d(input, p, block_size, inplace=False, eps=1e-06, training=True):
    """Zero block_size x block_size squares of each (N, C, H, W) channel at random, about a share p of the
    elements, and rescale the rest; the identity when not training (torchvision.ops.drop_block2d)."""
    return _drop_block(input, p, block_size, inplace, eps, training, 2)


def drop_block3d(input, p, block_size, inplace=False, eps=1e-06, training=True):
    """drop_block2d for (N, C, D, H, W) inputs and cubic blocks (torchvision.ops.drop_block3d)."""
    return _drop_block(input, p, block_size, inplace, eps, training, 3)


class DropBlock2d(nn.Module):
    """The module form of drop_block2d, active in training mode (torchvision.ops.DropBlock2d)."""

    def __init__(self, p, block_size, inplace=False, eps=1e-06):
        super().__init__()
        self.p, self.block_size, self.inplace, self.eps = p, block_size, inplace, eps

    def forward(self, input):
        return drop_block2d(input, self.p, self.block_size, self.inplace, self.eps, self.training)

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p}, block_size={self.block_size}, inplace={self.inplace})"


class DropBlock3d(DropBlock2d):
    """The module form of drop_block3d (torchvision.ops.DropBlock3d)."""

    def forward(self, input):
        return drop_block3d(input, self.p, self.block_size, self.inplace, self.eps, self.training)
