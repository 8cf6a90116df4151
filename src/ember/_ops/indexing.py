"""Indexing (get and set, basic and advanced), gather/scatter, index_*, masked_*, copies and casts."""
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.graph import record, SavedOutput
from ..autograd.grad_mode import state, no_grad
from . import layout as _layout
from .registry import op, node_class, wrap, cast, sum_to, shape_str, commit_inplace, check_inplace, FUNCTIONS
from .shape import basic_view, _Select, view_of, _record_view, insert_axes

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
              "(got {})")


def _is_index_part(e):
    return e is None or e is Ellipsis or isinstance(e, (list, tuple, range, slice, Tensor, np.ndarray))


def _convert_index(x, index):
    """Translate a torch index into a NumPy one; report whether it is basic (gives a view)."""
    if type(index) is list and len(index) < 32 and any(_is_index_part(e) for e in index):
        index = tuple(index)  # torch reads a short list holding sequences, slices, ... as a tuple of indices
    if not isinstance(index, tuple):
        index = (index,)
    out, basic, consumed = [], True, 0
    for i in index:
        t = type(i)
        if t is int or t is slice and _plain(i):  # the common cases first
            consumed += 1
            out.append(i)
            continue
        if i is None or i is Ellipsis:
            out.append(i)
            continue
        if isinstance(i, Tensor):
            if i._dtype._cat >= 2 or i._dtype.name in ("int8", "int16"):  # torch takes int64/int32/uint8/bool
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            i = i._data
            if i.dtype == np.uint8:
                i = i.astype(bool)
            elif i.ndim == 0 and i.dtype != np.bool_:  # a 0-d integer tensor indexes as an int: a view
                i = int(i)
        if isinstance(i, (bool, np.bool_)):
            basic = False
            out.append(np.bool_(i))
            continue
        if isinstance(i, (int, np.integer)):
            consumed += 1
            out.append(int(i))
        elif isinstance(i, slice):
            if i.step is not None and _as_int(i.step) <= 0:
                raise ValueError("step must be greater than zero")
            consumed += 1
            out.append(slice(*(_as_int(v) if v is not None else None for v in (i.start, i.stop, i.step))))
        elif i is None or i is Ellipsis:
            out.append(i)
        elif isinstance(i, (list, np.ndarray, range, tuple)):  # a range or inner tuple is a sequence index
            arr = np.asarray(i if not isinstance(i, (range, tuple)) else list(i))
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.dtype.kind not in "iub":
                raise IndexError(_BAD_INDEX.format(type(i).__name__))
            basic = False
            consumed += arr.ndim if arr.dtype == bool else 1
            out.append(arr.astype(np.int64) if arr.dtype.kind in "iu" else arr)
        elif isinstance(i, str):
            raise TypeError("new(): invalid data type 'str'")
        else:
            raise IndexError(_BAD_INDEX.format(type(i).__name__))
    if consumed > x._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x._data.ndim}")
    return tuple(out), basic


def _plain(s):
    """A slice of ints (or None) with a positive step, which NumPy takes as it is."""
    return ((s.start is None or type(s.start) is int) and (s.stop is None or type(s.stop) is int)
            and (s.step is None or type(s.step) is int and s.step > 0))


def _as_int(v):
    return int(v.item()) if isinstance(v, Tensor) else int(v)


_Alias = node_class("AliasBackward0", lambda self, g: g)


def _view_chain(self, index, idx):
    """The graph of a basic index as torch records it: one select / slice / unsqueeze per component,
    left to right, full slices skipped (x[a:b] alone is always a slice; nothing left is an alias)."""
    if not isinstance(index, tuple) and isinstance(idx[0], slice):  # (`type` is an op in this module)
        return basic_view(self, idx + (Ellipsis,))
    consumed = sum(1 for i in idx if i is not None and i is not Ellipsis)
    out, d = self, 0
    for i in idx:
        if i is Ellipsis:
            d += self._data.ndim - consumed
        elif i is None:
            out, d = out.unsqueeze(d), d + 1
        elif isinstance(i, int):
            out = basic_view(out, (slice(None),) * d + (i, Ellipsis), _Select)
        else:
            n = out._data.shape[d]
            if i.indices(n) != (0, n, 1):
                out = basic_view(out, (slice(None),) * d + (i, Ellipsis))
            d += 1
    return out if out is not self else _record_view(_Alias, view_of(self, self._data[...]), self, None)


