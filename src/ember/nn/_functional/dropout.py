"""Dropout: multiply by a random keep-mask scaled by 1/(1-p), drawn per element or per channel
(dropout1d/2d/3d zero whole feature maps); alpha dropout keeps SELU's mean and variance."""
import math
import warnings

import numpy as np

from ..._ops.registry import wrap
from ..._random import rng

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

SELU_NEG_SATURATION = 1.7580993408473766  # -SELU's limit at -inf: scale * alpha


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply(input, p, training, inplace, mask_shape, alpha):
    """input * keep / (1 - p) (or alpha dropout's affine version) with keep ~ Bernoulli(1 - p) of mask_shape."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    dt = input._dtype
    if p == 1:
        return input.mul_(0.0) if inplace else input * 0.0
    keep = _bernoulli_keep(mask_shape, p)
    if not alpha:
        scale = wrap(keep * dt.np.type(1.0 / (1.0 - p)), dt)
        return input.mul_(scale) if inplace else input * scale
    keep = keep.astype(dt.np)
    a = 1.0 / np.sqrt((SELU_NEG_SATURATION ** 2 * p + 1) * (1 - p))
    shift = wrap((keep - 1) * (SELU_NEG_SATURATION * a) + SELU_NEG_SATURATION * a * p, dt)
    scale = wrap(keep * a, dt)
    return input.mul_(scale).add_(shift) if inplace else input * scale + shift


def _bernoulli_keep(shape, p):
    """A bool mask, each element True with probability 1 - p: raw 32-bit draws against p·2³² (a finer
    threshold than a float32 uniform's 2⁻²⁴ steps, at two thirds of its cost)."""
    n = math.prod(shape)
    bits = rng().bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n]
    return (bits >= np.uint32(min(int(p * 2.0 ** 32), 2 ** 32 - 1))).reshape(shape)


def _feature_shape(input, batched):
    """Mask shape for channel-wise dropout: (N, C, 1, ...) or, without a batch dim, (C, 1, ...)."""
    shape = input.shape
    lead = 2 if batched else 1
    return tuple(shape[:lead]) + (1,) * (len(shape) - lead)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (in training only)."""
    return _apply(input, p, training, inplace, input.shape, False)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped values are set to SELU's negative saturation and an
    affine correction keeps the mean and variance."""
    return _apply(input, p, training, inplace, input.shape, True)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a (N, C, L) or (C, L) input."""
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _apply(input, p, training, inplace, _feature_shape(input, input.dim() == 3), False)


def _check_rank(name, ndim, spatial):
    """dropout2d/3d accept other ranks with a deprecation warning, as torch does."""
    if ndim not in (spatial + 1, spatial + 2):
        warnings.warn(f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in an error "
                      "in a future release. To retain the behavior and silence this warning, please use dropout "
                      f"instead. Note that {name} exists to provide channel-wise dropout on inputs with {spatial} "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a (N, C, H, W) or (C, H, W) input."""
    _check_p(p)
    ndim = input.dim()
    _check_rank("dropout2d", ndim, 2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This "
                      "behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _apply(input, p, training, inplace, _feature_shape(input, ndim >= 2), False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a (N, C, D, H, W) or (C, D, H, W) input."""
    _check_p(p)
    _check_rank("dropout3d", input.dim(), 3)
    return _apply(input, p, training, inplace, _feature_shape(input, input.dim() != 4), False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels of a (N, C, ...) input."""
    return _apply(input, p, training, inplace, _feature_shape(input, True), True)
