"""Losses (torch.nn.functional) and the distances some of them use.

The losses torch computes with one kernel are ONE node here, named as torch names it
(MseLossBackward0, NllLossBackward0, ...): the forward is NumPy on arrays, the gradient rule
Ember ops on the saved inputs. The others are compositions of Ember ops, as in torch, and get
their gradients (and grad_fn names) from those ops. cross_entropy is log_softmax + nll_loss."""
import math
import warnings

import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor
from ...autograd.graph import record
from ...autograd.grad_mode import state
from ..._ops.registry import node_class, wrap, FUNCTIONS as E
from .activation import log_softmax, logsigmoid, softplus

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "kl_div", "poisson_nll_loss",
           "gaussian_nll_loss", "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "multilabel_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss", "soft_margin_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "ctc_loss", "pairwise_distance",
           "cosine_similarity", "pdist"]


# ---------------------------------------------------------------------- reductions
def _legacy_reduction(size_average, reduce):
    """The reduction named by the deprecated size_average/reduce flags."""
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='sum' instead."
                  if size_average is False or reduce is False and size_average is not True else
                  "size_average and reduce args will be deprecated, please use reduction='mean' instead.",
                  stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduction(reduction, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_size(input, target, warn=True):
    """torch broadcasts input and target of different sizes, with a warning."""
    if input.shape == target.shape:
        return input, target
    if warn:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)
    try:
        shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ValueError:
        a, b = tuple(input.shape), tuple(target.shape)
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        d = next(i for i in range(n - 1, -1, -1) if a[i] != b[i] and 1 not in (a[i], b[i]))
        raise RuntimeError(f"The size of tensor a ({a[d]}) must match the size of tensor b ({b[d]}) at "
                           f"non-singleton dimension {d}") from None
    return input.expand(*shape), target.expand(*shape)


def _weighted(loss, weight, reduction):
    """An elementwise loss times per-element weights; 'mean' divides by the total weight."""
    if weight.shape != loss.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------- elementwise losses, one node each
def _elementwise_loss(name, forward, slope_input, slope_target=None):
    """A loss elementwise in (input, target), then reduced, as ONE node: forward(x, y, *params) on
    arrays; slope_input / slope_target(x, y, *params) its derivatives as Ember tensors."""
    def backward(self, g):
        x, y = self.saved
        reduction, params = self.args
        if reduction == "mean":
            g = g / x.numel()
        (nx, _), (ny, _) = self.next_functions
        gx = g * slope_input(x, y, *params) if nx is not None else None
        gy = g * slope_target(x, y, *params) if ny is not None and slope_target is not None else None
        return gx, gy
    Node = node_class(name, backward)

    def apply(input, target, reduction, params=()):
        loss = forward(input._data, target._data, *params)
        if reduction != "none":
            total = loss.sum()
            loss = total if reduction == "sum" else (total / loss.size if loss.size else np.float32("nan"))
        res = wrap(loss, input._dtype)
        if state.enabled and (input._rg or (target._rg and slope_target is not None)):
            node = record(Node, res, (input, target), (reduction, params))
            node.save(input, target)
        return res
    return apply


_mse = _elementwise_loss("MseLossBackward0", lambda a, b: np.square(a - b),
                         lambda x, y: 2 * (x - y), lambda x, y: 2 * (y - x))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, averaged (or summed)."""
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _same_size(input, target)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, reduction)
    return _mse(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, averaged (or summed)."""
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _same_size(input, target)
    if weight is not None:
        return _weighted((input - target).abs(), weight, reduction)
    return _reduce((input - target).abs(), reduction)


def _smooth_l1_forward(a, b, beta):
    d = np.abs(a - b)
    return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta).astype(a.dtype, copy=False)


def _smooth_l1_slope(x, y, beta):
    return ((x - y) / beta).clamp(-1, 1)


