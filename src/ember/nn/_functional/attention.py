"""Attention: F.scaled_dot_product_attention and F.multi_head_attention_forward, written with
Ember ops (matmul, softmax, masked_fill), so their gradients come from autograd.

For 4-D q, k, v of one batch and head width, without a mask (or with is_causal), dropout or grouped
heads, scaled_dot_product_attention is ONE node, as torch's ScaledDotProductFlashAttentionForCpuBackward0:
two batched products around a compiled softmax, and a backward of four products around the softmax's
gradient, the batch shared out between the threads (Ember's workers run their share as one compiled
job)."""
import math

import numpy as np

from ... import _dtype as D
from ...autograd.graph import record
from ...autograd.grad_mode import state
from ..._ops.registry import node_class, wrap
from ..._kernels import fused as _fused
from ..._ops import layout as _layout
from ..._ops.creation import zeros, ones
from ..._ops.shape import cat
from .activation import softmax
from .dropout import dropout
from .linear import _dtype_name, linear
from .vision import pad

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_NEG_INF = float("-inf")


def _as_additive(mask, dtype, allowed_true):
    """A boolean mask as 0 / -inf (True allowed when allowed_true, else True masked); float masks as they are."""
    if mask is None or mask.dtype is not D.bool_:
        return mask
    blocked = mask.logical_not() if allowed_true else mask
    return zeros(mask.shape, dtype=dtype).masked_fill(blocked, _NEG_INF)


def _attention_backward(self, g):
    """dv = Pᵀg, dP = g vᵀ, dS = scale·P·(dP - Σ P·dP), dq = dS k, dk = dSᵀq; while recording a graph
    (create_graph) in Ember ops with P recomputed from q and k, for higher orders."""
    q, k, v, p = self.saved
    scale, causal, mask, groups = self.args
    nq, nk, nv = (n is not None for n, _ in self.next_functions)
    if state.enabled:
        if groups > 1:  # each of k's and v's heads serves `groups` heads of q
            k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
        p = _softmax_of_logits(q, k, scale, causal, mask)
        gp = g.matmul(v.transpose(-2, -1))
        gs = p * (gp - (gp * p).sum(-1, keepdim=True)) * scale
        dk, dv = (gs.transpose(-2, -1).matmul(q) if nk else None, p.transpose(-2, -1).matmul(g) if nv else None)
        if groups > 1:
            dk, dv = (None if d is None else d.unflatten(1, (-1, groups)).sum(2) for d in (dk, dv))
        return gs.matmul(k) if nq else None, dk, dv
    qa, pa, ga = q._data, p._data, g._data
    ka, va = (_heads_repeated(a._data, groups) for a in (k, v))
    dq = _grad_like(qa) if nq else None
    # with groups the products give one gradient per head of q, summed into k's and v's heads after
    dk, dv = (None if not n else _grad_like(a) if groups == 1 else np.empty(a.shape, a.dtype)
              for a, n in ((ka, nk), (va, nv)))
    gs = np.empty(pa.shape, qa.dtype)

    def share(a, b):
        if nv:
            np.matmul(pa[a:b].swapaxes(-1, -2), ga[a:b], out=dv[a:b])
        np.matmul(ga[a:b], va[a:b].swapaxes(-1, -2), out=gs[a:b])
        _fused.softmax_backward(pa[a:b].reshape(-1, *pa.shape[-2:]), gs[a:b].reshape(-1, *gs.shape[-2:]), scale)
        if nq:
            np.matmul(gs[a:b], ka[a:b], out=dq[a:b])
        if nk:
            np.matmul(gs[a:b].swapaxes(-1, -2), qa[a:b], out=dk[a:b])
    _fused.shares(share, len(qa), _min_batch(qa, ka, va),
                  job=lambda a, b: _fused.attention_backward_job(qa, ka, va, pa, ga, gs, dq, dk, dv, a, b, scale))
    if groups > 1:
        dk, dv = (None if d is None else _heads_summed(d, groups, like) for d, like in ((dk, k._data), (dv, v._data)))
    dt = q._dtype
    return tuple(None if a is None else wrap(a, dt) for a in (dq, dk, dv))


def _heads_repeated(a, groups):
    """a (B, H, S, E) with each head repeated `groups` times in a row (B, H·groups, S, E): grouped-query
    attention's keys and values, one head per head of q."""
    return a if groups == 1 else np.repeat(a, groups, axis=1)


def _heads_summed(d, groups, like):
    """The gradient of _heads_repeated: d (B, H·groups, S, E) summed over each head's group, laid out as
    torch lays out its fused attention's gradient of `like` (_grad_like)."""
    out = _grad_like(like)
    np.sum(d.reshape(d.shape[0], -1, groups, *d.shape[2:]), axis=2, out=out)
    return out


_Attention = node_class("ScaledDotProductFlashAttentionForCpuBackward0", _attention_backward)


def _grad_like(a):
    """An empty gradient for q, k or v laid out as torch's fused attention lays its gradients out: of 4-D
    (B, H, L, E), as empty((B, L, H, E)).transpose(1, 2), whatever a's strides (so the gradient of heads
    split from a (B, L, H·E) projection views back into it without a copy); else C-contiguous."""
    if a.ndim != 4:
        return np.empty(a.shape, a.dtype)
    return np.empty((a.shape[0], a.shape[2], a.shape[1], a.shape[3]), a.dtype).swapaxes(1, 2)


def _softmax_of_logits(q, k, scale, causal, mask=None):
    logits = q.matmul(k.transpose(-2, -1)) * scale
    if causal:
        L, S = logits.shape[-2:]
        logits = logits.masked_fill(ones(L, S, dtype=D.bool_).tril().logical_not(), _NEG_INF)
    return _weights(logits, mask)


def _weights(logits, mask):
    """softmax(logits + mask) over the last dim (mask additive, or None); rows that may attend nowhere (all
    -inf) give 0, not NaN, with a zero gradient."""
    if mask is None:
        return softmax(logits, -1)
    logits = logits + mask
    dead = logits.isneginf().all(-1, keepdim=True)
    if bool(dead.any()):
        return softmax(logits.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)
    return softmax(logits, -1)


def _broadcasts(shape, to):
    """Whether an array of shape broadcasts to the shape `to` (as many or fewer dims)."""
    return len(shape) <= len(to) and all(a in (1, b) for a, b in zip(shape[::-1], to[::-1]))


