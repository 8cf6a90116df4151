"""Memory formats: how a new tensor made like another lays out its elements (torch.preserve_format,
contiguous_format, channels_last, channels_last_3d), as torch's empty_like, clone, *_like and .to do.

preserve_format keeps the input's strides when its elements are dense in memory (a transposed matrix
stays transposed: its clone's .view may fail as torch's does), and otherwise packs them densely in
the order of the input's strides. channels_last puts the channel dim of an (N, C, H, W) tensor
innermost, as NHWC memory; channels_last_3d likewise for (N, C, D, H, W)."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

_LAST = {"channels_last": 4, "channels_last_3d": 5}


def dense_order(shape, strides):
    """The dims outermost first as torch.empty_like orders them: by stride, equal strides by size, dims of
    stride 0 left where they are among the others (an insertion sort, innermost first)."""
    def outside(d0, d1):  # > 0: d0 goes outside d1
        if strides[d0] == 0 or strides[d1] == 0:
            return 0
        if strides[d0] != strides[d1]:
            return 1 if strides[d0] > strides[d1] else -1
        return 1 if shape[d0] > shape[d1] else 0
    perm = list(range(len(shape)))[::-1]
    for i in range(1, len(perm)):
        j = i
        for k in range(i - 1, -1, -1):
            c = outside(perm[k], perm[j])
            if c > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif c < 0:
                break
    return perm[::-1]


def _name(memory_format):
    return "preserve_format" if memory_format is None else getattr(memory_format, "name", str(memory_format))


def check(memory_format, ndim):
    """torch's error for channels_last (channels_last_3d) asked of a tensor that is not 4-D (5-D)."""
    rank = _LAST.get(_name(memory_format))
    if rank is not None and ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {_name(memory_format)} format")


def empty_like(a, memory_format=None, dtype=None):
    """An empty array shaped as a, laid out in memory_format (None: preserve_format) as torch lays out
    empty_like(a): for preserve_format a's own strides when they are dense, else dense in the order of a's
    strides (dense_order)."""
    dtype = a.dtype if dtype is None else np.dtype(dtype)
    name = _name(memory_format)
    if name == "contiguous_format" or a.size == 0 or (name == "preserve_format" and a.flags.c_contiguous
                                                       and 1 not in a.shape):  # (the common case, quickly)
        return np.empty(a.shape, dtype)
    check(memory_format, a.ndim)
    if name not in _LAST and a.flags.c_contiguous:
        out = np.empty(a.shape, dtype)
    else:  # channels last: N, the spatial dims, then C in memory
        order = [0, *range(2, a.ndim), 1] if name in _LAST else dense_order(a.shape, a.strides)
        out = np.empty([a.shape[d] for d in order], dtype).transpose(np.argsort(order))
    if name == "preserve_format":  # dense in a's own layout: a's strides, those of its size-1 dims too
        strides = tuple(s // a.itemsize * out.itemsize for s in a.strides)
        if strides != out.strides and all(x == y for x, y, n in zip(out.strides, strides, a.shape) if n > 1):
            out = as_strided(out, a.shape, strides)
    return out


def has(a, memory_format):
    """Whether a is laid out in memory_format already (preserve_format: always)."""
    name = _name(memory_format)
    if name == "preserve_format":
        return True
    if name == "contiguous_format":
        return bool(a.flags.c_contiguous)
    check(memory_format, a.ndim)
    want = empty_like(a, memory_format)
    return all(x == y for x, y, n in zip(want.strides, a.strides, a.shape) if n > 1)


def copy(a, memory_format=None, dtype=None):
    """a's values (cast to dtype) in a new array laid out in memory_format (empty_like's)."""
    if memory_format is None and a.flags.c_contiguous and 1 not in a.shape:
        return a.copy() if dtype is None or np.dtype(dtype) == a.dtype else a.astype(dtype)
    out = empty_like(a, memory_format, dtype)
    np.copyto(out, a, casting="unsafe")
    return out