def _numpy_index(arr, index):
    try:
        return arr[index]
    except IndexError as e:
        msg = str(e)
        if "out of bounds" in msg:
            raise IndexError(msg.replace("axis", "dimension")) from None
        if "boolean index did not match" in msg:
            raise IndexError(f"The shape of the mask {_mask_shape(index)} at index 0 does not match the shape of the "
                             f"indexed tensor {shape_str(arr.shape)} at index 0") from None
        raise IndexError(msg) from None
    except ValueError as e:
        raise IndexError(str(e)) from None


def _mask_shape(index):
    for i in index:
        if isinstance(i, np.ndarray) and i.dtype == bool:
            return shape_str(i.shape)
    return "[]"


def _index_backward(self, g):
    shape, index, dt = self.args
    return index_put(g.new_zeros(shape), index, g, accumulate=True)


_Index = node_class("IndexBackward0", _index_backward)


def _new_axes_first(a, idx):
    """Insert the size-1 axes an index's Nones ask for into `a` before indexing, so that they get
    torch's strides (NumPy gives a None axis stride 0); the Nones become full slices."""
    consumed = len(idx) - idx.count(None) - idx.count(Ellipsis)
    positions, k = [], 0
    for i in idx:
        if i is Ellipsis:
            k += a.ndim - consumed
        else:
            if i is None:
                positions.append(k)
            k += 1
    return insert_axes(a, positions), tuple(slice(None) if i is None else i for i in idx)


def _split_mixed(ndim, idx):
    """An index mixing basic parts (ints, slices, None, ...) with arrays, as torch applies it: the basic
    parts first as a view (an array's dims kept whole), then the arrays on that view with full slices
    elsewhere. None when the index is arrays and full slices only (NumPy's rules then are torch's)."""
    if all(type(i) is np.ndarray or type(i) is np.bool_ or i == slice(None) for i in idx):
        return None
    consumed = sum(i.ndim if type(i) is np.ndarray and i.dtype == bool else 0 if i is None or i is Ellipsis
                   or type(i) is np.bool_ else 1 for i in idx)
    first, second = [], []
    for i in idx:
        if type(i) is np.ndarray:
            k = i.ndim if i.dtype == bool else 1
            first += [slice(None)] * k
            second.append(i)
        elif type(i) is np.bool_:
            second.append(i)
        elif i is Ellipsis:
            first += [slice(None)] * (ndim - consumed)
            second += [slice(None)] * (ndim - consumed)
        elif isinstance(i, int):
            first.append(i)
        else:  # a slice or None: a dim of the view
            first.append(i)
            second.append(slice(None))
    return tuple(first), tuple(second)


def getitem(self, index):
    idx, basic = _convert_index(self, index)
    if not basic:
        split = _split_mixed(self._data.ndim, idx)
        if split is not None:
            return getitem(getitem(self, split[0]), split[1])
    if basic:
        # Ellipsis last: NumPy then gives a 0-d view, not a scalar, for an all-int index
        src, flat = _new_axes_first(self._data, idx) if None in idx else (self._data, idx)
        arr = _numpy_index(src, flat if Ellipsis in flat else flat + (Ellipsis,))
        if self._rg and state.enabled:
            return _view_chain(self, index, idx)
        return view_of(self, arr)
    res = wrap(_numpy_index(self._data, idx), self._dtype)
    if self._rg and state.enabled:
        record(_Index, res, (self,), (self._data.shape, idx, self._dtype))
    return res


def _index_put_grads(self, g):
    index, vshape, vdt = self.args
    (n_self, _), (n_val, _) = self.next_functions
    g_self = index_put(g, index, 0.0) if n_self is not None else None
    g_val = None
    if n_val is not None:
        g_val = getitem(g, index)
        g_val = sum_to(g_val, vshape) if g_val._data.shape != vshape else g_val
        g_val = g_val if g_val._dtype is vdt else g_val.to(vdt)
    return g_self, g_val


