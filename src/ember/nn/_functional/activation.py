"""Activation functions (torch.nn.functional): each is its forward on arrays and its local slope
d out / d x written with Ember ops (so it differentiates again), recorded as ONE node named as
torch names it. relu, sigmoid, tanh, softmax and log_softmax are Ember's own ops."""
import math

import numpy as np

from ... import _dtype as D
from ...autograd.graph import record, SavedOutput
from ...autograd.grad_mode import state
from ..._ops.registry import node_class, wrap, commit_inplace, sum_to, FUNCTIONS as E
from ..._random import rng
from ..._deferred import deferred
from ..._kernels import fused as _fused

sp = deferred("scipy.special")  # imported on the first call of one of its functions

__all__ = ["relu", "relu_", "relu6", "threshold", "threshold_", "hardtanh", "hardtanh_", "leaky_relu",
           "leaky_relu_", "rrelu", "rrelu_", "prelu", "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu",
           "silu", "mish", "hardsigmoid", "hardswish", "hardshrink", "softshrink", "tanhshrink", "softplus",
           "softsign", "logsigmoid", "sigmoid", "tanh", "softmax", "softmin", "log_softmax", "glu"]


def _elementwise(name, forward, slope, inplace_name=None, forward_slope=None):
    """An activation applied elementwise: forward(a, *params) on arrays, slope(x, out, *params)
    its derivative as an Ember tensor. In-place calls record `inplace_name` where torch does.
    forward_slope(a, *params): for a forward that records a node, (output, derivative) arrays from one
    compiled pass, or None where it does not apply; the derivative is saved, and the backward is then one
    product (not while recording a graph: higher orders need `slope`'s Ember ops)."""
    def backward(self, g):
        x, out, *kept = self.saved
        if kept and not state.enabled and g._dtype is kept[0]._dtype:
            return wrap(np.multiply(g._data, kept[0]._data), g._dtype)
        return g * slope(x, out, *self.args)
    Node = node_class(name + "Backward0", backward)
    NodeInplace = node_class(inplace_name, backward) if inplace_name else Node

    def apply(input, params=(), inplace=False):
        graph = input._rg and state.enabled
        pair = forward_slope(input._data, *params) if graph and forward_slope is not None else None
        res = wrap(forward(input._data, *params) if pair is None else pair[0], input._dtype)
        if graph:
            node = record(NodeInplace if inplace else Node, res, (input,), params)
            node.save(input, SavedOutput(res), *(() if pair is None else (wrap(pair[1], input._dtype),)))
        return commit_inplace(input, res) if inplace else res
    return apply


def _t(v, like):
    """A constant (scalar or array) as an operand of Ember ops on `like`."""
    return wrap(v, like._dtype) if isinstance(v, np.ndarray) else v


# ---------------------------------------------------------------------- rectifiers
_threshold = _elementwise("Threshold", lambda a, th, v: np.where(a > th, a, np.asarray(v, a.dtype)),
                          lambda x, out, th, v: x > th, "ThresholdBackward1")
_hardtanh = _elementwise("Hardtanh", lambda a, lo, hi: np.clip(a, lo, hi).astype(a.dtype, copy=False),
                         lambda x, out, lo, hi: (x > lo) & (x < hi))
_leaky = (lambda a, s: np.where(a > 0, a, a * s).astype(a.dtype, copy=False),
          lambda x, out, s: E["where"](x > 0, x.new_ones(()), _t(s, x)))
_leaky_relu = _elementwise("LeakyRelu", *_leaky, "LeakyReluBackward1")
_rrelu = _elementwise("RreluWithNoise", *_leaky, "RreluWithNoiseBackward1")


def relu(input, inplace=False):
    """max(x, 0)."""
    return input.relu_() if inplace else E["relu"](input)


def relu_(input):
    return input.relu_()


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    return _threshold(input, (threshold, value), inplace)


