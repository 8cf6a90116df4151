"""Normalisation: batch_norm, layer_norm, group_norm (each ONE node, as torch's native kernels),
instance_norm, rms_norm, local_response_norm and normalize.

batch, layer and group norm are one computation: view x as `groups`, standardise over `axes`
(x_hat = (x - mean) * invstd), then scale and shift by weight and bias broadcast as `param_shape`."""
import math

import numpy as np

from ... import _dtype as D
from ...autograd.graph import record
from ...autograd.grad_mode import state, no_grad
from ..._ops.registry import node_class, wrap, FUNCTIONS as E
from ..._kernels import batch_norm as _bn_kernels, fused as _fused

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "local_response_norm", "normalize"]


def _standardise_backward(self, g):
    """Gradients of y = x_hat * w + b. With batch statistics x_hat depends on x through the mean
    and variance too: gx = invstd * (gh - mean(gh) - x_hat * mean(gh * x_hat)), gh = g * w."""
    x, w, mean, invstd = self.saved
    groups, axes, param_shape, sum_axes, batch_stats, eps, bias_shape = self.args
    (nx, _), (nw, _), (nb, _) = self.next_functions
    if state.enabled and batch_stats:  # create_graph: the statistics as functions of x, for higher orders
        xg = x.reshape(groups)
        mean = xg.mean(axes, keepdim=True)
        invstd = ((xg - mean) ** 2).mean(axes, keepdim=True).add(eps).rsqrt()
    x_hat = (x.reshape(groups) - mean) * invstd
    gx = gw = gb = None
    if nx is not None:
        gh = (g * w.reshape(param_shape) if w is not None else g).reshape(groups)
        if batch_stats:
            gh = gh - gh.mean(axes, keepdim=True) - x_hat * (gh * x_hat).mean(axes, keepdim=True)
        gx = (gh * invstd).reshape(x.shape)
    if nw is not None:
        gw = (g * x_hat.reshape(x.shape)).sum(sum_axes).reshape(w.shape)
    if nb is not None:
        gb = g.sum(sum_axes).reshape(bias_shape)
    return gx, gw, gb


_NODES = {name: node_class(name, _standardise_backward)
          for name in ("NativeBatchNormBackward0", "NativeLayerNormBackward0", "NativeGroupNormBackward0")}


def _layer_norm_rows_backward(self, g):
    """LayerNorm's three gradients in one compiled pass over the rows; while recording a graph
    (create_graph) the Ember-ops rule above, whose statistics are functions of x."""
    if state.enabled:
        return _standardise_backward(self, g)
    x, w, mean, rstd = self.saved
    (nx, _), (nw, _), (nb, _) = self.next_functions
    bias_shape = self.args[-1]
    d = mean._data.size and x._data.size // mean._data.size
    g2 = np.ascontiguousarray(g._data, dtype=x._data.dtype).reshape(-1, d)
    gx, gw, gb = _fused.layer_norm_backward(g2, x._data.reshape(-1, d), None if w is None else w._data.reshape(d),
                                            mean._data, rstd._data, nx is not None, nw is not None, nb is not None)
    dt = x._dtype
    return (None if gx is None else wrap(gx.reshape(x._data.shape), dt),
            None if gw is None else wrap(gw.reshape(w._data.shape), dt),
            None if gb is None else wrap(gb.reshape(bias_shape), dt))


_LayerNormRows = node_class("NativeLayerNormBackward0", _layer_norm_rows_backward)


def _layer_norm_rows(input, weight, bias, d, axes, param_shape, eps):
    """layer_norm over rows of d contiguous elements, forward in one compiled pass; the node keeps
    _standardise's arguments, for its Ember-ops backward under create_graph."""
    x = np.ascontiguousarray(input._data)
    out, mean, rstd = _fused.layer_norm(x.reshape(-1, d), None if weight is None else weight._data.reshape(d),
                                        None if bias is None else bias._data.reshape(d), eps)
    res = wrap(out.reshape(x.shape), input._dtype)
    if state.enabled and (input._rg or (weight is not None and weight._rg) or (bias is not None and bias._rg)):
        sum_axes = tuple(range(input._data.ndim - len(axes)))
        node = record(_LayerNormRows, res, (input, weight, bias),
                      (input.shape, axes, param_shape, sum_axes, True, eps, bias.shape if bias is not None else None))
        node.save(input, weight, wrap(mean, D.float64), wrap(rstd, D.float64))
    return res