def _min_batch(q, k, v):
    """Leading-dim entries from which the threads share an attention: 2^20 multiply-adds (~0.1 ms) or more."""
    per = max(1, q[:1].size // q.shape[-1] * k.shape[-2] * (q.shape[-1] + v.shape[-1]))
    return max(2, -(-(1 << 20) // per))


def _output_like(q, k, v):
    """The attention's output array (..., L, Ev), laid out as torch lays out its fused attention's: for 4-D
    q, k, v with Ev = E and the last dims' stride 1, as torch.empty_like(q.transpose(1, 2)).transpose(1, 2),
    else C-contiguous. So heads split from a (B, L, H·E) projection give an output whose transpose(1, 2)
    is contiguous, and `.contiguous()` there copies nothing."""
    if q.ndim != 4 or v.shape[-1] != q.shape[-1] or any(a.strides[-1] != a.itemsize for a in (q, k, v)):
        return np.empty((*q.shape[:-1], v.shape[-1]), q.dtype)
    return _layout.empty_like(q.swapaxes(1, 2)).swapaxes(1, 2)


def _attention(query, key, value, scale, causal, mask=None, groups=1):
    """The one-node attention of same-batch q (..., L, E), k (..., S, E), v (..., S, Ev), with an additive
    mask (a tensor broadcasting to the logits' shape) or None; with groups > 1 (4-D, grouped-query), each
    head of k and v serves `groups` consecutive heads of q."""
    q = query._data
    k, v = (_heads_repeated(t._data, groups) for t in (key, value))
    p = np.empty((*q.shape[:-1], k.shape[-2]), q.dtype)
    out = _output_like(q, k, v)
    m = None if mask is None else np.broadcast_to(mask._data, p.shape)
    row_scale = scale if m is None else 1.0  # with a mask the logits are scaled before it is added

    def share(a, b):  # a slice of the leading dim, in one thread: products and softmax
        np.matmul(q[a:b], k[a:b].swapaxes(-1, -2), out=p[a:b])
        if m is not None:
            p[a:b] *= p.dtype.type(scale)
            p[a:b] += m[a:b]
        _fused.softmax(p[a:b].reshape(-1, *p.shape[-2:]), row_scale, causal)
        np.matmul(p[a:b], v[a:b], out=out[a:b])
    _fused.shares(share, len(q), _min_batch(q, k, v), job=None if m is not None else
                  lambda a, b: _fused.attention_job(q, k, v, p, out, a, b, scale, causal))
    res = wrap(out, query._dtype)
    if state.enabled and (query._rg or key._rg or value._rg):
        node = record(_Attention, res, (query, key, value), (scale, causal, mask, groups))
        node.save(query, key, value, wrap(p, query._dtype))
    return res


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(q kᵀ · scale + mask) v over the last two dims (torch.nn.functional.scaled_dot_product_attention).
    A boolean attn_mask marks the positions that may be attended; rows with none give zeros."""
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if attn_mask is not None and attn_mask.dtype is not D.bool_ and attn_mask.dtype is not query.dtype:
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {_dtype_name(attn_mask.dtype)} and  query.dtype: "
                           f"{_dtype_name(query.dtype)} instead.")
    groups = _groups(query, key, value) if enable_gqa else 1
    # one node where torch's CPU takes its fused kernel (4-D, one batch, Ev = E, a mask of 2 or 4 dims that
    # needs no gradient, grouped-query heads); elsewhere (3-D or 5-D inputs, Ev ≠ E, dropout, a 3-D mask)
    # torch composes matmuls and softmax, and so does Ember (the same grad_fn)
    if (dropout_p == 0.0 and query.dim() == 4 and L and S and query.shape[-1] and groups
            and query.shape[:-3] == key.shape[:-3] and query.shape[-3] == key.shape[-3] * groups
            and key.shape == value.shape
            and key.shape[-1] == query.shape[-1] and _fused.fits(query._data, key._data, value._data)
            and (attn_mask is None or (attn_mask.dim() in (2, 4) and not is_causal and not attn_mask.requires_grad
                                       and _broadcasts(attn_mask.shape, (*query.shape[:-1], S))))):
        return _attention(query, key, value, scale, is_causal, _as_additive(attn_mask, query.dtype, True), groups)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        attn_mask = ones(L, S, dtype=D.bool_).tril()
    if enable_gqa:
        key, value = (t.repeat_interleave(query.shape[-3] // t.shape[-3], dim=-3) for t in (key, value))
    weights = _weights(query.matmul(key.transpose(-2, -1)) * scale, _as_additive(attn_mask, query.dtype, True))
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return weights.matmul(value)


def _groups(query, key, value):
    """How many heads of q each head of k and v serves (enable_gqa), 0 when k's and v's head counts differ;
    torch's errors where their head counts do not divide q's."""
    for t in (query, key, value):
        t._wrap_dim(-3)
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq % hk or hq % hv:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    return hq // hk if hk == hv else 0


def _check_mha_mask(attn_mask, L, S, bsz, num_heads):
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (L, S):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(L, S)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != (bsz * num_heads, L, S):
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                               f"{(bsz * num_heads, L, S)}.")
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention over (L, N, E) query and (S, N, E_k/E_v) key/value, or unbatched (L, E)
    (torch.nn.functional.multi_head_attention_forward). Returns the output and, with need_weights,
    the attention weights (averaged over heads when average_attn_weights)."""
    batched = query.dim() == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    L, bsz, E = query.shape
    S = key.shape[0]
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {E}")
    head_dim = E // num_heads
    if head_dim * num_heads != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads}")
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != (bsz, S):
        raise AssertionError(f"expecting key_padding_mask shape of {(bsz, S)}, but got "
                             f"{tuple(key_padding_mask.shape)}")
    dt = query.dtype
    key_padding_mask = _as_additive(key_padding_mask, dt, False)
    attn_mask = _as_additive(attn_mask, dt, False)
    if attn_mask is not None:
        attn_mask = _check_mha_mask(attn_mask, L, S, bsz, num_heads)

    # input projections (one GEMM for self-attention)
    if not use_separate_proj_weight:
        if query is key and key is value:
            q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        else:
            w_q, w_k, w_v = in_proj_weight.chunk(3)
            b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
            q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    else:
        b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
        q, k, v = linear(query, q_proj_weight, b_q), linear(key, k_proj_weight, b_k), linear(value, v_proj_weight, b_v)

    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None

    q = q.reshape(L, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v)
    if add_zero_attn:
        k = cat([k, zeros(bsz * num_heads, 1, head_dim, dtype=dt)], 1)
        v = cat([v, zeros(bsz * num_heads, 1, head_dim, dtype=dt)], 1)
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None
    S = k.shape[1]
    if key_padding_mask is not None:
        kpm = key_padding_mask.reshape(bsz, 1, 1, S).expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0

    if need_weights:
        logits = (q * math.sqrt(1.0 / head_dim)).bmm(k.transpose(-2, -1))
        if attn_mask is not None:
            logits = logits + attn_mask
        weights = softmax(logits, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p, True)
        out = weights.bmm(v).transpose(0, 1).reshape(L * bsz, E)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(L, bsz, E)
        weights = weights.reshape(bsz, num_heads, L, S)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else
                     attn_mask.reshape(bsz, num_heads, -1, S))
    q, k, v = (t.reshape(bsz, num_heads, t.shape[1], head_dim) for t in (q, k, v))
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p)
    out = out.permute(2, 0, 1, 3).reshape(bsz * L, E)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(L, bsz, E)
    return (out if batched else out.squeeze(1)), None