def threshold_(input, threshold, value):
    return _threshold(input, (threshold, value), True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _hardtanh(input, (min_val, max_val), inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return _hardtanh(input, (0.0, 6.0), inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x."""
    return _leaky_relu(input, (negative_slope,), inplace)


def leaky_relu_(input, negative_slope=0.01):
    return _leaky_relu(input, (negative_slope,), True)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training,
    and is (lower + upper) / 2 in evaluation."""
    if training:
        slope = rng().uniform(lower, upper, input._data.shape).astype(input._data.dtype)
        slope[input._data > 0] = 1  # the saved noise is 1 where x > 0, as torch's
    else:
        slope = (lower + upper) / 2
    return _rrelu(input, (slope,), inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


def _prelu_backward(self, g):
    x, w = self.saved
    wv = w.reshape(self.args) if w.numel() != 1 else w.reshape(())
    pos = x > 0
    gx = g * E["where"](pos, 1.0, wv) if self.next_functions[0][0] is not None else None
    gw = sum_to(g * x.masked_fill(pos, 0.0), self.args).reshape(w.shape) \
        if self.next_functions[1][0] is not None else None
    return gx, gw


_Prelu = node_class("PreluKernelBackward0", _prelu_backward)


def prelu(input, weight):
    """x if x > 0 else a * x, with one learnt slope a per channel (dim 1) or one for all."""
    a, w = input._data, weight._data
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {w.ndim}")
    channels = a.shape[1] if a.ndim >= 2 else (a.shape[0] if a.ndim else 1)
    if w.size != 1 and w.size != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{w.size} and channel size = {channels}.")
    shape = [1] * a.ndim
    if w.size != 1:
        shape[1 if a.ndim >= 2 else 0] = w.size
    res = wrap(np.where(a > 0, a, a * w.reshape(shape)), input._dtype)
    if state.enabled and (input._rg or weight._rg):
        node = record(_Prelu, res, (input, weight), tuple(shape))
        node.save(input, weight)
    return res


# ---------------------------------------------------------------------- exponential family
def _elu_forward(a, alpha, scale, input_scale):
    return np.where(a > 0, a * scale, (alpha * scale) * np.expm1(a * input_scale)).astype(a.dtype, copy=False)


def _elu_slope(x, out, alpha, scale, input_scale):
    return E["where"](x > 0, scale, (out + alpha * scale) * input_scale)


_elu = _elementwise("Elu", _elu_forward, _elu_slope, "EluBackward1")
_celu = _elementwise("Celu", _elu_forward, _elu_slope, "CeluBackward1")
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return _elu(input, (alpha, 1.0, 1.0), inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _elu(input, (SELU_ALPHA, SELU_SCALE, 1.0), inplace)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return _celu(input, (alpha, 1.0, 1.0 / alpha), inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


# ---------------------------------------------------------------------- smooth gates
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _gelu_fits(a, approximate):
    # float32 only: the compiled erf is exact to float32's rounding, not to float64's
    return approximate == "none" and a.dtype == np.float32 and a.size >= 4096 and _fused.fits(a)


def _gelu_forward(a, approximate):
    if _gelu_fits(a, approximate):  # one pass instead of SciPy's scalar erf and four NumPy passes
        return _fused.gelu(np.ascontiguousarray(a))
    if approximate == "tanh":
        return (0.5 * a * (1 + np.tanh(SQRT_2_OVER_PI * (a + 0.044715 * a ** 3)))).astype(a.dtype, copy=False)
    return (0.5 * a * (1 + sp.erf(a / math.sqrt(2.0)))).astype(a.dtype, copy=False)


def _gelu_slope(x, out, approximate):
    if approximate == "tanh":
        t = (SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)).tanh()
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return 0.5 * (1 + (x / math.sqrt(2.0)).erf()) + x * (-0.5 * x * x).exp() / math.sqrt(2 * math.pi)


def _gelu_forward_slope(a, approximate):
    return _fused.gelu(np.ascontiguousarray(a), with_slope=True) if _gelu_fits(a, approximate) else None


_gelu = _elementwise("Gelu", _gelu_forward, _gelu_slope, forward_slope=_gelu_forward_slope)


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi the standard normal CDF), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _gelu(input, (approximate,))


def _silu_slope(x, out):
    s = x.sigmoid()
    return s * (1 + x * (1 - s))


_silu = _elementwise("Silu", lambda a: a * sp.expit(a), _silu_slope)


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _silu(input, (), inplace)


def _mish_slope(x, out):
    t = x.clamp(max=20.0).exp().log1p().tanh()
    return t + x * x.sigmoid() * (1 - t * t)


_mish = _elementwise("Mish", lambda a: a * np.tanh(np.logaddexp(0, a)).astype(a.dtype, copy=False), _mish_slope)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _mish(input, (), inplace)


_hardsigmoid = _elementwise("Hardsigmoid", lambda a: np.clip(a / 6 + 0.5, 0, 1).astype(a.dtype, copy=False),
                            lambda x, out: ((x > -3) & (x < 3)) / 6.0)
_hardswish = _elementwise("Hardswish", lambda a: (a * np.clip(a + 3, 0, 6) / 6).astype(a.dtype, copy=False),
                          lambda x, out: (x > -3) * E["where"](x <= 3, x / 3 + 0.5, 1.0))


def hardsigmoid(input, inplace=False):
    """clamp(x / 6 + 1/2, 0, 1)."""
    return _hardsigmoid(input, (), inplace)


def hardswish(input, inplace=False):
    """x * hardsigmoid(x)."""
    return _hardswish(input, (), inplace)


def _softplus_forward(a, beta, threshold):
    return np.where(a * beta > threshold, a, np.logaddexp(0, a * beta) / beta).astype(a.dtype, copy=False)


_softplus = _elementwise("Softplus", _softplus_forward,
                         lambda x, out, beta, th: E["where"](x * beta > th, 1.0, (x * beta).sigmoid()))


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear above threshold."""
    return _softplus(input, (beta, threshold))


_logsigmoid = _elementwise("LogSigmoid", lambda a: -np.logaddexp(0, -a).astype(a.dtype, copy=False),
                           lambda x, out: (-x).sigmoid())


def logsigmoid(input):
    """log(sigmoid(x)), computed without overflow."""
    return _logsigmoid(input)


# ---------------------------------------------------------------------- shrinkage
_hardshrink = _elementwise("Hardshrink", lambda a, l: np.where(np.abs(a) > l, a, 0).astype(a.dtype, copy=False),
                           lambda x, out, l: x.abs() > l)
_softshrink = _elementwise("Softshrink",
                           lambda a, l: np.where(a > l, a - l, np.where(a < -l, a + l, 0)).astype(a.dtype, copy=False),
                           lambda x, out, l: x.abs() > l)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    return _hardshrink(input, (lambd,))


def softshrink(input, lambd=0.5):
    """x - lambd * sign(x) where |x| > lambd, else 0."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be in range [0, {float(np.finfo(input._data.dtype).max):g}] for input dtype "
                           f"{D._LEGACY[input._dtype.name]}, but found {lambd:g}")
    return _softshrink(input, (lambd,))


def tanhshrink(input):
    """x - tanh(x)."""
    return input - input.tanh()


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


# ---------------------------------------------------------------------- Ember's own ops, and softmax
def sigmoid(input):
    return E["sigmoid"](input)


def tanh(input):
    return E["tanh"](input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along dim (Ember's softmax op)."""
    return E["softmax"](input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along dim."""
    return E["softmax"](-input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along dim (Ember's log_softmax op)."""
    return E["log_softmax"](input, dim, dtype)


def _glu_backward(self, g):
    x, = self.saved
    d, half = self.args
    a, b = x.narrow(d, 0, half), x.narrow(d, half, half)
    s = b.sigmoid()
    return E["cat"]([g * s, g * a * s * (1 - s)], d)


_Glu = node_class("GluBackward0", _glu_backward)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of input along dim."""
    if input._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = input.narrow(d, 0, n // 2), input.narrow(d, n // 2, n // 2)
    res = wrap(a._data * sp.expit(b._data), input._dtype)
    if input._rg and state.enabled:
        node = record(_Glu, res, (input,), (d, n // 2))
        node.save(input)
    return res


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) with g ~ Gumbel(0, 1): a differentiable sample of a categorical; hard=True
    gives the one-hot of its argmax in the forward and the soft sample's gradient (straight-through)."""
    gumbels = -logits.new_empty(logits.shape).exponential_().log()
    y = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    one_hot = E["zeros_like"](logits).scatter(dim, y.argmax(dim, keepdim=True), 1.0)
    return one_hot - y.detach() + y


__all__ += ["gumbel_softmax"]
