"""Lookup tables: embedding (one node, EmbeddingBackward0), embedding_bag, one_hot."""
import numpy as np

from ... import _dtype as D
from ...autograd.graph import record
from ...autograd.grad_mode import state, no_grad
from ..._ops.registry import node_class, wrap, FUNCTIONS as E
from ..._kernels import loops as _loops, grads as _grads

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _embedding_backward(self, g):
    idx, = self.saved
    num, padding_idx, scale_grad_by_freq = self.args
    flat = idx.reshape(-1)
    rows = g.reshape(-1, g.shape[-1])
    if scale_grad_by_freq:  # each row's gradient divided by how often its index occurs in the batch
        counts = np.bincount(flat._data, minlength=num)[flat._data]
        rows = rows / wrap(counts.reshape(-1, 1).astype(g._data.dtype), g._dtype)
    if padding_idx is not None:  # the padding row never learns
        rows = rows * wrap((flat._data != padding_idx).reshape(-1, 1).astype(g._data.dtype), g._dtype)
    if not state.enabled and _loops.fits(rows._data):  # the rows added in one compiled loop (same order)
        out = np.zeros((num, g.shape[-1]), rows._data.dtype)
        _grads.index_add_rows(out, flat._data, np.ascontiguousarray(rows._data))
        return wrap(out, g._dtype)
    return g.new_zeros((num, g.shape[-1])).index_add(0, flat, rows)


_Embedding = node_class("EmbeddingBackward0", _embedding_backward)


def _check_indices(input, num):
    if input._dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {D.legacy_type_name(input._dtype)} instead (while checking arguments "
                           f"for embedding)")
    a = input._data
    if a.size and (a.min() < 0 or a.max() >= num):
        raise IndexError("index out of range in self")


def _padding(padding_idx, num):
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx % num


def _renorm_rows(weight, idx, max_norm, norm_type):
    """Rescale (in place, untracked) the referenced rows whose norm exceeds max_norm."""
    with no_grad():
        rows = np.unique(idx)
        w = weight._data
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7)).reshape(-1, 1).astype(w.dtype)
        weight._vc[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """weight[input]: one row of the table per index; the padding_idx row gets no gradient."""
    num = weight.shape[0]
    _check_indices(input, num)
    padding_idx = _padding(padding_idx, num)
    if max_norm is not None:
        _renorm_rows(weight, input._data, max_norm, norm_type)
    res = wrap(weight._data[input._data], weight._dtype)
    if weight._rg and state.enabled:
        node = record(_Embedding, res, (weight,), (num, padding_idx, scale_grad_by_freq))
        node.save(input.long() if input._dtype is not D.int64 else input)
    return res


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sum, mean or max of the embeddings of each bag: the rows of a 2-D input, or the slices of
    a 1-D input starting at `offsets`."""
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  f"the Pytorch GitHub.")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences.")
        bags, length = input.shape
        bag_of = np.repeat(np.arange(bags), length)
        flat = input.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        starts = offsets._data.astype(np.int64)
        if include_last_offset:
            starts = starts[:-1]
        bags = len(starts)
        bag_of = np.searchsorted(starts, np.arange(input.shape[0]), side="right") - 1
        flat = input
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    padding_idx = _padding(padding_idx, weight.shape[0])
    keep = flat._data != padding_idx if padding_idx is not None else np.ones(flat.shape[0], bool)
    emb = embedding(flat, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
    if per_sample_weights is not None:
        emb = emb * per_sample_weights.reshape(-1, 1)
    kept = np.nonzero(keep)[0]
    rows = emb.index_select(0, wrap(kept, D.int64))
    bag_idx = wrap(bag_of[kept], D.int64)
    if mode == "max":
        out = [rows.index_select(0, wrap(np.nonzero(bag_of[kept] == b)[0], D.int64)).amax(0)
               if (bag_of[kept] == b).any() else weight.new_zeros(weight.shape[1]) for b in range(bags)]
        return E["stack"](out, 0)
    total = weight.new_zeros((bags, weight.shape[1])).index_add(0, bag_idx, rows)
    if mode == "sum":
        return total
    counts = np.maximum(np.bincount(bag_of[kept], minlength=bags), 1).reshape(-1, 1)
    return total / wrap(counts.astype(weight._data.dtype), weight._dtype)


def one_hot(tensor, num_classes=-1):
    """An int64 tensor with a trailing dim of num_classes: 1 at each index, 0 elsewhere."""
    if tensor._dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = tensor._data
    if a.size and a.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not a.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    elif a.size and a.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(a.shape + (num_classes,), np.int64)
    np.put_along_axis(out, a[..., None], 1, axis=-1)
    return wrap(out, D.int64)