_smooth_l1 = _elementwise_loss("SmoothL1LossBackward0", _smooth_l1_forward, _smooth_l1_slope,
                               lambda x, y, beta: -_smooth_l1_slope(x, y, beta))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (d = input - target)."""
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:  # torch computes it as l1_loss then
        return l1_loss(input, target, reduction=reduction)
    input, target = _same_size(input, target)
    return _smooth_l1(input, target, reduction, (beta,))


def _huber_forward(a, b, delta):
    d = np.abs(a - b)
    return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)).astype(a.dtype, copy=False)


_huber = _elementwise_loss("HuberLossBackward0", _huber_forward, lambda x, y, delta: (x - y).clamp(-delta, delta),
                           lambda x, y, delta: (y - x).clamp(-delta, delta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2) (d = input - target)."""
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _same_size(input, target)
    if weight is not None:
        return _weighted(_huber(input, target, "none", (delta,)), weight, reduction)
    return _huber(input, target, reduction, (delta,))


def _bce_forward(a, b, w):
    # torch clamps each log at -100, so that 0 * log(0) terms stay finite
    with np.errstate(divide="ignore"):
        loss = -(b * np.maximum(np.log(a), -100) + (1 - b) * np.maximum(np.log1p(-a), -100))
    return (loss * w._data if w is not None else loss).astype(a.dtype, copy=False)


def _bce_slope(x, y, w):
    s = (x - y) / (x * (1 - x)).clamp_min(1e-12)
    return s * w if w is not None else s


def _bce_target_slope(x, y, w):
    s = (1 - x).log().clamp_min(-100) - x.log().clamp_min(-100)
    return s * w if w is not None else s


_bce = _elementwise_loss("BinaryCrossEntropyBackward0", _bce_forward, _bce_slope, _bce_target_slope)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log x + (1 - y) log(1 - x)), each log clamped at -100; input must be probabilities."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    a, b = input._data, target._data
    if a.size and not (a.min() >= 0 and a.max() <= 1):  # NaN fails too
        raise RuntimeError("all elements of input should be between 0 and 1")
    if b.size and not (b.min() >= 0 and b.max() <= 1):
        raise RuntimeError("all elements of target should be between 0 and 1")
    return _bce(input, target, reduction, (weight.expand(*input.shape) if weight is not None else None,))


def _bce_logits_forward(a, b, w, pw):
    softplus_neg = np.logaddexp(0, -a)  # log(1 + exp(-x)), stable for large |x|
    loss = (1 - b) * a + (softplus_neg if pw is None else (1 + (pw._data - 1) * b) * softplus_neg)
    return (loss * w._data if w is not None else loss).astype(a.dtype, copy=False)


def _bce_logits_slope(x, y, w, pw):
    s = x.sigmoid() - y if pw is None else (1 + (pw - 1) * y) * x.sigmoid() - pw * y
    return s * w if w is not None else s


def _bce_logits_target_slope(x, y, w, pw):
    s = -x if pw is None else -x + (pw - 1) * softplus(-x)
    return s * w if w is not None else s


_bce_logits = _elementwise_loss("BinaryCrossEntropyWithLogitsBackward0", _bce_logits_forward, _bce_logits_slope,
                                _bce_logits_target_slope)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target) computed stably from the logits; pos_weight
    scales the positive term per class."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return _bce_logits(input, target, reduction, (weight, pos_weight))


# ---------------------------------------------------------------------- classification: nll and cross entropy
def _nll_backward(self, g):
    index, coef = self.saved
    shape, class_dim, reduction = self.args
    # each picked log-probability gets -weight (/ total weight) times the incoming gradient
    vals = (g.reshape(-1) if reduction == "none" else g.reshape(1)) * coef
    if state.enabled:  # create_graph: differentiable again
        flat = g.new_zeros((coef.shape[0], shape[class_dim])).scatter(1, index, vals.unsqueeze(1))
    else:  # the same by one NumPy assignment
        out = np.zeros((coef.shape[0], shape[class_dim]), g._data.dtype)
        out[np.arange(len(out)), index._data[:, 0]] = vals._data
        flat = wrap(out, g._dtype)
    if len(shape) == 1:
        return flat.reshape(shape)
    if class_dim == len(shape) - 1:
        return flat
    moved = tuple(shape[:class_dim]) + tuple(shape[class_dim + 1:]) + (shape[class_dim],)
    return flat.reshape(moved).movedim(-1, class_dim)


_NllLoss = node_class("NllLossBackward0", _nll_backward)
_NllLoss2d = node_class("NllLoss2DBackward0", _nll_backward)


