"""The torch.* forms of nn ops (torch.conv2d, torch.dropout, torch.layer_norm, torch.lstm_cell, ...).

PyTorch exposes its aten kernels at top level. Where a kernel's signature equals its nn.functional
wrapper's, the torch.* name IS the nn.functional function (the same object); where aten orders or
encodes arguments differently (reduction as an int, embedding's weight first, batch_norm's
weight before the running stats), a one-line adapter maps onto the nn.functional definition.
ember/__init__.py resolves these names lazily, so `import ember` does not load nn."""
from ..._tensor import Tensor
from ...compat import NotImplementedInEmber
from . import activation as _act, conv as _conv, dropout as _drop, linear as _lin, loss as _loss
from . import normalization as _norm, pooling as _pool, sparse as _sparse, vision as _vision

# the same function object as nn.functional's: one definition, two names
_SHARED = {m: [n for n in names] for m, names in (
    (_act, ["celu", "celu_", "selu", "selu_", "rrelu", "rrelu_", "threshold", "threshold_", "hardshrink", "prelu"]),
    (_conv, ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]),
    (_lin, ["bilinear"]),
    (_loss, ["cosine_similarity", "pairwise_distance", "pdist"]),
    (_norm, ["rms_norm"]),
    (_pool, ["adaptive_avg_pool1d", "avg_pool1d", "max_pool1d", "max_pool2d", "max_pool3d"]),
    (_vision, ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]),
)}
globals().update({n: getattr(m, n) for m, names in _SHARED.items() for n in names})

# aten's Reduction enum: 0, 1, 2; torch.<loss>'s Python binding defaults to 0 (torch.kl_div(a, b) is elementwise)
_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction):
    return reduction if isinstance(reduction, str) else _REDUCTIONS[reduction]


# ---------------------------------------------------------------------- dropout: aten takes `train` positionally
def _p(p):
    """aten's check of p: a RuntimeError, where nn.functional raises ValueError."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    return p


def dropout(input, p, train):
    """torch.dropout(input, p, train)."""
    return _drop.dropout(input, _p(p), train)


def dropout_(input, p, train):
    return _drop.dropout(input, _p(p), train, inplace=True)


def alpha_dropout(input, p, train):
    return _drop.alpha_dropout(input, _p(p), train)


def alpha_dropout_(input, p, train):
    return _drop.alpha_dropout(input, _p(p), train, inplace=True)


def feature_dropout(input, p, train):
    """Zeroes whole channels (dim 1) of a batched input: nn.functional.dropout2d's rule for any rank."""
    return _drop._apply(input, _p(p), train, False, tuple(input.shape[:2]) + (1,) * (input.dim() - 2), False)


def feature_dropout_(input, p, train):
    return _drop._apply(input, _p(p), train, True, tuple(input.shape[:2]) + (1,) * (input.dim() - 2), False)


def feature_alpha_dropout(input, p, train):
    return _drop.feature_alpha_dropout(input, _p(p), train)


def feature_alpha_dropout_(input, p, train):
    return _drop.feature_alpha_dropout(input, _p(p), train, inplace=True)


# ---------------------------------------------------------------------- normalisation: aten's argument order
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    """torch.batch_norm: nn.functional.batch_norm with weight and bias first."""
    return _norm.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    return _norm.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return _norm.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return _norm.group_norm(input, num_groups, weight, bias, eps)


# ---------------------------------------------------------------------- embedding: the table comes first
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding(weight, indices): rows of weight; padding_idx=-1 means none."""
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    return _sparse.embedding(indices, weight, None if padding_idx == -1 else padding_idx, None, 2.0,
                             scale_grad_by_freq, sparse)


def embedding_renorm_(input, indices, max_norm, norm_type):
    """Rescale in place the rows of `input` named by indices whose norm exceeds max_norm."""
    from ... import no_grad
    with no_grad():
        rows = indices.reshape(-1).unique()
        norms = input[rows].norm(p=norm_type, dim=1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).clamp(max=1.0)
        input[rows] = input[rows] * scale
    return input


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """torch.embedding_bag: (output, offset2bag, bag_size, max_indices); Ember computes the output only
    and returns empty bookkeeping tensors, which no user formula reads."""
    out = _sparse.embedding_bag(indices, weight, offsets, None, 2, scale_grad_by_freq, ("sum", "mean", "max")[mode],
                                sparse, per_sample_weights, include_last_offset, padding_idx)
    empty = indices.new_zeros(0)
    return out, empty, empty, empty


# ---------------------------------------------------------------------- losses: reduction as aten's int
def kl_div(input, target, reduction=0, log_target=False):
    return _loss.kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return _loss.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return _loss.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return _loss.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction=0):
    return _loss.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                     reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _loss.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    return _loss.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                                  pos_weight=pos_weight)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    return _loss.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction),
                          zero_infinity)


# ---------------------------------------------------------------------- pooling, padding, convolution
def adaptive_max_pool1d(input, output_size):
    """torch.adaptive_max_pool1d: (values, indices), as aten returns both."""
    return _pool.adaptive_max_pool1d(input, output_size, return_indices=True)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _pool.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode, True)


def constant_pad_nd(input, pad, value=0):
    return _vision.pad(input, pad, "constant", value)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """torch.convolution: the one entry behind conv{1,2,3}d and conv_transpose{1,2,3}d."""
    d = weight.dim() - 2
    if transposed:
        fn = (_conv.conv_transpose1d, _conv.conv_transpose2d, _conv.conv_transpose3d)[d - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return (_conv.conv1d, _conv.conv2d, _conv.conv3d)[d - 1](input, weight, bias, stride, padding, dilation, groups)


def conv_tbc(input, weight, bias, pad=0):
    """Convolution over (time, batch, channel) input with a (kernel, in, out) weight."""
    out = _conv.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)


_GRID_MODES, _GRID_PADDING = ("bilinear", "nearest", "bicubic"), ("zeros", "border", "reflection")


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """torch.grid_sampler: nn.functional.grid_sample with aten's integer mode codes."""
    return _vision.grid_sample(input, grid, _GRID_MODES[interpolation_mode], _GRID_PADDING[padding_mode],
                               align_corners)


# ---------------------------------------------------------------------- recurrent cells and layers
def _steps():
    from .rnn import STEPS  # one definition of each cell's step, shared with nn.RNN/LSTM/GRU
    return STEPS


def _cell(kind):
    def cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
        return _steps()[kind](_lin.linear(input, w_ih, b_ih), hx, w_hh, b_hh)
    cell.__name__ = cell.__qualname__ = {"LSTM": "lstm_cell", "GRU": "gru_cell", "RNN_TANH": "rnn_tanh_cell",
                                         "RNN_RELU": "rnn_relu_cell"}[kind]
    cell.__doc__ = f"torch.{cell.__name__}: one step of the cell, from explicit weights."
    return cell


lstm_cell, gru_cell, rnn_tanh_cell, rnn_relu_cell = (_cell(k) for k in ("LSTM", "GRU", "RNN_TANH", "RNN_RELU"))


def _layers(kind, input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """Stacked (bi)directional recurrence over flat per-layer weights, as torch.lstm/gru/rnn_* take them."""
    from ... import cat, stack
    if not isinstance(params, (list, tuple)):  # the (data, batch_sizes, hx, params, ...) overload
        raise NotImplementedInEmber(f"torch.{kind.lower()} over packed sequences")
    step, per, dirs = _steps()[kind], 4 if has_biases else 2, 2 if bidirectional else 1
    x = input.transpose(0, 1) if batch_first else input
    states = [hx] if kind != "LSTM" else hx
    finals = []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w = params[k * per:(k + 1) * per]
            w_ih, w_hh = w[0], w[1]
            b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
            state = tuple(s[k] for s in states) if kind == "LSTM" else states[0][k]
            gx = _lin.linear(x, w_ih, b_ih)
            seq = []
            for t in (range(x.shape[0]) if d == 0 else reversed(range(x.shape[0]))):
                state = step(gx[t], state, w_hh, b_hh)
                seq.append(state[0] if kind == "LSTM" else state)
            outs.append(stack(seq if d == 0 else seq[::-1]))
            finals.append(state)
        x = cat(outs, -1) if dirs == 2 else outs[0]
        if dropout and train and layer < num_layers - 1:
            x = _drop.dropout(x, dropout, True)
    out = x.transpose(0, 1) if batch_first else x
    if kind == "LSTM":
        return out, stack([f[0] for f in finals]), stack([f[1] for f in finals])
    return out, stack(finals)


def _layer_fn(kind, name):
    def fn(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
        return _layers(kind, input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}: a whole stacked recurrence from explicit weights (the kernel behind nn.{kind})."
    return fn


lstm, gru, rnn_tanh, rnn_relu = (_layer_fn(k, n) for k, n in (("LSTM", "lstm"), ("GRU", "gru"),
                                                              ("RNN_TANH", "rnn_tanh"), ("RNN_RELU", "rnn_relu")))

__all__ = sorted([n for names in _SHARED.values() for n in names] + [
    "dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout", "feature_dropout_",
    "feature_alpha_dropout", "feature_alpha_dropout_", "batch_norm", "instance_norm", "layer_norm", "group_norm",
    "embedding", "embedding_renorm_", "embedding_bag", "kl_div", "cosine_embedding_loss", "margin_ranking_loss",
    "hinge_embedding_loss", "triplet_margin_loss", "poisson_nll_loss", "binary_cross_entropy_with_logits",
    "ctc_loss", "adaptive_max_pool1d", "max_pool1d_with_indices", "constant_pad_nd", "convolution", "conv_tbc",
    "grid_sampler", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell", "lstm", "gru", "rnn_tanh",
    "rnn_relu"])
