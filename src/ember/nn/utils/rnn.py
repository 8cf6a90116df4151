"""Packed sequences (torch.nn.utils.rnn): batches of variable-length sequences for the recurrent layers.

A PackedSequence stores the time steps one after another, each holding only the sequences still
running (`batch_sizes[t]` of them, longest first). Packing and unpacking are row gathers
(index_select), so gradients flow through them."""
from collections import namedtuple

import numpy as np

from ... import _dtype as D
from ..._ops.creation import tensor, full
from ..._ops.shape import cat, stack
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """(data, batch_sizes, sorted_indices, unsorted_indices), as torch.nn.utils.rnn.PackedSequence."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    """The permutation that undoes `permutation` (None stays None)."""
    if permutation is None:
        return None
    p = permutation._data
    inv = np.empty_like(p)
    inv[p] = np.arange(len(p), dtype=p.dtype)
    return tensor(inv, dtype=D.int64)


def _lengths(lengths):
    return np.asarray(lengths.tolist() if isinstance(lengths, Tensor) else lengths, dtype=np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded (T, B, *) batch (or (B, T, *) with batch_first) of sequences of `lengths`."""
    lens = _lengths(lengths)
    if enforce_sorted:
        if np.any(lens[:-1] < lens[1:]):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        order = sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = tensor(order, dtype=D.int64)
        lens = lens[order]
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    x = input.transpose(0, 1) if batch_first else input
    T, B = x.shape[0], x.shape[1]
    if lens.size and lens[0] > T:
        raise RuntimeError(f"Expected sequence length to be at most {T}, but got a sequence of length {lens[0]}")
    batch_sizes = (lens[None, :] > np.arange(int(lens[0]) if lens.size else 0)[:, None]).sum(1)
    # row t*B + b of the (T·B, *) view for every (t, b) still running, in time order
    columns = np.arange(B) if order is None else order
    rows = np.concatenate([t * B + columns[:n] for t, n in enumerate(batch_sizes)]) if batch_sizes.size else \
        np.zeros(0, np.int64)
    data = x.reshape(T * B, *x.shape[2:]).index_select(0, tensor(rows, dtype=D.int64))
    return PackedSequence(data, tensor(batch_sizes, dtype=D.int64), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpack to a padded (T, B, *) batch (or (B, T, *)) and the lengths, in the original batch order."""
    data, batch_sizes = sequence.data, sequence.batch_sizes._data
    T = len(batch_sizes)
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {T}")
        T_out = total_length
    else:
        T_out = T
    B = int(batch_sizes[0]) if T else 0
    lens = (batch_sizes[None, :] > np.arange(B)[:, None]).sum(1)  # length of each sorted sequence
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).astype(np.int64)
    pad_row = data.shape[0]
    t = np.arange(T_out)[:, None]
    b = np.arange(B)[None, :]
    running = t < lens[None, :]
    rows = np.where(running, offsets[np.minimum(t, T - 1)] + b, pad_row)  # the padding row where a sequence ended
    pad = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = cat([data, pad]).index_select(0, tensor(rows.reshape(-1), dtype=D.int64))
    padded = padded.reshape(T_out, B, *data.shape[1:])
    lengths = tensor(lens, dtype=D.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices]
    return (padded.transpose(0, 1) if batch_first else padded), lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shape (L_i, *) into (L_max, B, *) (or (B, L_max, *)), padding the short ones."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        short = longest - s.shape[0]
        if short:
            fill = full((short,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype)
            s = cat([s, fill]) if padding_side == "right" else cat([fill, s])
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences of a padded batch, each cut to its length."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_lengths(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences of shape (L_i, *)."""
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences in a PackedSequence, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