def _standardise(node_name, input, weight, bias, groups, axes, param_shape, eps, stats=None):
    """y = (x - mean) * invstd * weight + bias, the statistics over `axes` of x viewed as `groups`
    (or the given `stats` = (mean, var) arrays, e.g. running statistics)."""
    x = input._data.reshape(groups)
    batch_stats = stats is None
    if batch_stats:
        mean = x.mean(axes, keepdims=True)
        var = np.square(x - mean).mean(axes, keepdims=True)
    else:
        mean, var = stats
    invstd = 1.0 / np.sqrt(var + eps)
    y = ((x - mean) * invstd).reshape(input._data.shape)
    if weight is not None:
        y = y * weight._data.reshape(param_shape)
    if bias is not None:
        y = y + bias._data.reshape(param_shape)
    res = wrap(y, input._dtype)
    if state.enabled and (input._rg or (weight is not None and weight._rg) or (bias is not None and bias._rg)):
        sum_axes = tuple(i for i in range(input._data.ndim) if i >= len(param_shape) or param_shape[i] == 1)
        bias_shape = bias.shape if bias is not None else None
        node = record(_NODES[node_name], res, (input, weight, bias),
                      (groups, axes, param_shape, sum_axes, batch_stats, eps, bias_shape))
        node.save(input, weight, wrap(np.array(mean, x.dtype), input._dtype),
                  wrap(np.array(invstd, x.dtype), input._dtype))
    return res, mean, var


def _batch_norm_backward(self, g):
    """The compiled gradients of batch_norm with batch statistics (ember._kernels.batch_norm); the
    generic formula of _standardise_backward for higher orders and for the running statistics."""
    x, w, mean, invstd = self.saved
    if state.enabled or not self.args[4] or not _bn_kernels.fits(x._data, g._data):
        return _standardise_backward(self, g)
    (nx, _), (nw, _), (nb, _) = self.next_functions
    shape = x._data.shape
    x3, g3 = (a.reshape(shape[0], shape[1], -1) for a in (x._data, g._data))
    weight = None if w is None else w._data.astype(np.float64)
    gx, gw, gb = _bn_kernels.backward(g3, x3, mean._data.reshape(-1).astype(np.float64),
                                      invstd._data.reshape(-1).astype(np.float64), weight, nx is not None)
    dt = g._dtype
    return (wrap(gx.reshape(shape), dt) if nx is not None else None, wrap(gw, dt) if nw is not None else None,
            wrap(gb, dt) if nb is not None else None)


_BatchNorm = node_class("NativeBatchNormBackward0", _batch_norm_backward)


def _batch_norm_compiled(input, weight, bias, eps, stats):
    """batch_norm on the compiled passes: (result, mean (C,), biased var (C,)), float64 statistics."""
    x = input._data
    c = x.shape[1]
    w = None if weight is None else weight._data.astype(np.float64)
    b = None if bias is None else bias._data
    y, mean, var = _bn_kernels.forward(x.reshape(x.shape[0], c, -1), w, b, eps, stats)
    res = wrap(y.reshape(x.shape), input._dtype)
    if state.enabled and (input._rg or (weight is not None and weight._rg) or (bias is not None and bias._rg)):
        param_shape = _channel_shape(input)
        sum_axes = (0,) + tuple(range(2, x.ndim))
        node = record(_BatchNorm, res, (input, weight, bias),
                      (x.shape, sum_axes, param_shape, sum_axes, stats is None, eps, None if bias is None else bias.shape))
        node.save(input, weight, wrap(mean.astype(x.dtype).reshape(param_shape), input._dtype),
                  wrap((1.0 / np.sqrt(var + eps)).astype(x.dtype).reshape(param_shape), input._dtype))
    return res, mean, var