def _check_nll(input, target, weight, name="nll_loss"):
    n_dim = input.dim()
    if target._dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected scalar type Long but found {D._LEGACY[target._dtype.name]}")
    if n_dim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {n_dim})")
    if n_dim == 1 and target.dim() != 0 or n_dim == 2 and target.dim() != 1:
        if not (n_dim == 1 and target.dim() == 1 and target.shape[0] == 1):
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if n_dim >= 2 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    if n_dim > 2 and tuple(target.shape) != tuple(input.shape[:1]) + tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {list(input.shape[:1]) + list(input.shape[2:])}, got "
                           f"{list(target.shape)}")
    c = input.shape[1] if n_dim >= 2 else input.shape[0]
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got weight "
                           f"tensor of shape: {list(weight.shape)}")
    return c


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-input[n, target[n]] (times weight[target[n]]), over class dim 1; targets equal to
    ignore_index contribute nothing; 'mean' divides by the total weight of the counted targets."""
    reduction = _reduction(reduction, size_average, reduce)
    c = _check_nll(input, target, weight)
    if input.dim() == 3 or input.dim() > 4:  # torch runs these as 4-D (N, C, L, 1) and views the result back
        out = nll_loss(input.reshape(input.shape[0], c, -1, 1), target.reshape(target.shape[0], -1, 1), weight,
                       None, ignore_index, None, reduction)
        return out.view(target.shape) if reduction == "none" else out
    class_dim = 1 if input.dim() >= 2 else 0
    x = np.moveaxis(input._data, class_dim, -1).reshape(-1, c) if input.dim() > 2 else input._data.reshape(-1, c)
    t = target._data.reshape(-1).astype(np.int64, copy=False)
    n = t.shape[0]
    w = weight._data[np.clip(t, 0, c - 1)] if weight is not None else np.ones(n, x.dtype)
    valid = None
    if n and (t.min() < 0 or t.max() >= c or 0 <= ignore_index < c):  # targets to ignore, or out of range
        valid = t != ignore_index
        bad = valid & ((t < 0) | (t >= c))
        if bad.any():
            raise IndexError(f"Target {t[bad][0]} is out of bounds.")
        t = np.where(valid, t, 0)
        w = w * valid
    picked = -x[np.arange(n), t] * w
    if valid is not None:
        picked[~valid] = 0  # an ignored target adds nothing, even where its stand-in class has log-probability -inf
    if reduction == "none":
        loss, coef = picked.reshape(target._data.shape), -w
    elif reduction == "sum":
        loss, coef = picked.sum(), -w
    else:
        total = w.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            loss, coef = picked.sum() / total, w / -total
    res = wrap(np.asarray(loss, x.dtype), input._dtype)
    if input._rg and state.enabled:
        node = record(_NllLoss2d if input.dim() >= 3 else _NllLoss, res, (input,),
                      (tuple(input.shape), class_dim, reduction))
        node.save(wrap(t.reshape(-1, 1), D.int64), wrap(coef.astype(x.dtype, copy=False), input._dtype))
    return res


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """nll_loss(log_softmax(input, 1), target) for class-index targets, or
    -sum(target * log_softmax(input, 1)) for class-probability targets (same shape as input);
    label_smoothing mixes the targets with the uniform distribution."""
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 1 if input.dim() >= 2 else 0
    if target._dtype.is_floating_point and target.shape == input.shape:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim)
    if target._dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Long but found {D._LEGACY[target._dtype.name]}")
    logp = log_softmax(input, class_dim)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return nll
    c = input.shape[class_dim]
    w = weight.reshape([c] + [1] * (input.dim() - class_dim - 1)) if weight is not None else None
    smooth = -(logp * w if w is not None else logp).sum(class_dim)
    ignored = target == ignore_index
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target._data[~ignored._data]
            smooth = smooth.sum() / weight._data[kept].sum()
        else:
            smooth = smooth.sum() / (~ignored).sum()
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / c)


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim):
    c = input.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / c
    logp = log_softmax(input, class_dim)
    if weight is not None:
        logp = logp * weight.reshape([c] + [1] * (input.dim() - class_dim - 1))
    if reduction == "none":
        return -(logp * target).sum(class_dim)
    total = -(logp * target).sum()
    return _div_scalar(total, input.numel() // c) if reduction == "mean" else total


_DivScalar = node_class("DivBackward1", lambda self, g: g / self.args)


def _div_scalar(t, n):
    """t / n for a Python number n, recorded as torch records Tensor / Scalar."""
    with np.errstate(divide="ignore", invalid="ignore"):
        res = wrap(t._data / t._data.dtype.type(n), t._dtype)
    record(_DivScalar, res, (t,), n)
    return res


# ---------------------------------------------------------------------- other losses, as compositions
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target * (log target - input) (input holds log-probabilities); 'batchmean' divides the sum
    by the batch size, which is the KL divergence."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """exp(input) - target * input (log_input), or input - target * log(input + eps); full adds
    Stirling's approximation of log(target!)."""
    reduction = _reduction(reduction, size_average, reduce)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log var + (input - target)^2 / var), var clamped below at eps (gradient unaffected)."""
    if not isinstance(var, Tensor):
        var = E["full"](tuple(input.shape), float(var), dtype=input.dtype)
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    var = var + wrap(np.maximum(var._data, eps) - var._data, var._dtype)  # the clamp, as a constant shift
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where target is -1."""
    reduction = _reduction(reduction, size_average, reduce)
    eps = 1e-12
    dim = input1.dim() - 1
    prod = (input1 * input2).sum(dim)
    mag = ((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)
    cos = prod / mag.sqrt()
    zeros = E["zeros_like"](cos)
    pos = E["where"](target == 1, 1 - cos, zeros)
    neg = E["where"](target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(reduction, size_average, reduce)
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _reduction(reduction, size_average, reduce)
    zeros = E["zeros_like"](input)
    out = E["where"](target != 1, (margin - input).clamp_min(0), zeros) + E["where"](target != -1, input, zeros)
    return _reduce(out, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input))."""
    reduction = _reduction(reduction, size_average, reduce)
    return _soft_margin(input, target, reduction)


_soft_margin = _elementwise_loss("SoftMarginLossBackward0", lambda a, b: np.logaddexp(0, -a * b).astype(a.dtype),
                                 lambda x, y: -y * (-y * x).sigmoid(), lambda x, y: -x * (-y * x).sigmoid())


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log sigmoid(x) + (1 - y) log sigmoid(-x)), averaged over classes."""
    reduction = _reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=input.dim() - 1) / input.shape[-1]
    return _reduce(loss, reduction)


def _multi_margin_backward(self, g):
    x, target, weight = self.saved
    reduction, p, margin = self.args
    n, c = x.shape
    z = margin - x.gather(1, target.reshape(-1, 1)) + x
    active = (z > 0).masked_fill(E["zeros_like"](x, dtype=D.bool_).scatter(1, target.reshape(-1, 1), True), False)
    h = (z * 2 if p == 2 else E["ones_like"](z)) * active / c
    if weight is not None:
        h = h * weight.gather(0, target).reshape(-1, 1)
    gx = h - E["zeros_like"](x).scatter(1, target.reshape(-1, 1), h.sum(1, keepdim=True))
    if reduction == "mean":
        g = g / n
    return (g.reshape(-1, 1) if reduction == "none" else g) * gx


_MultiMargin = node_class("MultiMarginLossBackward0", _multi_margin_backward)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """sum over j != y of max(0, margin - x[y] + x[j])^p (times weight[y]), divided by the classes."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input._data.reshape(-1, input.shape[-1]) if input.dim() else input._data.reshape(1, 1)
    t = target._data.reshape(-1)
    n, c = x.shape
    if t.size and (t.min() < 0 or t.max() >= c):
        raise IndexError("target out of range")
    z = margin - x[np.arange(n), t][:, None] + x
    z[np.arange(n), t] = 0
    h = np.maximum(z, 0) ** p
    if weight is not None:
        h = h * weight._data[t][:, None]
    per_sample = h.sum(1) / c
    per_sample = per_sample.reshape(target.shape) if input.dim() > 1 else per_sample.reshape(())
    loss = per_sample if reduction == "none" else (per_sample.sum() if reduction == "sum" else per_sample.mean())
    res = wrap(np.asarray(loss, x.dtype), input._dtype)
    if input._rg and state.enabled:
        node = record(_MultiMargin, res, (input,), (reduction, p, margin))
        node.save(input.reshape(n, c).detach() if input.dim() != 2 else input, target.reshape(-1), weight)
    return res


def _multilabel_margin_backward(self, g):
    slope, = self.saved  # the loss is piecewise linear: its slope is constant
    reduction, shape = self.args
    if reduction == "mean":
        g = g / slope.shape[0]
    return ((g.reshape(-1, 1) if reduction == "none" else g) * slope).reshape(shape)


_MultilabelMargin = node_class("MultilabelMarginLossBackward0", _multilabel_margin_backward)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """sum over target classes j and non-target classes i of max(0, 1 - (x[j] - x[i])), divided by
    the classes; each row of target lists class indices, ended by the first -1."""
    reduction = _reduction(reduction, size_average, reduce)
    x = input._data.reshape(-1, input.shape[-1])
    t = target._data.reshape(x.shape)
    n, c = x.shape
    listed = np.cumprod(t >= 0, axis=1).astype(bool)  # entries before the first -1
    count = np.zeros((n, c), np.int64)  # a class listed twice counts twice, as in torch
    np.add.at(count, (np.repeat(np.arange(n), c)[listed.reshape(-1)], t[listed]), 1)
    z = 1 - x[:, :, None] + x[:, None, :]  # z[n, j, i] = 1 - (x_j - x_i)
    active = count[:, :, None] * ((count == 0)[:, None, :] & (z > 0))
    per_sample = (z * active).sum((1, 2)) / c
    slope = (active.sum(1) - active.sum(2)) / c  # d/dx_i of the pairs (j, i) minus d/dx_j
    per_sample = per_sample.reshape(input.shape[:-1]) if input.dim() > 1 else per_sample.reshape(())
    loss = per_sample if reduction == "none" else (per_sample.sum() if reduction == "sum" else per_sample.mean())
    res = wrap(np.asarray(loss, x.dtype), input._dtype)
    if input._rg and state.enabled:
        node = record(_MultilabelMargin, res, (input,), (reduction, tuple(input.shape)))
        node.save(wrap(slope.astype(x.dtype), input._dtype))
    return res


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, d(a, p) - d(a, n) + margin) with the p-norm pairwise distance."""
    reduction = _reduction(reduction, size_average, reduce)
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = E["minimum"](d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_ap - d_an).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """max(0, d(a, p) - d(a, n) + margin) for any distance function (pairwise_distance by default)."""
    reduction = _reduction(reduction)
    d = distance_function if distance_function is not None else pairwise_distance
    d_ap, d_an = d(anchor, positive), d(anchor, negative)
    if swap:
        d_an = E["minimum"](d_an, d(positive, negative))
    return _reduce((margin + d_ap - d_an).clamp_min(0), reduction)


# ---------------------------------------------------------------------- connectionist temporal classification
_CtcLoss = node_class("CtcLossBackward0", lambda self, g: g.reshape(self.args) * self.saved[0])


def _lengths(x, n):
    a = np.asarray(x._data if isinstance(x, Tensor) else x, np.int64).reshape(-1)
    return np.broadcast_to(a, (n,)) if a.size == 1 else a


def _ctc_targets(targets, target_lengths, n):
    """Targets as a padded (N, S) array, from (N, S) or from the 1-D concatenation of all of them."""
    t = targets._data.astype(np.int64, copy=False)
    if t.ndim == 2 or (t.ndim == 1 and n == 1 and target_lengths.sum() == t.shape[0]):
        return t.reshape(n, -1)
    padded = np.zeros((n, max(int(target_lengths.max(initial=0)), 1)), np.int64)
    starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
    for i, (a, k) in enumerate(zip(starts, target_lengths)):
        padded[i, :k] = t[a:a + k]
    return padded


def _shift(a, k, fill=-np.inf):
    """a moved k places along its last axis (k > 0: towards higher indices), filled with `fill`."""
    out = np.full_like(a, fill)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """-log p(target | input) summed over all alignments of the target (with blanks and repeats)
    to the input frames: the forward-backward algorithm over the blank-extended target."""
    reduction = _reduction(reduction)
    unbatched = log_probs.dim() == 2
    lp = log_probs._data[:, None] if unbatched else log_probs._data
    steps, n, c = lp.shape
    in_len, tg_len = _lengths(input_lengths, n), _lengths(target_lengths, n)
    tg = _ctc_targets(targets, tg_len, n)
    ext = np.full((n, 2 * tg.shape[1] + 1), blank, np.int64)  # blank, l1, blank, l2, ..., blank
    ext[:, 1::2] = tg
    width = ext.shape[1]
    lp_ext = np.take_along_axis(lp, np.broadcast_to(ext, (steps, n, width)), axis=2).astype(np.float64)
    skip = np.zeros((n, width), bool)  # s-2 -> s allowed between different labels
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    alpha = np.full((steps, n, width), -np.inf)
    alpha[0, :, :2] = lp_ext[0, :, :2]
    for t in range(1, steps):
        a = alpha[t - 1]
        hops = np.logaddexp(np.logaddexp(a, _shift(a, 1)), np.where(skip, _shift(a, 2), -np.inf))
        alpha[t] = hops + lp_ext[t]
    rows, last = np.arange(n), np.maximum(in_len - 1, 0)
    end = 2 * tg_len
    ends = np.stack([alpha[last, rows, end], np.where(tg_len > 0, alpha[last, rows, np.maximum(end - 1, 0)], -np.inf)])
    nll = -np.logaddexp(ends[0], ends[1])
    beta = np.full((steps, n, width), -np.inf)
    start = np.full((n, width), -np.inf)
    start[rows, end] = lp_ext[last, rows, end]
    start[rows, np.maximum(end - 1, 0)] = np.where(tg_len > 0, lp_ext[last, rows, np.maximum(end - 1, 0)],
                                                   start[rows, np.maximum(end - 1, 0)])
    skip_next = _shift(skip, -2, False)
    for t in range(steps - 1, -1, -1):
        if t + 1 < steps:
            b = beta[t + 1]
            hops = np.logaddexp(np.logaddexp(b, _shift(b, -1)), np.where(skip_next, _shift(b, -2), -np.inf))
            beta[t] = np.where((t < last)[:, None], hops + lp_ext[t], -np.inf)
        beta[t] = np.where((t == last)[:, None], start, beta[t])
    # d nll / d log_probs, in torch's form: exp(lp) - sum over s labelled c of alpha * beta / (p * y)
    with np.errstate(invalid="ignore", over="ignore"):
        share = np.exp(alpha + beta + nll[None, :, None] - lp_ext)
    share = np.nan_to_num(share, nan=0.0, posinf=0.0)
    flat = ((np.arange(steps)[:, None, None] * n + rows[None, :, None]) * c + ext[None]).reshape(-1)
    grad = np.exp(lp.astype(np.float64)) - np.bincount(flat, share.reshape(-1), steps * n * c).reshape(steps, n, c)
    grad[np.arange(steps)[:, None] >= in_len[None, :]] = 0
    if zero_infinity:
        grad[:, np.isinf(nll)] = 0.0
    res = wrap(nll.reshape(()) if unbatched else nll, log_probs._dtype)
    if log_probs._rg and state.enabled:
        node = record(_CtcLoss, res, (log_probs,), (1, 1) if unbatched else (1, n, 1))
        node.save(wrap(grad[:, 0] if unbatched else grad, log_probs._dtype))
    if zero_infinity:  # impossible alignments (infinite loss) count as 0
        res = E["where"](res.isinf(), E["zeros_like"](res), res)
    if reduction == "mean":
        return (res / wrap(np.maximum(tg_len, 1).reshape(res.shape), log_probs._dtype)).mean()
    return _reduce(res, reduction)


# ---------------------------------------------------------------------- distances
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim."""
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1 . x2 / (max(||x1||, eps) * max(||x2||, eps)) along dim."""
    n1 = x1.norm(2, dim=dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim=dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pdist(input, p=2):
    """The distances between all pairs of rows of a 2-D input (the upper triangle, row-major)."""
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    return (input[wrap(i, D.int64)] - input[wrap(j, D.int64)]).norm(p, dim=-1)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target): linear_weight is
    (classes, *out_features, in_features), the logits (N, classes, *out_features). PyTorch computes it in
    batch chunks to save memory; Ember computes it in one piece (same values), so `options` only records."""
    classes, in_features = linear_weight.shape[0], linear_weight.shape[-1]
    out_features = tuple(linear_weight.shape[1:-1])
    logits = E["matmul"](input, linear_weight.reshape(-1, in_features).t())
    if linear_bias is not None:
        logits = logits + linear_bias.reshape(-1)
    logits = logits.reshape(tuple(input.shape[:-1]) + (classes,) + out_features)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index, label_smoothing=label_smoothing)


__all__ += ["linear_cross_entropy"]