_IndexPut = node_class("IndexPutBackward0", _index_put_grads)
_IndexPutAcc = node_class("IndexPutBackward0", lambda self, g: _index_put_acc_grads(self, g))


def _index_put_acc_grads(self, g):
    index, vshape, vdt = self.args
    g_val = getitem(g, index)
    return g, (sum_to(g_val, vshape) if g_val._data.shape != vshape else g_val)


def _put_array(arr, index, value, accumulate):
    try:
        if accumulate:
            np.add.at(arr, index, value)
        else:
            arr[index] = value
    except ValueError:
        region = np.empty_like(arr)[index].shape
        raise RuntimeError(f"shape mismatch: value tensor of shape {shape_str(np.shape(value))} cannot be broadcast "
                           f"to indexing result of shape {shape_str(region)}") from None
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None


@op()
def index_put(input, indices, values, accumulate=False):
    """A copy of input with input[indices] = values (or += with accumulate)."""
    idx = indices if isinstance(indices, tuple) and not any(isinstance(i, Tensor) for i in indices) \
        else _convert_index(input, tuple(indices))[0]
    out = input._data.copy()
    v = values._data.astype(out.dtype, copy=False) if isinstance(values, Tensor) else values
    _put_array(out, idx, v, accumulate)
    res = wrap(out, input._dtype)
    vt = values if isinstance(values, Tensor) else None
    if state.enabled and (input._rg or (vt is not None and vt._rg)):
        meta = (idx, vt._data.shape if vt is not None else (), vt._dtype if vt is not None else None)
        record(_IndexPutAcc if accumulate else _IndexPut, res, (input, vt), meta)
    return res


def index_put_(self, indices, values, accumulate=False):
    return setitem(self, tuple(indices), values, accumulate)


Tensor.index_put_ = index_put_


def setitem(self, index, value, accumulate=False):
    idx, basic = _convert_index(self, index)
    split = None if basic else _split_mixed(self._data.ndim, idx)
    if split is not None:  # into the view the basic parts select (the view shares self's memory)
        setitem(getitem(self, split[0]), split[1], value, accumulate)
        return self
    if not basic and any(type(i) is np.ndarray and i.ndim for i in idx):
        _check_put(self, index, value)
    needs_graph = state.enabled and (self._rg or (isinstance(value, Tensor) and value._rg))
    if needs_graph and basic and not accumulate:  # as torch: a copy into the view self[index] (CopySlices)
        copy_(getitem(self, index), value)
        return self
    check_inplace(self)
    if needs_graph:
        return commit_inplace(self, index_put(self, idx, value, accumulate))
    if not self._data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                           "memory location. Please clone() the tensor before performing the operation.")
    if isinstance(value, Tensor):
        value = value._data
    elif not isinstance(value, (int, float, bool, complex, np.generic, np.ndarray)):
        value = FUNCTIONS["tensor"](value)._data
    _put_array(self._data, idx, value, accumulate)
    self._vc[0] += 1
    return self


def _check_put(self, index, value):
    """torch's errors for x[advanced index] = value: dtypes must agree, and a byte mask cannot be filled."""
    if isinstance(value, Tensor) and value._dtype is not self._dtype and value._data.ndim:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{D._LEGACY[self._dtype.name]} for the destination and {D._LEGACY[value._dtype.name]} "
                           f"for the source.")
    if isinstance(index, Tensor) and index._dtype is D.uint8 and (not isinstance(value, Tensor) or not value.ndim):
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")


Tensor.__getitem__ = getitem


def _setitem_operator(self, index, value):
    setitem(self, index, value)


Tensor.__setitem__ = _setitem_operator


# ---------------------------------------------------------------------- gather / scatter
def _along(dim, index_shape):
    """Full NumPy index tuples placing `index` along dim (the scatter/gather addressing)."""
    grids = np.indices(index_shape, sparse=True)
    return lambda index: tuple(index if d == dim else g for d, g in enumerate(grids))


def _check_index(input, dim, index, name):
    if index._dtype is not D.int64 and index._dtype is not D.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index._data.ndim != input._data.ndim and not (index._data.ndim <= 1 and input._data.ndim <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {'input' if name == 'gather' else 'self'} tensor")
    n = input._data.shape[dim] if input._data.ndim else 1
    if index._data.size and (index._data.min() < -n or index._data.max() >= n):
        bad = index._data[(index._data < -n) | (index._data >= n)].flat[0]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {n}")


_Gather = node_class("GatherBackward0", lambda self, g: g.new_zeros(self.args[0]).scatter_add(self.args[1],
                                                                                                  self.saved[0], g))


@op()
def gather(input, dim, index, *, sparse_grad=False):
    d = input._wrap_dim(dim)
    _check_index(input, d, index, "gather")
    res = wrap(input._data[_along(d, index._data.shape)(index._data)], input._dtype)
    if input._rg and state.enabled:
        node = record(_Gather, res, (input,), (input._data.shape, d))
        node.save(index)
    return res


def _scatter_grads(self, g):
    index, = self.saved
    d = self.args
    edges = self.next_functions
    g_in = g.scatter(d, index, 0.0) if edges[0][0] is not None else None
    if len(edges) == 1:  # a number was scattered
        return g_in
    return g_in, (g.gather(d, index) if edges[1][0] is not None else None)


_Scatter = node_class("ScatterBackward0", _scatter_grads)
_ScatterValue = node_class("ScatterBackward1", _scatter_grads)
_ScatterAdd = node_class("ScatterAddBackward0", lambda self, g: (g, g.gather(self.args, self.saved[0])
                                                                 if self.next_functions[1][0] is not None else None))


def _scatter(input, dim, index, src, accumulate, reduce=None):
    d = input._wrap_dim(dim)
    _check_index(input, d, index, "scatter")
    out = input._data.copy()
    where = _along(d, index._data.shape)(index._data)
    if isinstance(src, Tensor):
        s = src._data[tuple(slice(0, n) for n in index._data.shape)].astype(out.dtype, copy=False)
    else:
        s = src
    if accumulate or reduce == "add":
        np.add.at(out, where, s)
    elif reduce == "multiply":
        np.multiply.at(out, where, s)
    else:
        out[where] = s
    res = wrap(out, input._dtype)
    st = src if isinstance(src, Tensor) else None
    if state.enabled and (input._rg or (st is not None and st._rg)):
        node = record(_ScatterAdd, res, (input, st), d) if accumulate else \
            record(_Scatter, res, (input, st), d) if st is not None else record(_ScatterValue, res, (input,), d)
        node.save(index)
    return res


@op(inplace=True)
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    return _scatter(input, dim, index, value if src is None else src, False, reduce)


@op(inplace=True)
def scatter_add(input, dim, index, src):
    return _scatter(input, dim, index, src, True)


@op(inplace=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    d = input._wrap_dim(dim)
    where = _along(d, index._data.shape)(index._data)
    ufunc = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum, "mean": np.add}[reduce]
    out = input._data.copy()
    if not include_self:
        identity = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
        out[where] = identity
    ufunc.at(out, where, src._data)
    if reduce == "mean":
        count = np.full(out.shape, 1 if include_self else 0, dtype=np.int64)
        np.add.at(count, where, 1)
        out = out / np.maximum(count, 1)
        if out.dtype.kind != input._data.dtype.kind:
            out = np.floor(out)
    res = wrap(out, input._dtype)
    if state.enabled and (input._rg or src._rg):
        node = record(_ScatterReduce, res, (input, src), (d, reduce, include_self))
        node.save(input, index, src, SavedOutput(res))
    return res


def _scatter_reduce_grads(self, g):
    """torch's scatter_reduce gradients: sum passes g; mean divides it by each slot's count; prod by the
    factor itself; amax/amin share it among the inputs equal to the result."""
    input, index, src, out = self.saved
    d, reduce, include_self = self.args
    if reduce == "sum":
        g_in, g_src = g, g.gather(d, index)
    elif reduce == "mean":
        n = (g.new_ones(g.shape) if include_self else g.new_zeros(g.shape)).scatter_add(d, index, src.new_ones(index.shape))
        g_in = g / n.masked_fill(n == 0, 1)
        g_src = g_in.gather(d, index)
    elif reduce == "prod":
        g_in, g_src = g * out / input, (g * out).gather(d, index) / src
    else:
        # without include_self a slot no index writes still holds (and passes its gradient to) the input
        from_self = (input == out) if include_self else \
            ~input.new_zeros(input.shape, dtype=D.bool_).scatter(d, index, True)
        from_src = src == out.gather(d, index)
        share = g / (from_self + g.new_zeros(g.shape).scatter_add(d, index, from_src.to(g.dtype)))
        g_in, g_src = share * from_self, share.gather(d, index) * from_src
    if not include_self:  # the slots written to lost their own values
        g_in = g_in.masked_fill(input.new_zeros(input.shape, dtype=D.bool_).scatter(d, index, True), 0.0)
    return g_in, g_src


_ScatterReduce = node_class("ScatterReduceBackward0", _scatter_reduce_grads)


_IndexSelect = node_class("IndexSelectBackward0",
                          lambda self, g: g.new_zeros(self.args[0]).index_add(self.args[1], self.saved[0], g))


@op()
def index_select(input, dim, index):
    d = input._wrap_dim(dim) if input._data.ndim else 0
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index._dtype is not D.int64 and index._dtype is not D.int32:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    n = input._data.shape[d] if input._data.ndim else 1
    if index._data.size and (index._data.min() < -n or index._data.max() >= n):
        raise IndexError(f"index out of range in self")
    a = input._data if input._data.ndim else input._data.reshape(1)
    res = np.take(a, index._data.reshape(-1), axis=d)
    res = wrap(res if input._data.ndim else res.reshape(index._data.shape), input._dtype)
    if input._rg and state.enabled:
        node = record(_IndexSelect, res, (input,), (input._data.shape, d))
        node.save(index.reshape(-1))
    return res


_IndexAdd = node_class("IndexAddBackward0", lambda self, g: (g, g.index_select(self.args[0], self.saved[0])
                                                             * self.args[1]
                                                             if self.next_functions[1][0] is not None else None))


@op(inplace=True)
def index_add(input, dim, index, source, *, alpha=1):
    if index._dtype is not D.int64 and index._dtype is not D.int32:
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{D._LEGACY[index._dtype.name]}")
    d = input._wrap_dim(dim) if input._data.ndim else 0
    out = input._data.copy()
    src = source._data * alpha if alpha != 1 else source._data
    np.add.at(np.moveaxis(out, d, 0) if out.ndim else out.reshape(1), index._data,
              np.moveaxis(src.astype(out.dtype, copy=False), d, 0) if src.ndim else src)
    res = wrap(out, input._dtype)
    if state.enabled and (input._rg or source._rg):
        node = record(_IndexAdd, res, (input, source), (d, alpha))
        node.save(index)
    return res


@op(inplace=True)
def index_copy(input, dim, index, source):
    d = input._wrap_dim(dim)
    idx = (slice(None),) * d + (index,)
    with no_grad():
        res = index_put(input, _convert_index(input, idx)[0], source)
    if state.enabled and (input._rg or source._rg):
        record(_IndexCopy, res, (input, source), (d, index))
    return res


@op(inplace=True)
def index_fill(input, dim, index, value):
    d = input._wrap_dim(dim)
    with no_grad():
        res = index_put(input, _convert_index(input, (slice(None),) * d + (index,))[0],
                        value._data.item() if isinstance(value, Tensor) else value)
    vt = value if isinstance(value, Tensor) and value._rg else None
    if state.enabled and (input._rg or vt is not None):
        record(_IndexFill, res, (input,), (d, index)) if vt is None else \
            record(_IndexFillTensor, res, (input, vt), (d, index))
    return res


def _index_fill_grads(self, g):
    d, index = self.args
    edges = self.next_functions
    g_in = g.index_fill(d, index, 0.0) if edges[0][0] is not None else None
    if len(edges) == 1:
        return g_in
    return g_in, (g.index_select(d, index).sum() if edges[1][0] is not None else None)


_IndexFill = node_class("IndexFillBackward0", _index_fill_grads)
_IndexFillTensor = node_class("IndexFillBackward1", _index_fill_grads)
_IndexCopy = node_class("IndexCopyBackward0", lambda self, g: (g.index_fill(self.args[0], self.args[1], 0.0),
                                                                g.index_select(*self.args)))


@op()
def take(input, index):
    n = input._data.size
    if index._data.size and (index._data.min() < -n or index._data.max() >= n):
        raise IndexError(f"out of range: tried to access index {index._data.max()} on a tensor of {n} elements.")
    res = wrap(np.take(input._data, index._data), input._dtype)
    if input._rg and state.enabled:
        record(_Take, res, (input,), (input._data.shape, index))
    return res


_Take = node_class("TakeBackward0", lambda self, g: g.new_zeros((int(np.prod(self.args[0])),)).index_put(
    (self.args[1].reshape(-1),), g.reshape(-1), accumulate=True).reshape(self.args[0]))


@op()
def take_along_dim(input, indices, dim=None):
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    d = input._wrap_dim(dim)
    # every dim but `dim` broadcasts
    shape = list(np.broadcast_shapes(input.shape[:d] + (1,) + input.shape[d + 1:],
                                     indices.shape[:d] + (1,) + indices.shape[d + 1:]))
    shape_in, shape_ix = list(shape), list(shape)
    shape_in[d], shape_ix[d] = input.shape[d], indices.shape[d]
    return input.expand(*shape_in).gather(d, indices.expand(*shape_ix))


# ---------------------------------------------------------------------- masks
def _check_mask(mask, name):
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype {D.C_NAMES[mask._dtype.name]}")


def _masked_fill_grads(self, g):
    mask, = self.saved
    edges = self.next_functions
    g_in = g.masked_fill(mask, 0.0) if edges[0][0] is not None else None
    if len(edges) == 1:  # a number was filled in
        return g_in
    return g_in, (g.masked_fill(~mask, 0.0).sum() if edges[1][0] is not None else None)


_MaskedFill = node_class("MaskedFillBackward0", _masked_fill_grads)
_MaskedFillTensor = node_class("MaskedFillBackward1", _masked_fill_grads)


@op(inplace=True)
def masked_fill(input, mask, value):
    _check_mask(mask, "masked_fill_")
    vt = value if isinstance(value, Tensor) else None
    if vt is not None and vt._data.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{vt._data.ndim} dimension(s).")
    v = vt._data if vt is not None else value
    try:
        out = np.where(mask._data, np.asarray(v).astype(input._data.dtype), input._data)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({input._data.shape[-1]}) must match the size of tensor b "
                           f"({mask._data.shape[-1]}) at non-singleton dimension {input._data.ndim - 1}") from None
    if out.shape != input._data.shape:
        raise RuntimeError(f"masked_fill: mask of shape {shape_str(mask.shape)} cannot broadcast to "
                           f"{shape_str(input.shape)}")
    res = wrap(out, input._dtype)
    if state.enabled and (input._rg or (vt is not None and vt._rg)):
        node = record(_MaskedFill, res, (input,)) if vt is None else record(_MaskedFillTensor, res, (input, vt))
        node.save(mask)
    return res


_MaskedSelect = node_class("MaskedSelectBackward0", lambda self, g: _masked_select_grad(g, *self.saved, self.args))


def _masked_select_grad(g, mask, shapes):
    shape, in_shape = shapes
    return sum_to(g.new_zeros(shape).masked_scatter(mask.expand(*shape), g), in_shape)


@op()
def masked_select(input, mask):
    _check_mask(mask, "masked_select")
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    res = wrap(np.broadcast_to(input._data, shape)[np.broadcast_to(mask._data, shape)], input._dtype)
    if input._rg and state.enabled:
        node = record(_MaskedSelect, res, (input,), (shape, input._data.shape))
        node.save(mask)
    return res


_MaskedScatter = node_class("MaskedScatterBackward0", lambda self, g: _masked_scatter_grads(self, g))


def _masked_scatter_grads(self, g):
    mask, = self.saved
    return g.masked_fill(mask, 0.0), _pad_to(g.masked_select(mask), self.args)


def _pad_to(flat, shape):
    total = int(np.prod(shape))
    if flat.numel() < total:
        flat = FUNCTIONS["cat"]([flat, flat.new_zeros(total - flat.numel())])
    return flat.reshape(shape)


@op(inplace=True)
def masked_scatter(input, mask, source):
    m = np.broadcast_to(mask._data, input._data.shape)
    out = input._data.copy()
    k = int(m.sum())
    if source._data.size < k:
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as ones in mask")
    out[m] = source._data.reshape(-1)[:k]
    res = wrap(out, input._dtype)
    if state.enabled and (input._rg or source._rg):
        node = record(_MaskedScatter, res, (input, source), source._data.shape)
        node.save(wrap(m.copy(), D.bool_))
    return res