def _channel_shape(input):
    return (1, input.shape[1]) + (1,) * (input.dim() - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Standardise each channel (dim 1) with the batch's statistics in training, updating the
    running ones as (1 - momentum) * running + momentum * batch (unbiased variance); with the
    running statistics otherwise."""
    if input.dim() < 2:
        raise ValueError(f"Expected 2D or more dimensional input (got {input.dim()}D input)")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    axes = (0,) + tuple(range(2, input.dim()))
    if training:
        n = input.numel() // c
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        if _bn_kernels.fits(input._data, *(t._data for t in (weight, bias) if t is not None)):
            res, mean, var = _batch_norm_compiled(input, weight, bias, eps, None)
        else:
            res, mean, var = _standardise("NativeBatchNormBackward0", input, weight, bias, input.shape, axes,
                                          _channel_shape(input), eps)
        if running_mean is not None:
            _update_running(running_mean, running_var, mean.reshape(c), var.reshape(c) * (n / (n - 1)), momentum)
        return res
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    stats = (running_mean._data.reshape(_channel_shape(input)), running_var._data.reshape(_channel_shape(input)))
    return _standardise("NativeBatchNormBackward0", input, weight, bias, input.shape, axes, _channel_shape(input),
                        eps, stats)[0]


def _update_running(running_mean, running_var, mean, var, momentum):
    with no_grad():
        running_mean._data *= 1 - momentum
        running_mean._data += momentum * mean.astype(running_mean._data.dtype, copy=False)
        running_var._data *= 1 - momentum
        running_var._data += momentum * var.astype(running_var._data.dtype, copy=False)
        running_mean._vc[0] += 1
        running_var._vc[0] += 1


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Standardise each channel of each sample over its spatial dims: batch_norm of the input
    viewed as one sample of N*C channels."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or more dimensional input (got {input.dim()}D input)")
    n, c = input.shape[:2]
    rep = (lambda t: t.repeat(n) if t is not None else None)
    flat = input.reshape(1, n * c, *input.shape[2:])
    if use_input_stats:
        out = batch_norm(flat, None, None, rep(weight), rep(bias), True, momentum, eps)
        if running_mean is not None:
            x = input._data.reshape(n, c, -1)
            m = x.shape[-1]
            _update_running(running_mean, running_var, x.mean((0, 2)),
                            x.var(2).mean(0) * (m / (m - 1) if m > 1 else 1.0), momentum)
    else:
        out = batch_norm(flat, rep(running_mean), rep(running_var), rep(weight), rep(bias), False, momentum, eps)
    return out.view(input.shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Standardise over the trailing dims given by normalized_shape, then scale and shift elementwise."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.dim() - k:]) != shape or input.dim() < k:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    axes = tuple(range(input.dim() - k, input.dim()))
    param_shape = (1,) * (input.dim() - k) + shape
    d = math.prod(shape)
    if d and input._data.size and _fused.fits(input._data, *(t._data for t in (weight, bias) if t is not None)):
        return _layer_norm_rows(input, weight, bias, d, axes, param_shape, eps)
    return _standardise("NativeLayerNormBackward0", input, weight, bias, input.shape, axes, param_shape, eps)[0]


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Standardise each group of channels of each sample, then scale and shift per channel."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    return _standardise("NativeGroupNormBackward0", input, weight, bias, (n, num_groups, -1), (2,),
                        _channel_shape(input), eps)[0]


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the trailing normalized_shape dims, times weight."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps) if input._dtype is not D.bfloat16 else 0.0078125
    out = input * (input.pow(2).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels) ** beta."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = (input * input).unsqueeze(1)
    pad = E["zeros"](sq.shape[:2] + (size // 2,) + tuple(sq.shape[3:]), dtype=input.dtype)
    pad_after = E["zeros"](sq.shape[:2] + ((size - 1) // 2,) + tuple(sq.shape[3:]), dtype=input.dtype)
    sq = E["cat"]([pad, sq, pad_after], 2)
    # mean over a sliding window of `size` channels: a cumulative sum difference
    csum = E["cat"]([E["zeros"](sq.shape[:2] + (1,) + tuple(sq.shape[3:]), dtype=input.dtype), sq.cumsum(2)], 2)
    div = (csum.narrow(2, size, c) - csum.narrow(2, 0, c)).squeeze(1) / size
    div = (div * alpha + k) ** beta
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom
