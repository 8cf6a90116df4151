"""Views and shape ops. A view is a NumPy view of the same memory, so writes reach the base;
it shares the base's version counter and records the base in `_base`, as in PyTorch."""
import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _root, _contiguous_strides
from . import layout as _layout
from ..autograd.graph import record
from ..autograd.grad_mode import state
from .registry import (op, fused, node_class, wrap, sum_to, shape_str, check_inplace, FUNCTIONS, operands, write_out,
                       with_out)


def view_of(t, arr):
    """A tensor over `arr`, a NumPy view of t's memory."""
    return Tensor._make(arr, t._dtype, t._base if t._base is not None else t)


def _record_view(Node, out, t, args):
    if t._rg and state.enabled:
        _mark_view(record(Node, out, (t,), args), out)
    return out


def _mark_view(node, out):
    """Remember the storage version a view's grad_fn was made at: if its base is later changed in
    place, graph.record regenerates the view's history (regenerate_view), as torch does."""
    if node is not None and out._base is not None:
        node._v = out._vc[0]


def _shape_args(shape):
    """A shape given as ints or as one sequence (tuple, list, Size, 1-d tensor), as a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Tensor)):
        shape = tuple(shape[0])
    for s in shape:
        if type(s) is not int:
            return tuple(int(s) for s in shape)
    return shape


def infer_shape(shape, numel):
    """Resolve one -1 in `shape` against numel, with torch's error messages."""
    p = math.prod(shape)
    if p == numel and -1 not in shape and (not shape or min(shape) >= 0):
        return shape
    if p < 0 and min(shape) == -1 and shape.count(-1) == 1 and numel % -p == 0:  # the usual single -1
        i = shape.index(-1)
        return shape[:i] + (numel // -p,) + shape[i + 1:]
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape_str(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


_View = node_class("ViewBackward0", lambda self, g: g.reshape(self.args))
_UnsafeView = node_class("UnsafeViewBackward0", lambda self, g: g.reshape(self.args))


@op()
def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(input, shape[0])
    shape = infer_shape(_shape_args(shape), input._data.size)
    arr = reshaped(input._data, shape)
    if arr is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return _record_view(_View, view_of(input, arr), input, input._data.shape)


def reshaped(a, shape):
    """a in a new shape as a view with torch's strides, or None when the memory layout allows no view."""
    if a.flags.c_contiguous:  # always a view: the plain call is ~0.4 us sooner than copy=False's
        out = a.reshape(shape)
    else:
        try:
            out = a.reshape(shape, copy=False)
        except ValueError:
            return None
    # NumPy renumbers the strides of size-1 dims, torch derives them from the input's (the same for a
    # C-contiguous input whose last dim strides by one element, in a new shape: both then give C strides)
    if a.size and (1 in a.shape or 1 in shape and not a.flags.c_contiguous) and \
            not (a.flags.c_contiguous and a.strides[-1] == a.itemsize and a.shape != shape):
        strides = view_strides(a.shape, a.strides, shape, a.itemsize)
        if strides != out.strides:
            out = strided(out, shape, strides)
    return out


def strided(a, shape, strides, writeable=True):
    """A view of a's memory, from its first element, with the given shape and byte strides."""
    if a.flags.c_contiguous or a.flags.f_contiguous:  # the ndarray constructor over a's buffer is 20x faster
        out = np.ndarray(shape, a.dtype, a, 0, strides)
        if not writeable:
            out.flags.writeable = False
        return out
    return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=writeable)


def view_strides(shape, strides, new, itemsize):
    """The strides torch's view gives `new` over (shape, strides) of a non-empty tensor: walking both
    shapes from the right, each run of dims that is contiguous in memory ("chunk") is re-split into the
    new dims it covers, each new dim striding by the chunk's base stride times the sizes to its right."""
    if not shape:
        return (itemsize,) * len(new)
    out = [0] * len(new)
    k = len(new) - 1
    base, numel, view_numel = strides[-1], 1, 1
    for d in range(len(shape) - 1, -1, -1):
        numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != numel * base):  # a chunk ends at d
            while k >= 0 and (view_numel < numel or new[k] == 1):
                out[k] = view_numel * base
                view_numel *= new[k]
                k -= 1
            if d > 0:
                base, numel, view_numel = strides[d - 1], 1, 1
    return tuple(out)


def _view_dtype(input, dt):
    if dt.itemsize != input._dtype.itemsize and input._data.ndim and input._data.strides[-1] != input._dtype.itemsize:
        raise RuntimeError("self.stride(-1) must be 1 to view " + repr(input._dtype) + " as " + repr(dt))
    out = Tensor._make(input._data.view(dt.np), dt, input._base if input._base is not None else input)
    return out


@op()
def reshape(input, *shape):
    shape = infer_shape(_shape_args(shape), input._data.size)
    arr = reshaped(input._data, shape)
    if arr is None:  # as torch: a copy, then an unsafe view of it
        return unsafe_view(clone(input), shape)
    return _record_view(_View, view_of(input, arr), input, input._data.shape)


def unsafe_view(input, shape):
    """input's data in a new shape, as a new tensor (not a view): torch's _unsafe_view."""
    return _record_view(_UnsafeView, wrap(input._data.reshape(shape), input._dtype), input, input._data.shape)


Tensor.view_as = lambda self, other: self.view(other.shape)
Tensor.reshape_as = lambda self, other: self.reshape(other.shape)


@op()
def flatten(input, start_dim=0, end_dim=-1):
    n = input._data.ndim
    if n == 0:
        return input.reshape(1)
    s, e = input._wrap_dim(start_dim), input._wrap_dim(end_dim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return input.reshape(shape[:s] + (-1,) + shape[e + 1:])


@op()
def unflatten(input, dim, sizes):
    d = input._wrap_dim(dim)
    shape = input._data.shape
    sizes = infer_shape(tuple(sizes), shape[d]) if -1 in sizes else tuple(sizes)
    if np.prod(sizes) != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {shape_str(sizes)} don't multiply up to the size of dim "
                           f"{dim} ({shape[d]}) in the input tensor")
    return input.view(shape[:d] + sizes + shape[d + 1:])


_Squeeze = node_class("SqueezeBackward0", lambda self, g: g.reshape(self.args))
_SqueezeDim = node_class("SqueezeBackward1", lambda self, g: g.reshape(self.args))
_SqueezeDims = node_class("SqueezeBackward2", lambda self, g: g.reshape(self.args))
_Unsqueeze = node_class("UnsqueezeBackward0", lambda self, g: g.squeeze(self.args))


@op()
def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
        Node = _Squeeze
    else:
        dims = {input._wrap_dim(d) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
        axes = tuple(i for i in sorted(dims) if shape[i] == 1)
        Node = _SqueezeDims if isinstance(dim, (tuple, list)) else _SqueezeDim
    # ndarray.squeeze keeps the other dims' strides (a reshape would renumber those of size-1 dims)
    return _record_view(Node, view_of(input, input._data.squeeze(axes)), input, shape)


def insert_axes(a, positions):
    """a with new size-1 axes at `positions` (ascending, in the result), strided as torch's unsqueeze:
    a new axis before dim k has stride size[k] * stride[k], one at the end stride 1."""
    shape, strides = list(a.shape), list(a.strides)
    for p in positions:
        strides.insert(p, shape[p] * strides[p] if p < len(shape) else a.itemsize)
        shape.insert(p, 1)
    out = a.reshape(shape)
    if out.strides != tuple(strides):  # NumPy's reshape renumbers the strides of size-1 dims
        out = strided(out, shape, strides)
    return out


@op()
def unsqueeze(input, dim):
    d = input._wrap_dim(dim, input._data.ndim + 1)
    return _record_view(_Unsqueeze, view_of(input, insert_axes(input._data, (d,))), input, d)


_Transpose = node_class("TransposeBackward0", lambda self, g: g.transpose(*self.args))
_T = node_class("TBackward0", lambda self, g: g.t())
_Permute = node_class("PermuteBackward0", lambda self, g: g.permute(*np.argsort(self.args).tolist()))


@op(aliases=("swapaxes", "swapdims"))
def transpose(input, dim0, dim1):
    a, b = input._wrap_dim(dim0), input._wrap_dim(dim1)
    return _record_view(_Transpose, view_of(input, np.swapaxes(input._data, a, b)), input, (a, b))


@op()
def t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return _record_view(_T, view_of(input, input._data.T), input, None)


def _keyword_shape(fn, keyword, given, kwargs):
    """The sizes of a `*sizes` op, or the one keyword torch also takes for them (`x.expand(size=...)`)."""
    if set(kwargs) - {keyword}:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{next(iter(set(kwargs) - {keyword}))}'")
    return (kwargs[keyword],) if keyword in kwargs and not given else given


@op()
def permute(input, *dims, **kwargs):
    dims = _shape_args(_keyword_shape("permute", "dims", dims, kwargs))
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to "
                           f"len(dims) = {len(dims)}")
    dims = tuple(input._wrap_dim(d) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _record_view(_Permute, view_of(input, input._data.transpose(dims)), input, dims)


@op(aliases=("moveaxis",))
def movedim(input, source, destination):
    src = [input._wrap_dim(d) for d in (source if isinstance(source, (tuple, list)) else (source,))]
    dst = [input._wrap_dim(d) for d in (destination if isinstance(destination, (tuple, list)) else (destination,))]
    order = [i for i in range(input._data.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return input.permute(*order)


Tensor.adjoint = lambda self: self.transpose(-2, -1).conj()
_Expand = node_class("ExpandBackward0", lambda self, g: sum_to(g, self.args))


@op()
def expand(input, *sizes, **kwargs):
    sizes = _shape_args(_keyword_shape("expand", "size", sizes, kwargs))
    a = input._data
    lead = len(sizes) - a.ndim
    if lead < 0:
        raise RuntimeError(f"expand(torch.{D._LEGACY[input._dtype.name]}Tensor{{{shape_str(a.shape)}}}, "
                           f"size={shape_str(sizes)}): the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({a.ndim})")
    # torch's strides: a dim that grows from 1 strides 0, a new leading dim of size 1 like the dim after it
    shape, strides, repeats = list(sizes), [0] * len(sizes), False
    for i in range(len(sizes) - 1, -1, -1):  # checked from the last dim, as torch does
        n = sizes[i]
        if i >= lead:
            s = a.shape[i - lead]
            if n == s or n == -1:
                shape[i], strides[i] = s, a.strides[i - lead]
            elif s == 1:
                repeats = repeats or n > 1
            else:
                raise RuntimeError(f"The expanded size of the tensor ({n}) must match the existing size ({s}) at "
                                   f"non-singleton dimension {i}.  Target sizes: {shape_str(sizes)}.  Tensor "
                                   f"sizes: {shape_str(a.shape)}")
        elif n == -1:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                               f"dimension {i}")
        elif n == 1:
            strides[i] = shape[i + 1] * strides[i + 1] if i + 1 < len(sizes) else a.itemsize
        else:
            repeats = repeats or n > 1
    arr = strided(a, tuple(shape), tuple(strides), writeable=not repeats)
    return _record_view(_Expand, view_of(input, arr), input, a.shape)


Tensor.expand_as = lambda self, other: self.expand(other.shape)
FUNCTIONS["broadcast_to"] = lambda input, shape: input.expand(*shape)
Tensor.broadcast_to = FUNCTIONS["broadcast_to"]


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(*shape) for t in tensors)


def broadcast_shapes(*shapes):
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: "
                           + ", ".join(shape_str(s) for s in shapes)) from None


FUNCTIONS["broadcast_tensors"] = broadcast_tensors
FUNCTIONS["broadcast_shapes"] = broadcast_shapes


# ---------------------------------------------------------------------- slicing views
def _embed(g, shape, index):
    """The gradient of x[index] for a basic index: g placed in zeros of x's shape."""
    return _Embed.apply(g, shape, index)


class _Embed:
    Node = node_class("SliceBackward0", lambda self, g: (g[self.args],))

    @staticmethod
    def apply(g, shape, index):
        z = np.zeros(shape, dtype=g._data.dtype)
        z[index] = g._data
        out = wrap(z, g._dtype)
        if g._rg and state.enabled:
            record(_EmbedBackward, out, (g,), index)
        return out


_EmbedBackward = node_class("SliceBackwardBackward0", lambda self, g: g[self.args])
_Slice = node_class("SliceBackward0", lambda self, g: _embed(g, *self.args))
_Select = node_class("SelectBackward0", lambda self, g: _embed(g, *self.args))


def basic_view(input, index, Node=_Slice):
    """x[index] for an index of ints, slices, None and Ellipsis: a view."""
    out = view_of(input, input._data[index])
    return _record_view(Node, out, input, (input._data.shape, index))


@op()
def narrow(input, dim, start, length):
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    start = int(start)
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return basic_view(input, (slice(None),) * d + (slice(start, start + length),))


@op()
def select(input, dim, index):
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {shape_str(input._data.shape)} "
                         f"at dimension {dim}")
    return basic_view(input, (slice(None),) * d + (index % n,), _Select)


# ---------------------------------------------------------------------- general strided views
def _flat_index(shape, strides, offset):
    """The storage positions an (shape, strides, offset) view looks at, as an int array of `shape`."""
    idx = np.full(shape, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        r = np.arange(n, dtype=np.int64) * s
        idx += r.reshape((n,) + (1,) * (len(shape) - d - 1))
    return idx


_GatherFlat = node_class("AsStridedBackward0", lambda self, g: _scatter_flat(g, *self.args))
_ScatterFlat = node_class("AsStridedScatterBackward0", lambda self, g: _gather_flat(g, self.args[1]))


def _gather_flat(x, idx):
    out = wrap(x.contiguous()._data.reshape(-1)[idx], x._dtype)
    if x._rg and state.enabled:
        record(_GatherFlat, out, (x,), (x._data.shape, idx))
    return out


def _scatter_flat(g, shape, idx):
    z = np.zeros(int(np.prod(shape)), dtype=g._data.dtype)
    np.add.at(z, idx, g._data)
    out = wrap(z.reshape(shape), g._dtype)
    if g._rg and state.enabled:
        record(_ScatterFlat, out, (g,), (shape, idx))
    return out


def strided_view(input, geometry, Node):
    """The view geometry(shape, strides) -> (shape, strides, start index per dim) of input, in elements:
    taken over input's memory strides for the view, and over its logical (contiguous) strides for the
    flat positions the gradient scatters back to."""
    a = input._data
    shape, strides, starts = geometry(a.shape, input.stride())
    src = a[tuple(slice(i, None) for i in starts)] if any(starts) else a
    out = view_of(input, strided(src, shape, tuple(s * a.itemsize for s in strides)))
    if input._rg and state.enabled:
        logical = _contiguous_strides(a.shape)
        shape, strides, starts = geometry(a.shape, logical)
        start = sum(i * s for i, s in zip(starts, logical))
        _mark_view(record(Node, out, (input,), (a.shape, _flat_index(shape, strides, start))), out)
    return out


def _node_scatter(name):
    return node_class(name, lambda self, g: _scatter_flat(g, *self.args))


_AsStrided = _node_scatter("AsStridedBackward0")
_Diagonal = _node_scatter("DiagonalBackward0")
_Unfold = _node_scatter("UnfoldBackward0")


@op()
def as_strided(input, size, stride, storage_offset=None):
    """A view of input's storage with the given size, strides and offset (in elements)."""
    base = input._data
    root_off = input.storage_offset()
    off = root_off if storage_offset is None else storage_offset
    flat = _root(base).reshape(-1, order="A").view(base.dtype)  # the storage, in memory order
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    need = off + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > flat.size:
        raise RuntimeError(f"setStorage: sizes {shape_str(size)}, strides {shape_str(stride)}, storage offset "
                           f"{off}, and itemsize {base.itemsize} requiring a storage size of {need * base.itemsize} "
                           f"are out of bounds for storage of size {flat.size * base.itemsize}")
    arr = strided(flat[off:], size, tuple(s * base.itemsize for s in stride))
    out = view_of(input, arr)
    if input._rg and state.enabled:
        if not base.flags.c_contiguous:
            raise RuntimeError("as_strided backward needs a contiguous input in Ember")
        _mark_view(record(_AsStrided, out, (input,), (base.shape, _flat_index(size, stride, off - root_off))), out)
    return out


@op()
def diagonal(input, offset=0, dim1=0, dim2=1):
    d1, d2 = input._wrap_dim(dim1), input._wrap_dim(dim2)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")

    def geometry(shape, st):
        n = max(0, min(shape[d1] - max(-offset, 0), shape[d2] - max(offset, 0)))
        keep = [i for i in range(len(shape)) if i not in (d1, d2)]
        starts = [0] * len(shape)
        if n:
            starts[d1], starts[d2] = max(-offset, 0), max(offset, 0)
        return tuple(shape[i] for i in keep) + (n,), tuple(st[i] for i in keep) + (st[d1] + st[d2],), starts
    return strided_view(input, geometry, _Diagonal)


@op()
def unfold(input, dimension, size, step):
    x = input if input._data.ndim else input.reshape(1)
    d = x._wrap_dim(dimension) if input._data.ndim else input._wrap_dim(dimension)
    if size > x._data.shape[d]:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {x._data.shape[d]} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")

    def geometry(shape, st):
        count = (shape[d] - size) // step + 1
        return (shape[:d] + (count,) + shape[d + 1:] + (size,), st[:d] + (st[d] * step,) + st[d + 1:] + (st[d],),
                (0,) * len(shape))
    out = strided_view(x, geometry, _Unfold)
    return out if input._data.ndim else out.reshape(out._data.shape[1:])


# ---------------------------------------------------------------------- copies
_Clone = node_class("CloneBackward0", lambda self, g: g)


@op()
def clone(input, *, memory_format=None):
    """A copy laid out as input (or in memory_format): torch.clone."""
    out = wrap(_layout.copy(input._data, memory_format), input._dtype)
    if input._rg and state.enabled:
        record(_Clone, out, (input,))
    return out


@op(function=False)
def contiguous(input, memory_format=None):
    """input itself when laid out in memory_format (row-major by default) already, else a copy that is."""
    memory_format = "contiguous_format" if memory_format is None else memory_format
    if _layout.has(input._data, memory_format):
        return input
    return clone(input, memory_format=memory_format)


_Cat = node_class("CatBackward0", lambda self, g: _split_sizes(g, *self.args))
_Stack = node_class("StackBackward0", lambda self, g: g.unbind(self.args))


def _split_sizes(g, sizes, dim):
    return tuple(g.narrow(dim, s, n) for s, n in zip(np.cumsum((0,) + sizes[:-1]).tolist(), sizes))


def _tensors_dtype(tensors, name):
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if not tensors:
        if name == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"{name}(): expected a non-empty list of Tensors")
    return D.result_type(*[t if t.ndim else t.reshape(1) for t in tensors]) if len(tensors) > 1 else tensors[0].dtype


@op(method=False, aliases=("concat",))
def cat(tensors, dim=0, *, out=None):
    dt = _tensors_dtype(tensors, "torch.cat")
    parts = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or list(tensors[:1])
    ref = parts[0]
    if ref._data.ndim == 0:
        raise RuntimeError(f"zero-dimensional tensor (at position 0) cannot be concatenated")
    d = ref._wrap_dim(dim)
    for i, t in enumerate(parts):
        if t._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref._data.ndim} and "
                               f"{t._data.ndim}")
        for k in range(ref._data.ndim):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref._data.shape[k]} but got size {t._data.shape[k]} for tensor number {i} "
                                   f"in the list.")
    out_t = wrap(np.concatenate([t._data.astype(dt.np, copy=False) for t in parts], axis=d), dt)
    if state.enabled and any(t._rg for t in parts):
        node = record(_Cat, out_t, tuple(parts), (tuple(t._data.shape[d] for t in parts), d))
    return out_t if out is None else write_out(out, out_t, "cat")


@op(method=False)
def stack(tensors, dim=0, *, out=None):
    dt = _tensors_dtype(tensors, "stack")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {shape_str(shape)} at entry 0 "
                               f"and {shape_str(t._data.shape)} at entry {i}")
    d = tensors[0]._wrap_dim(dim, len(shape) + 1)
    res = wrap(np.stack([t._data.astype(dt.np, copy=False) for t in tensors], axis=d), dt)
    if state.enabled and any(t._rg for t in tensors):
        record(_Stack, res, tuple(tensors), d)
    return res if out is None else write_out(out, res, "stack")


FUNCTIONS["concatenate"] = lambda tensors, axis=0, out=None: cat(tensors, axis, out=out)
FUNCTIONS["hstack"] = with_out(lambda tensors: cat([t.reshape(-1) if t.ndim == 0 else t for t in tensors],
                                                   0 if tensors[0].ndim <= 1 else 1), "hstack")
FUNCTIONS["vstack"] = with_out(lambda tensors: cat([t.unsqueeze(0) if t.ndim == 1 else t.reshape(1, 1) if t.ndim == 0
                                                    else t for t in tensors], 0), "vstack")
FUNCTIONS["row_stack"] = FUNCTIONS["vstack"]
FUNCTIONS["dstack"] = with_out(lambda tensors: cat([t.reshape(1, -1, 1) if t.ndim < 2 else
                                                    (t.unsqueeze(-1) if t.ndim == 2 else t) for t in tensors], 2),
                               "dstack")
FUNCTIONS["column_stack"] = with_out(lambda tensors: cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], 1),
                                     "column_stack")


def _split_backward(self, *grads):
    shapes, d = self.args
    return FUNCTIONS["cat"]([g if g is not None else _zeros(s, self.dtype_) for g, s in zip(grads, shapes)], d)


def _unbind_backward(self, *grads):
    shape, d = self.args
    return FUNCTIONS["stack"]([g if g is not None else _zeros(shape, self.dtype_) for g in grads], d)


def _zeros(shape, dt):
    return wrap(np.zeros(shape, dtype=dt.np), dt)


# split and unbind have one output per piece: their nodes know how many
_SplitNode = node_class("SplitBackward0", _split_backward)
_SplitNode = type("SplitBackward0", (_SplitNode,), {"__slots__": ("n_outputs", "dtype_")})
_SplitSizesNode = type("SplitWithSizesBackward0", (_SplitNode,), {"__slots__": ()})
_UnbindNode = node_class("UnbindBackward0", _unbind_backward)
_UnbindNode = type("UnbindBackward0", (_UnbindNode,), {"__slots__": ("n_outputs", "dtype_")})


def _multi_record(Node, outs, input, args):
    if input._rg and state.enabled:
        node = Node.__new__(Node)
        node.n_outputs, node.dtype_ = len(outs), input._dtype
        from ..autograd.graph import Node as Base, edge
        Base.__init__(node)
        node.next_functions = (edge(input),)
        node.args = args
        for i, o in enumerate(outs):
            o.grad_fn, o._rg, o._output_nr = node, True, i
        node._v = input._vc[0]
    return outs


@op()
def split(tensor, split_size_or_sections, dim=0):
    d = tensor._wrap_dim(dim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={list(sizes)}")
    starts = np.cumsum([0] + sizes[:-1]).tolist()
    outs = tuple(view_of(tensor, tensor._data[(slice(None),) * d + (slice(a, a + k),)])
                 for a, k in zip(starts, sizes))
    shapes = tuple(o._data.shape for o in outs)
    node = _SplitNode if isinstance(split_size_or_sections, int) else _SplitSizesNode
    return _multi_record(node, outs, tensor, (shapes, d))


Tensor.split_with_sizes = lambda self, sizes, dim=0: split(self, list(sizes), dim)


@op()
def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input._data.shape[input._wrap_dim(dim)]
    size = -(-n // chunks) if n else 1
    return split(input, max(size, 1), dim)


@op()
def tensor_split(input, indices_or_sections, dim=0):
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    else:
        bounds = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
    starts = np.cumsum([0] + sizes[:-1]).tolist()
    return tuple(input.narrow(d, a, k) for a, k in zip(starts, sizes))  # torch: one slice per piece


@op()
def unbind(input, dim=0):
    d = input._wrap_dim(dim)
    outs = tuple(view_of(input, a) for a in np.moveaxis(input._data, d, 0))
    shape = input._data.shape[:d] + input._data.shape[d + 1:]
    return _multi_record(_UnbindNode, outs, input, (shape, d))


_Flip = node_class("FlipBackward0", lambda self, g: g.flip(self.args))
_Roll = node_class("RollBackward0", lambda self, g: g.roll(*self.args))


@op()
def flip(input, dims):
    dims = tuple(input._wrap_dim(d) for d in (dims if isinstance(dims, (tuple, list)) else (dims,)))
    out = wrap(np.flip(input._data, dims).copy(), input._dtype)
    return _record_view(_Flip, out, input, dims)


FUNCTIONS["fliplr"] = lambda input: input.flip(1)
FUNCTIONS["flipud"] = lambda input: input.flip(0)
Tensor.fliplr, Tensor.flipud = FUNCTIONS["fliplr"], FUNCTIONS["flipud"]


@op()
def roll(input, shifts, dims=None):
    out = wrap(np.roll(input._data, shifts, dims), input._dtype)
    neg = tuple(-s for s in shifts) if isinstance(shifts, (tuple, list)) else -shifts
    return _record_view(_Roll, out, input, (neg, dims))


_Repeat = node_class("RepeatBackward0", lambda self, g: _repeat_backward(g, *self.args))


def _repeat_backward(g, in_shape, reps):
    lead = len(reps) - len(in_shape)
    shape = (1,) * lead + tuple(in_shape)
    split_shape = []
    for r, s in zip(reps, shape):
        split_shape += [r, s]
    g = g.reshape(split_shape).sum(tuple(range(0, 2 * len(reps), 2)))
    return g.reshape(in_shape)


@op()
def repeat(input, *sizes):
    reps = _shape_args(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    out = wrap(np.tile(input._data, reps), input._dtype)
    return _record_view(_Repeat, out, input, (input._data.shape, reps))


@op()
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each slice along dim repeated `repeats` times in place (the flattened input when dim is None)."""
    if repeats is None:  # repeat_interleave(counts): index i repeated counts[i] times
        return wrap(np.repeat(np.arange(input._data.size), input._data), D.int64)
    x = input.reshape(-1) if dim is None else input
    d = x._wrap_dim(dim) if dim is not None else 0
    n = x._data.shape[d] if x._data.ndim else 1
    if isinstance(repeats, int) and x._data.ndim:  # each slice broadcast r times, then merged (torch's nodes)
        shape = x._data.shape
        return x.unsqueeze(d + 1).expand(*shape[:d + 1], repeats, *shape[d + 1:]).clone().flatten(d, d + 1)
    r = repeats._data.reshape(-1) if isinstance(repeats, Tensor) else repeats
    if isinstance(repeats, Tensor) and r.size not in (1, n):
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{r.size} and input.size({d}) = {n}")
    return x.index_select(d, wrap(np.repeat(np.arange(n), r), D.int64))


@op()
@fused("Rot90Backward0")
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of dims, from the first towards the second."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input._data.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input._data.ndim}")
    d0, d1 = input._wrap_dim(dims[0]), input._wrap_dim(dims[1])
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip((d0, d1))
    return input.flip(d0).transpose(d0, d1) if k == 3 else input.clone()


@op()
def tile(input, dims):
    dims = tuple(dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, *dims)


_Tril = node_class("TrilBackward0", lambda self, g: g.tril(self.args))
_Triu = node_class("TriuBackward0", lambda self, g: g.triu(self.args))


@op(inplace=True)
def tril(input, diagonal=0):
    return _record_view(_Tril, wrap(np.tril(input._data, diagonal), input._dtype), input, diagonal)


@op(inplace=True)
def triu(input, diagonal=0):
    return _record_view(_Triu, wrap(np.triu(input._data, diagonal), input._dtype), input, diagonal)


@op()
def diag(input, diagonal=0):
    if input._data.ndim == 1:
        return diag_embed(input, diagonal)
    if input._data.ndim != 2:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input._data.ndim}D")
    return _diagonal_copy(input, diagonal)


@fused("DiagonalBackward0_copy")
def _diagonal_copy(input, offset):
    return input.diagonal(offset).clone()


@op()
def diagflat(input, offset=0):
    return diag(input.reshape(-1), offset)


_DiagEmbed = node_class("DiagEmbedBackward0", lambda self, g: g.diagonal(self.args, -2, -1))


@op()
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    n = input._data.shape[-1] + abs(offset)
    z = np.zeros(input._data.shape[:-1] + (n, n), dtype=input._data.dtype)
    i = np.arange(input._data.shape[-1])
    z[..., i + max(-offset, 0), i + max(offset, 0)] = input._data
    return _record_view(_DiagEmbed, wrap(z, input._dtype), input, offset)


def rebase_view(view, out):
    """After an in-place op on a view, the base's history becomes 'the old base with the view's region
    replaced by the op's result': torch's CopySlices, which wraps the op's node (whose input 0 is the
    view) and takes over its other inputs."""
    from ..autograd.graph import edge
    base, fn = view._base, out.grad_fn
    node = _CopySlices()
    node.next_functions = (edge(base),) + fn.next_functions[1:]
    node.args = (fn, _region_index(base, view), base._data.shape)
    base.grad_fn, base._rg, base._output_nr = node, True, 0
    fn._v = view._vc[0]  # the view's own history (fn) holds until the base changes again


def regenerate_view(view):
    """The history of a view whose base was changed in place after the view was made: 'this region of
    the base as it is now' (torch's regenerated AsStridedBackward0)."""
    from ..autograd.graph import edge, _short_name
    old = view.grad_fn
    if old.n_outputs > 1:
        raise RuntimeError(f"Output {view._output_nr} of {_short_name(old)} is a view and its base or another view "
                           "of its base has been modified inplace. This view is the output of a function that "
                           "returns multiple views. Such functions do not allow the output views to be modified "
                           "inplace. You should replace the inplace operation by an out-of-place one.")
    base = view._base
    node = _AsStrided()
    node.next_functions = (edge(base),)
    node.args = (base._data.shape, _region_index(base, view))
    node._v = view._vc[0]
    view.grad_fn, view._output_nr = node, 0
    return node


def _region_index(base, view):
    return _flat_index(view._data.shape, view.stride(), view.storage_offset() - base.storage_offset())


_CopySlices = node_class("torch::autograd::CopySlices", lambda self, g: _copy_slices_grads(self, g))


def _copy_slices_grads(self, g):
    """The base's gradient passes outside the region; inside, the wrapped op's gradient for the view does."""
    fn, idx, shape = self.args
    grads = fn.backward(_gather_flat(g, idx))
    if type(grads) is not tuple:
        grads = (grads,)
    outside = np.ones(g._data.size, dtype=bool)
    outside[idx.ravel()] = False
    g_base = g * wrap(outside.reshape(shape), D.bool_)
    if grads[0] is not None:
        g_base = g_base + _scatter_flat(grads[0], shape, idx)
    return (g_base,) + tuple(grads[1:])


# torch names the in-place forms' nodes apart (squeeze_(dim) records SqueezeBackward4)
_INPLACE_NODE_NAMES = {"SqueezeBackward0": "SqueezeBackward3", "SqueezeBackward1": "SqueezeBackward4",
                       "SqueezeBackward2": "SqueezeBackward5", "UnsqueezeBackward0": "UnsqueezeBackward1",
                       "TBackward0": "TBackward1", "TransposeBackward0": "TransposeBackward1",
                       "AsStridedBackward0": "AsStridedBackward1"}
_inplace_nodes = {}


def _inplace_view(name):
    """t_, transpose_, squeeze_, ...: self becomes the view (new shape and strides over the same data)."""
    def method_(self, *args, **kwargs):
        check_inplace(self)
        out = getattr(Tensor, name)(self, *args, **kwargs)
        self._data = out._data
        node = out.grad_fn
        if node is not None:
            cls = type(node)
            if cls.__name__ in _INPLACE_NODE_NAMES:
                if cls not in _inplace_nodes:
                    _inplace_nodes[cls] = type(_INPLACE_NODE_NAMES[cls.__name__], (cls,), {"__slots__": ()})
                node.__class__ = _inplace_nodes[cls]
            self.grad_fn, self._output_nr = node, out._output_nr
        return self
    method_.__name__ = method_.__qualname__ = name + "_"
    setattr(Tensor, name + "_", method_)


for _n in ("t", "transpose", "swapaxes", "swapdims", "squeeze", "unsqueeze", "as_strided"):
    _inplace_view(_n)
FUNCTIONS["as_strided_"] = Tensor.as_strided_


# ---------------------------------------------------------------------- composites of the views above
def _one_or_tuple(fn, tensors):
    """torch.atleast_*d(x) returns a tensor; atleast_*d(x, y) or atleast_*d([x, y]) a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return fn(tensors[0])
    items = tensors[0] if len(tensors) == 1 else tensors
    return tuple(fn(t) for t in items)


def atleast_1d(*tensors):
    """The tensor(s) with at least one dim: a 0-d tensor becomes shape (1,)."""
    return _one_or_tuple(lambda t: t.reshape(1) if t._data.ndim == 0 else t, tensors)


def atleast_2d(*tensors):
    """At least two dims: (n,) becomes (1, n)."""
    return _one_or_tuple(lambda t: t.reshape(1, -1) if t._data.ndim < 2 else t, tensors)


def atleast_3d(*tensors):
    """At least three dims: (n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1), as NumPy's atleast_3d."""
    def three(t):
        nd = t._data.ndim
        return t.reshape(1, 1, 1) if nd == 0 else t.reshape(1, -1, 1) if nd == 1 else t.unsqueeze(-1) if nd == 2 \
            else t
    return _one_or_tuple(three, tensors)


@op()
def ravel(input):
    """The elements as a 1-D tensor (a view when the layout allows)."""
    return input.reshape(-1)


def _dim_split(name, dim, min_dims):
    def fn(input, indices_or_sections):
        nd = input._data.ndim
        if nd < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                               f"with {nd} dimensions!")
        d = 0 if name == "hsplit" and nd == 1 else dim
        if isinstance(indices_or_sections, int) and indices_or_sections and \
                input._data.shape[d] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{input._data.shape[d]} is not divisible by the split_size {indices_or_sections}!")
        return input.tensor_split(indices_or_sections, d)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}: tensor_split along dim {dim} (whose size a section count must divide)."
    return fn


for _name, _dim, _min in (("hsplit", 1, 1), ("vsplit", 0, 2), ("dsplit", 2, 3)):
    op(_name)(_dim_split(_name, _dim, _min))


@op()
def split_with_sizes(input, split_sizes, dim=0):
    return split(input, list(split_sizes), dim)


# torch's unsafe_* splits skip the view bookkeeping; Ember's views are already cheap, so they are the same ops
for _name, _fn in (("unsafe_split", split), ("unsafe_chunk", chunk), ("unsafe_split_with_sizes", split_with_sizes)):
    op(_name)(_fn)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: 'ij' gives shape (len0, len1, ...), 'xy' swaps the first two."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
        if t._dtype is not tensors[0]._dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    shape = [t.numel() for t in order]
    grids = []
    for i, t in enumerate(order):
        view = [1] * len(order)
        view[i] = -1
        grids.append(t.reshape(view).expand(*shape))
    if swap:  # the grids of (y, x, ...) in 'ij' order are the 'xy' grids of (x, y, ...), listed swapped back
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, one per row (itertools.product)."""
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input, r=2, with_replacement=False):
    """The r-element combinations of a 1-D tensor's elements, one per row (itertools.combinations)."""
    import itertools
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape [{', '.join(map(str, input._data.shape))}]")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty(0)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return input.index_select(0, wrap(idx.reshape(-1), D.int64)).reshape(-1, r)


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-D) as blocks along the diagonal of one matrix, zeros elsewhere."""
    from .. import zeros
    mats = []
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
        mats.append(t.reshape(1, -1) if t._data.ndim < 2 else t)
    if not mats:
        return zeros(1, 0)
    dt = D.result_type(*mats)
    width = sum(m._data.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m._data.shape
        rows.append(cat([zeros(r, left, dtype=dt), m.to(dt), zeros(r, width - left - c, dtype=dt)], 1))
        left += c
    return cat(rows, 0)


@op()
def vander(x, N=None, increasing=False):
    """Columns x**0, x**1, ..., x**(N-1) (reversed unless increasing), from a 1-D x."""
    from .. import arange
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    base = x.to(D.promote_types(x._dtype, D.int64)) if x._dtype._cat < 2 else x
    powers = base.unsqueeze(-1) ** arange(n, dtype=D.int64)
    return powers if increasing else powers.flip(-1)


@op()
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (after joining prepend and append); != for bool."""
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = input._wrap_dim(dim)
    parts = [p.expand(*(input.shape[:d] + (p.shape[d] if p.dim() else 1,) + input.shape[d + 1:])) if p.dim() != 0
             else p.expand(*(input.shape[:d] + (1,) + input.shape[d + 1:])) for p in (prepend,) if p is not None]
    parts += [input] + [a if a.dim() else a.expand(*(input.shape[:d] + (1,) + input.shape[d + 1:]))
                        for a in (append,) if a is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        m = x._data.shape[d]
        if m == 0:
            break
        hi, lo = x.narrow(d, 1, m - 1), x.narrow(d, 0, m - 1)
        x = hi != lo if x._dtype is D.bool_ else hi - lo
    return x


FUNCTIONS.update(atleast_1d=atleast_1d, atleast_2d=atleast_2d, atleast_3d=atleast_3d, meshgrid=meshgrid,
                 cartesian_prod=cartesian_prod, combinations=combinations, block_diag=block_diag)


# ---------------------------------------------------------------------- *_copy: each view op, as a fresh tensor
def _copy_variant(view_name):
    """torch.<view>_copy: the view's values in new memory (clone of each view returned); takes out=."""
    def fn(input, *args, **kwargs):
        res = (FUNCTIONS.get(view_name) or getattr(Tensor, view_name))(input, *args, **kwargs)
        return tuple(r.clone() for r in res) if isinstance(res, (tuple, list)) else res.clone()
    fn.__name__ = fn.__qualname__ = view_name + "_copy"
    fn.__doc__ = f"torch.{view_name}_copy: torch.{view_name}, copied out of the input's storage."
    return fn


def _slice(input, dim=0, start=None, end=None, step=1):
    return input[(slice(None),) * input._wrap_dim(dim) + (slice(start, end, step),)]


def _alias(input):
    return view_of(input, input._data)


Tensor._slice, Tensor._alias = _slice, _alias
for _view in ("view", "permute", "expand", "t", "transpose", "squeeze", "unsqueeze", "select", "split",
              "split_with_sizes", "unbind", "unfold", "diagonal", "detach", "as_strided", "view_as_real",
              "view_as_complex", "narrow", "_slice", "_alias"):
    _name = _view.strip("_") + "_copy"
    if _view == "narrow":
        op(_name, function=True)(_copy_variant(_view))
    else:
        op(_name, method=False)(_copy_variant(_view))


# ---------------------------------------------------------------------- *_scatter: a view's region replaced
def _scatter_variant(view_name):
    """torch.<view>_scatter(input, src, ...): a copy of input whose <view>(...) region holds src."""
    def fn(input, src, *args, **kwargs):
        out = input.clone()
        region = getattr(Tensor, view_name)(out, *args, **kwargs)
        if tuple(region.shape) != tuple(src.shape):
            raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                               f"[{', '.join(map(str, src.shape))}], slice size = "
                               f"[{', '.join(map(str, region.shape))}]")
        region.copy_(src)
        return out
    fn.__name__ = fn.__qualname__ = view_name.strip("_") + "_scatter"
    fn.__doc__ = f"torch.{fn.__name__}: input with its {view_name.strip('_')} region replaced by src (out of place)."
    return fn


for _view in ("diagonal", "select", "_slice", "as_strided"):
    op(_view.strip("_") + "_scatter")(_scatter_variant(_view))