@op()
def nonzero(input, *, as_tuple=False):
    if as_tuple:
        a = input._data if input._data.ndim else input._data.reshape(1)
        return tuple(wrap(i, D.int64) for i in np.nonzero(a))
    return wrap(np.argwhere(input._data), D.int64)


FUNCTIONS["argwhere"] = Tensor.argwhere = lambda input: nonzero(input)


# ---------------------------------------------------------------------- writes and casts
_Copy = node_class("torch::autograd::CopyBackwards", lambda self, g: (g * 0, _fit_src(g, *self.args)))


def _fit_src(g, shape, dt):
    g = sum_to(g, shape) if g._data.shape != shape else g
    return g if g._dtype is dt else g.to(dt)


@op(function=False)
def copy_(self, src, non_blocking=False):
    check_inplace(self)
    if not isinstance(src, Tensor):
        src = FUNCTIONS["tensor"](src)
    try:
        np.broadcast_shapes(src._data.shape, self._data.shape)
        if np.broadcast_shapes(src._data.shape, self._data.shape) != self._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must match the "
                           f"size of tensor b ({src._data.shape[-1] if src._data.ndim else 1}) at non-singleton "
                           f"dimension {max(self._data.ndim - 1, 0)}") from None
    if state.enabled and (src._rg or self._rg):
        out = wrap(np.broadcast_to(cast(src._data, self._dtype), self._data.shape).copy(), self._dtype)
        record(_Copy, out, (self, src), (src._data.shape, src._dtype))
        return commit_inplace(self, out)
    self._data[...] = src._data
    self._vc[0] += 1
    return self


_Fill = node_class("FillBackward2", lambda self, g: g * 0)
_FillTensor = node_class("FillBackward3", lambda self, g: (g * 0, g.sum()))
_Zero = node_class("ZeroBackward0", lambda self, g: g * 0)


@op(function=False)
def fill_(self, value):
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    return _fill(self, value, _Fill)


@op(function=False)
def zero_(self):
    return _fill(self, 0, _Zero)


def _fill(self, value, Node):
    """Write one value everywhere; the old values get no gradient (a filled view rebases its base)."""
    check_inplace(self)
    self._data[...] = value._data if isinstance(value, Tensor) else value
    self._vc[0] += 1
    vt = value if isinstance(value, Tensor) and value._rg else None
    if state.enabled and (self.grad_fn is not None or vt is not None):
        record(_FillTensor, self, (self, vt)) if vt is not None else record(Node, self, (self,))
        if self._base is not None:
            from .shape import rebase_view
            rebase_view(self, self)
    return self


FUNCTIONS["fill"] = lambda input, value: input.clone().fill_(value)
FUNCTIONS["detach"], FUNCTIONS["detach_"] = Tensor.detach, Tensor.detach_
FUNCTIONS["zero_"] = zero_
FUNCTIONS["fill_"] = fill_


@op(function=False)
def resize_(self, *sizes, size=None, memory_format=None):
    from .creation import _size
    shape = _size(sizes if size is None else (size,))
    n = int(np.prod(shape))
    flat = self._data.reshape(-1)
    new = np.zeros(n, self._data.dtype)
    new[:min(n, flat.size)] = flat[:n]
    self._data = new.reshape(shape)
    return self


_ToCopy = node_class("ToCopyBackward0", lambda self, g: (g.real if g._dtype.is_complex and not self.args.is_complex
                                                          else g).to(self.args))  # real input: the real part


def convert(x, dt, copy=False, memory_format=None):
    """x in dtype dt, laid out in memory_format (x itself when nothing changes and no copy is asked)."""
    if dt is x._dtype and not copy and _layout.has(x._data, memory_format):
        return x
    res = wrap(_layout.copy(x._data, memory_format, dt.np), dt)
    if x._rg and state.enabled and (dt._cat >= 2):
        record(_ToCopy, res, (x,), x._dtype)
    return res


def _parse_to(args, kwargs):
    from .._backend import device as Device
    dtype = device = None
    for a in args + tuple(v for k, v in kwargs.items() if k in ("dtype", "device", "other")):
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, (str, Device)):
            device = Device(a) if isinstance(a, str) else a
        elif isinstance(a, Tensor):
            dtype, device = a._dtype, a.device
        elif isinstance(a, int) and not isinstance(a, bool):
            device = Device("cuda", a)
        elif a is not None:
            raise TypeError(f"to() received an invalid combination of arguments - got ({type(a).__name__})")
    return dtype, device


@op(function=False)
def to(self, *args, **kwargs):
    dtype, device = _parse_to(args, kwargs)
    if device is not None:
        from .._backend import to_device
        to_device(self._data, device)
    return convert(self, dtype or self._dtype, kwargs.get("copy", False), kwargs.get("memory_format"))


def _caster(dt):
    return lambda self, memory_format=None: convert(self, dt)


for _name, _dt in (("float", D.float32), ("double", D.float64), ("half", D.float16), ("bfloat16", D.bfloat16),
                   ("long", D.int64), ("int", D.int32), ("short", D.int16), ("char", D.int8), ("byte", D.uint8),
                   ("bool", D.bool_), ("cfloat", D.complex64), ("cdouble", D.complex128)):
    setattr(Tensor, _name, _caster(_dt))

_LEGACY_TYPES = {D.legacy_type_name(d): d for d in D.all_dtypes}


@op("type", function=False)
def type_(self, dtype=None, non_blocking=False):
    if dtype is None:
        return D.legacy_type_name(self._dtype)
    if isinstance(dtype, str):
        if dtype not in _LEGACY_TYPES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _LEGACY_TYPES[dtype]
    return convert(self, D.to_dtype(dtype))


Tensor.type_as = lambda self, other: convert(self, other._dtype)
FUNCTIONS["index_put_"] = index_put_


@op(function=False)
def as_subclass(self, cls):
    """Tensor.as_subclass: the same memory and autograd history, as an instance of the Tensor subclass `cls`."""
    out = _record_view(_Alias, view_of(self, self._data[...]), self, None)
    out.__class__ = cls
    return out


# ---------------------------------------------------------------------- put, index_reduce, fill_diagonal_, ...
@op(inplace=True)
def put(input, index, source, accumulate=False):
    """input with the elements at flat (row-major) positions `index` set to (or, accumulating, increased by) source."""
    if index._dtype is not D.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {D._LEGACY[index._dtype.name]}")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {input.dtype} and source.dtype = {source.dtype}")
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    flat = input.reshape(-1).clone()
    return flat.index_put_((index.reshape(-1),), source.reshape(-1), accumulate).reshape(input.shape)


@op(inplace=True)
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """Reduce (prod, mean, amax, amin) the slices of source into input's slices index[i] along dim:
    scatter_reduce with the index broadcast over the other dims."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    d = input._wrap_dim(dim)
    shape = [1] * source.dim()
    shape[d] = -1
    where = index.reshape(shape).expand(*source.shape)
    return input.scatter_reduce(d, where, source, reduce, include_self=include_self)


def fill_diagonal_(self, fill_value, wrap=False):
    """Write fill_value along the main diagonal (of a matrix, or of a tensor with all sizes equal); wrap
    restarts it below a tall matrix's square part, as NumPy's fill_diagonal."""
    if self._data.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self._data.ndim > 2 and len(set(self._data.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(self._data.shape, bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return commit_inplace(self, self.masked_fill(wrap_(mask), fill_value))


def wrap_(arr):
    return wrap(arr, D.bool_)


Tensor.fill_diagonal_ = fill_diagonal_


@op()
def nonzero_static(input, *, size, fill_value=-1):
    """nonzero() cut or padded (with fill_value rows) to exactly `size` rows."""
    idx = np.argwhere(input._data)[:size]
    out = np.full((size, input._data.ndim), fill_value, np.int64)
    out[:len(idx)] = idx
    return wrap(out, D.int64)
