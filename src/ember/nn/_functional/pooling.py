"""Pooling over 1, 2 and 3 spatial dims: max, average, adaptive, power-average pools, max_unpool.

Max and average pools walk the kernel offsets: one strided slice of the input per offset (the
convolution's im2col plan, without the copy) folded into the output by np.maximum or +=. A max pool
remembers, per output, which kernel offset won (int8): the backward is one masked multiply per
offset and torch's flat indices are derived from it on request. 2x2 windows of stride 2 (the seeds'
pool) are a pairwise tournament. Adaptive average pooling is a separable linear map (see vision.py).
The 1-D pools run as 2-D pools over an unsqueezed input, as in torch (so their grad_fn is a squeeze).
"""
import functools

import numpy as np

from ... import _dtype as D
from ..._kernels import loops as _loops, threads as _threads
from ...autograd.grad_mode import state
from ...autograd.graph import record
from ..._ops.registry import node_class, wrap, shape_str
from ..._kernels.conv import compact as _compact
from .conv import _ntuple
from .vision import _sepmap

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d",
           "max_unpool2d", "max_unpool3d"]


# ---------------------------------------------------------------------- geometry
def _pool_geometry(name, input, d, kernel_size, stride, padding, dilation, ceil_mode):
    """geo = (input size, output size, kernel, stride, padding, dilation) over the last d dims."""
    if input.dim() not in (d + 1, d + 2) or (input.dim() == d + 2 and 0 in input.shape[1:]):
        raise RuntimeError(f"non-empty {d + 1}D or {d + 2}D (batch mode) tensor expected for input")
    k = _tuple_arg(name, "kernel_size", kernel_size, d)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _tuple_arg(
        name, "stride", stride, d)
    p, dl = _tuple_arg(name, "padding", padding, d), _tuple_arg(name, "dilation", dilation, d)
    if any(v <= 0 for v in k):
        raise RuntimeError("kernel size should be greater than zero, but got " +
                           " ".join(f"k{a}: {v}" for a, v in zip("dhw"[-d:], k)))
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    for pp, kk, dd in zip(p, k, dl):
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    spatial = tuple(input.shape[-d:])
    out = []
    for n, kk, ss, pp, dd in zip(spatial, k, s, p, dl):
        span = n + 2 * pp - dd * (kk - 1) - 1
        o = (-(-span // ss) if ceil_mode else span // ss) + 1
        if ceil_mode and (o - 1) * ss >= n + pp:  # the last window must start inside the input
            o -= 1
        out.append(o)
    if any(o < 1 for o in out):
        c = input.shape[-d - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + spatial))}). Calculated output size: "
                           f"({'x'.join(map(str, (c,) + tuple(max(o, 0) for o in out)))}). Output size is too small")
    return spatial, tuple(out), k, s, p, dl


def _batched(a, d):
    """An array with its batch dim (a view with a leading 1 for an unbatched input)."""
    return a if a.ndim == d + 2 else a[None]


def _tuple_arg(name, what, v, d):
    t = _ntuple(v, d)
    if len(t) == 1 and d > 1:
        t = t * d
    if len(t) != d:
        raise RuntimeError(f"{name}: {what} must either be a single int, or a tuple of {_WORDS[d]} ints")
    return t


_WORDS = {1: "one", 2: "two", 3: "three"}


def _non_overlapping(geo):
    return all(s >= dl * (k - 1) + 1 for k, s, dl in zip(geo[2], geo[3], geo[5]))


def _is_2x2_stride_2(geo):
    return (geo[2] == (2, 2) and geo[3] == (2, 2) and geo[4] == (0, 0) and geo[5] == (1, 1)
            and 2 * geo[1][0] <= geo[0][0] and 2 * geo[1][1] <= geo[0][1])


def _lowest(dt):
    return -np.inf if dt.kind in "fV" else np.iinfo(dt).min  # V: ml_dtypes bfloat16


# ---------------------------------------------------------------------- max pool
# torch's scan over a window: an offset's value is taken when it is greater than the maximum so far,
# or NaN; so ties keep the first offset and the last NaN wins (and the maximum is NaN).
def _max_pool_array(x, geo, need_arg):
    """The max over each window, and (need_arg) the number of the kernel offset that won it; the
    batch shared out between the threads."""
    out = np.empty(x.shape[:2] + geo[1], x.dtype)
    arg = np.empty(out.shape, np.int8 if np.prod(geo[2]) <= 127 else np.int32) if need_arg else None
    if _is_2x2_stride_2(geo) and _loops.fits(x):  # the common 2×2 pool: one compiled pass
        x3 = x.reshape((-1,) + x.shape[2:])
        out3 = out.reshape((-1,) + geo[1])
        arg3 = (arg if arg is not None else np.empty(out.shape, np.int8)).reshape(out3.shape)
        pool = functools.partial(_nan_again, _loops.max_pool_2x2, _loops.max_pool_2x2_nan)
        _threads.split(lambda s: pool(x3[s], out3[s], arg3[s]), len(x3), x.nbytes)
        return out, arg
    if len(geo[0]) == 2 and _loops.fits(x):  # any other 2-D window: one compiled pass too
        x3 = x.reshape((-1,) + x.shape[2:])
        out3 = out.reshape((-1,) + geo[1])
        arg3 = (arg if arg is not None else np.empty(out.shape, np.int8 if np.prod(geo[2]) <= 127 else np.int32))
        arg3 = arg3.reshape(out3.shape)
        win = geo[2] + geo[3] + geo[4] + geo[5]
        pool = functools.partial(_nan_again, _loops.max_pool2d, _loops.max_pool2d_nan)
        _threads.split(lambda s: pool(x3[s], out3[s], arg3[s], *win), len(x3), x.nbytes)
        return out, arg
    _threads.split(lambda s: _window_scan(x[s], geo, out[s], None if arg is None else arg[s]), x.shape[0],
                    x.nbytes)
    return out, arg


def _nan_again(pool, pool_nan, *args):
    """A compiled pool's NaN-blind loop, then (when it met a NaN) its loop with the scan's NaN test."""
    if pool(*args):
        pool_nan(*args)


def _window_scan(x, geo, out, arg):
    """Any window: the scan, one vectorised step per kernel offset."""
    out.fill(_lowest(x.dtype))
    if arg is not None:
        arg.fill(0)
    nan = _has_nan(x)
    for _, src, k, dst in _compact(geo).entries:
        v, cur = x[src], out[dst]
        if arg is not None:
            take = np.greater(v, cur)
            if nan:
                take |= np.isnan(v)
            np.copyto(arg[dst], k, where=take)
        np.maximum(cur, v, out=cur)


def _has_nan(a):
    return a.dtype.kind not in "biu" and bool(np.isnan(a.max(initial=0) if a.size else 0))


def _max_pool_grad_array(g, arg, geo, shape):
    """Each output's gradient into the input position its window's maximum came from."""
    gx = np.empty(shape, g.dtype)
    if _is_2x2_stride_2(geo) and _loops.fits(g):
        if any(2 * o != i for o, i in zip(geo[1], geo[0])):  # an odd last row or column no window covers
            gx.fill(0)
        g3, arg3 = g.reshape((-1,) + geo[1]), arg.reshape((-1,) + geo[1])
        gx3 = gx.reshape((-1,) + shape[2:])
        g3, gx3 = g3.view(f"i{g.itemsize}"), gx3.view(f"i{g.itemsize}")  # the loop moves bits (see it)
        _threads.split(lambda s: _loops.max_pool_2x2_backward(g3[s], arg3[s], gx3[s]), len(g3), gx.nbytes)
        return gx
    if len(geo[0]) == 2 and _loops.fits(g):
        gx.fill(0)
        g3, arg3 = g.reshape((-1,) + geo[1]), arg.reshape((-1,) + geo[1])
        gx3 = gx.reshape((-1,) + shape[2:])
        win = geo[2][1:] + geo[3] + geo[4] + geo[5]
        _threads.split(lambda s: _loops.max_pool2d_backward(g3[s], arg3[s], gx3[s], *win), len(g3), gx.nbytes)
        return gx
    entries = _compact(geo).entries
    overlap = not _non_overlapping(geo)

    def fill(s):
        gs, argk, gxs = g[s], arg[s], gx[s]
        gxs.fill(0)
        for _, src, k, dst in entries:
            if overlap:
                gxs[src] += gs[dst] * (argk[dst] == k)
            else:
                np.multiply(gs[dst], argk[dst] == k, out=gxs[src])
    _threads.split(fill, shape[0], gx.nbytes)
    return gx


def _flat_indices(arg, geo):
    """torch's indices: the flat position of each window's maximum in its input plane."""
    img, out, kernel, stride, pad, dil = geo
    js = np.unravel_index(arg, kernel)
    idx = np.zeros(arg.shape, np.int64)
    for d, (n, o, s, p, dl) in enumerate(zip(img, out, stride, pad, dil)):
        pos = np.arange(o).reshape((o,) + (1,) * (len(img) - d - 1)) * s + js[d] * dl - p
        idx *= n
        idx += pos
    return idx


def _scatter_to_plane(g, idx, shape, d):
    """Ember ops: g added at flat plane positions idx, into zeros of `shape` (differentiable)."""
    from ..._ops.creation import zeros
    lead = tuple(shape[:-d])
    flat = zeros(*lead, int(np.prod(shape[-d:])), dtype=g.dtype)
    return flat.scatter_add(-1, idx.reshape(*lead, -1), g.reshape(*lead, -1)).reshape(shape)


def _max_pool_backward(self, g):
    x, = self.saved
    geo, arg = self.args
    d = len(geo[0])
    if state.enabled:  # create_graph: a differentiable scatter
        return _scatter_to_plane(g, wrap(_flat_indices(arg, geo).reshape(g.shape), D.int64), x.shape, d)
    gx = _max_pool_grad_array(_batched(g._data, d), arg, geo, _batched(x._data, d).shape)
    return wrap(gx.reshape(x._data.shape), g._dtype)


_MaxPool = {d: node_class(f"MaxPool{d}DWithIndicesBackward0", _max_pool_backward) for d in (2, 3)}


def _max_pool(d, name, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geo = _pool_geometry(name, input, d, kernel_size, stride, padding, dilation, ceil_mode)
    rg = input._rg and state.enabled
    out, arg = _max_pool_array(_batched(input._data, d), geo, rg or return_indices)
    res = wrap(out.reshape(out.shape[-input.dim():]), input._dtype)
    if rg:
        node = record(_MaxPool[d], res, (input,), (geo, arg))
        node.save(input)
    if not return_indices:
        return res
    return res, wrap(_flat_indices(arg, geo).reshape(res._data.shape), D.int64)


def _via_2d(fn, name, input, kernel_size, stride, padding, dilation, *rest):
    """A 1-D pool as the 2-D pool of input.unsqueeze(-2), as torch runs it."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"{name}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{shape_str(input.shape)}")
    stride = None if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _lift(1, stride)
    dil = (_lift(1, dilation),) if dilation is not None else ()
    out = fn(input.unsqueeze(-2), _lift(1, kernel_size), stride, _lift(0, padding), *dil, *rest)
    if isinstance(out, tuple):
        return tuple(o.squeeze(-2) for o in out)
    return out.squeeze(-2)


def _lift(first, v):
    """A 1-D pool argument as the 2-D one over (1, L)."""
    return (first,) + _ntuple(v, 1)[:1]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling (torch.nn.functional.max_pool2d)."""
    return _max_pool(2, "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-D max pooling (torch.nn.functional.max_pool3d)."""
    return _max_pool(3, "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling (torch.nn.functional.max_pool1d)."""
    return _via_2d(max_pool2d, "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode,
                   return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---------------------------------------------------------------------- average pool
def _avg_divisor(geo, count_include_pad, divisor_override, dt):
    """A scalar, or per-output window sizes (separable: the outer product of per-dim counts)."""
    if divisor_override:
        return divisor_override
    img, out, kernel, stride, pad, _ = geo
    counts = []
    for n, o, k, s, p in zip(img, out, kernel, stride, pad):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        counts.append(end - start)
    if all((c == k).all() for c, k in zip(counts, kernel)):
        return int(np.prod(kernel))
    div = counts[0]
    for c in counts[1:]:
        div = np.multiply.outer(div, c)
    return div.astype(dt if dt.kind == "f" else np.float64)


def _avg_pool_array(x, geo, div):
    entries = _compact(geo).entries
    out = np.zeros(x.shape[:2] + geo[1], x.dtype)
    for _, src, _, dst in entries:
        out[dst] += x[src]
    if x.dtype.kind != "f":
        return (out / div).astype(x.dtype)
    out /= div
    return out


def _avg_pool_adjoint_array(g, geo, div, shape):
    entries = _compact(geo).entries
    gd = g / div
    gx = np.zeros(shape, g.dtype)
    if _non_overlapping(geo):
        for _, src, _, dst in entries:
            gx[src] = gd[dst]
    else:
        for _, src, _, dst in entries:
            gx[src] += gd[dst]
    return gx


def _avg_pool_op(x, geo, div, d):
    out = _avg_pool_array(_batched(x._data, d), geo, div)
    res = wrap(out.reshape(out.shape[-x.dim():]), x._dtype)
    if x._rg and state.enabled:
        record(_AvgPool[d], res, (x,), (geo, div, x._data.shape))
    return res


def _avg_pool_adjoint_op(g, geo, div, shape, d):
    gx = _avg_pool_adjoint_array(_batched(g._data, d), geo, div, (1,) * (d + 2 - len(shape)) + shape)
    res = wrap(gx.reshape(shape), g._dtype)
    if g._rg and state.enabled:
        record(_AvgPoolAdjoint[d], res, (g,), (geo, div, shape))
    return res


_AvgPool = {d: node_class(f"AvgPool{d}DBackward0",
                          lambda self, g, d=d: _avg_pool_adjoint_op(g, *self.args, d)) for d in (2, 3)}
_AvgPoolAdjoint = {d: node_class(f"AvgPool{d}DBackwardBackward0",
                                 lambda self, g, d=d: _avg_pool_op(g, self.args[0], self.args[1], d)) for d in (2, 3)}


def _avg_pool(d, name, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geo = _pool_geometry(name, input, d, kernel_size, stride, padding, 1, ceil_mode)
    return _avg_pool_op(input, geo, _avg_divisor(geo, count_include_pad, divisor_override, input._data.dtype), d)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling (torch.nn.functional.avg_pool2d)."""
    return _avg_pool(2, "avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-D average pooling (torch.nn.functional.avg_pool3d)."""
    return _avg_pool(3, "avg_pool3d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling (torch.nn.functional.avg_pool1d)."""
    return _via_2d(avg_pool2d, "avg_pool1d", input, kernel_size, stride, padding, None, ceil_mode,
                   count_include_pad)


# ---------------------------------------------------------------------- adaptive pools
def _adaptive_windows(n_in, n_out):
    o = np.arange(n_out)
    return (o * n_in) // n_out, -((-(o + 1) * n_in) // n_out)


def _adaptive_avg_map(n_in, n_out, dt):
    if n_in == n_out:
        return None
    start, end = _adaptive_windows(n_in, n_out)
    j = np.arange(n_in)
    m = ((j >= start[:, None]) & (j < end[:, None])) / (end - start)[:, None]
    return m.astype(dt if dt.kind == "f" else np.float32)


def _adaptive_size(name, input, d, output_size):
    if input.dim() not in (d + 1, d + 2):
        raise RuntimeError(f"{name}(): Expected {d + 1}D or {d + 2}D tensor, but got {shape_str(input.shape)}")
    size = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * d
    if len(size) != d:
        raise RuntimeError(f"{name}: output_size must be {d}")
    return tuple(n if o is None else int(o) for n, o in zip(input.shape[-d:], size))


def _adaptive_avg(d, input, output_size):
    name = f"adaptive_avg_pool{d}d"
    size = _adaptive_size(name, input, d, output_size)
    if input._dtype._cat < 2:
        raise NotImplementedError(f'"{name}" not implemented for \'{D._LEGACY[input._dtype.name][:-6]}\'')
    if all(s == 1 for s in size):  # global average pooling is a mean, as torch runs it
        return input.mean(tuple(range(-d, 0)), keepdim=True)
    dt = input._data.dtype
    maps = tuple(_adaptive_avg_map(n, o, dt) for n, o in zip(input.shape[-d:], size))
    return _sepmap(input, maps, f"AdaptiveAvgPool{d}DBackward0")


def adaptive_avg_pool2d(input, output_size):
    """2-D adaptive average pooling to `output_size` (torch.nn.functional.adaptive_avg_pool2d)."""
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """3-D adaptive average pooling (torch.nn.functional.adaptive_avg_pool3d)."""
    return _adaptive_avg(3, input, output_size)


def adaptive_avg_pool1d(input, output_size):
    """1-D adaptive average pooling (torch.nn.functional.adaptive_avg_pool1d)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got {shape_str(input.shape)}")
    size = _ntuple(output_size, 1)
    if len(size) != 1:
        raise RuntimeError("adaptive_avg_pool1d: output_size must be 1")
    return _adaptive_avg(2, input.unsqueeze(-2), (1, size[0])).squeeze(-2)


def _adaptive_max_array(x, size):
    """Window maxima and their flat plane indices; windows are gathered per offset (clamped to
    the window's end, so that short windows repeat their last element)."""
    d = len(size)
    spatial = x.shape[-d:]
    wins = [_adaptive_windows(n, o) for n, o in zip(spatial, size)]
    lens = [int((e - s).max()) for s, e in wins]
    out = np.full(x.shape[:-d] + tuple(size), _lowest(x.dtype), x.dtype)
    idx = np.zeros(out.shape, np.int64)
    for js in np.ndindex(*lens):
        pos = [np.minimum(s + j, e - 1) for (s, e), j in zip(wins, js)]
        grids = np.ix_(*pos)
        v = x[(Ellipsis,) + grids]
        flat = np.ravel_multi_index(grids, spatial)
        m = np.less_equal(v, out)
        np.logical_not(m, out=m)
        np.copyto(idx, flat, where=m)
        np.maximum(out, v, out=out)
    return out, idx


def _adaptive_max_backward(self, g):
    x, = self.saved
    idx, d = self.args
    if state.enabled:
        return _scatter_to_plane(g, wrap(idx, D.int64), x.shape, d)
    n = x._data.shape
    gx = np.zeros(n, g._data.dtype)
    planes = gx.reshape(-1, int(np.prod(n[-d:])))
    rows = np.arange(planes.shape[0])[:, None]
    np.add.at(planes, (rows, idx.reshape(planes.shape[0], -1)), g._data.reshape(planes.shape[0], -1))
    return wrap(gx, g._dtype)


_AdaptiveMax = {d: node_class(f"AdaptiveMaxPool{d}DBackward0", _adaptive_max_backward) for d in (2, 3)}


def _adaptive_max(d, input, output_size, return_indices):
    name = f"adaptive_max_pool{d}d"
    size = _adaptive_size(name, input, d, output_size)
    out, idx = _adaptive_max_array(input._data, size)
    res = wrap(out, input._dtype)
    if input._rg and state.enabled:
        node = record(_AdaptiveMax[d], res, (input,), (idx, d))
        node.save(input)
    return (res, wrap(idx, D.int64)) if return_indices else res


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """2-D adaptive max pooling (torch.nn.functional.adaptive_max_pool2d)."""
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """3-D adaptive max pooling (torch.nn.functional.adaptive_max_pool3d)."""
    return _adaptive_max(3, input, output_size, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D adaptive max pooling (torch.nn.functional.adaptive_max_pool1d)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got {shape_str(input.shape)}")
    out = _adaptive_max(2, input.unsqueeze(-2), (1, _ntuple(output_size, 1)[0]), return_indices)
    return tuple(o.squeeze(-2) for o in out) if return_indices else out.squeeze(-2)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, True)


# ---------------------------------------------------------------------- power-average pool
def _lp_pool(pool, d, input, norm_type, kernel_size, stride, ceil_mode):
    k = _ntuple(kernel_size, d)
    k = k * d if len(k) == 1 else k
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # sign * relu(abs) keeps the sign and zeroes the gradient at 0, as torch's formula does
    return (out.sign() * out.abs().relu()).mul(int(np.prod(k))).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D power-average pooling: (Σ x^p)^(1/p) over each window (torch.nn.functional.lp_pool1d)."""
    return _lp_pool(avg_pool1d, 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling (torch.nn.functional.lp_pool2d)."""
    return _lp_pool(avg_pool2d, 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling (torch.nn.functional.lp_pool3d)."""
    return _lp_pool(avg_pool3d, 3, input, norm_type, kernel_size, stride, ceil_mode)


# ---------------------------------------------------------------------- max_unpool
def _unpool_backward(self, g):
    idx, shape = self.args
    n, c = shape[:2]
    return g.reshape(n, c, -1).gather(2, idx.reshape(n, c, -1)).reshape(shape)


_MaxUnpool = {d: node_class(f"MaxUnpool{d}DBackward0", _unpool_backward) for d in (2, 3)}


def _max_unpool(d, input, indices, kernel_size, stride, padding, output_size):
    k = _ntuple(kernel_size, d)
    s = k if stride is None else _ntuple(stride, d)
    p = _ntuple(padding, d)
    k, s, p = (t * d if len(t) == 1 else t for t in (k, s, p))
    batched = input.dim() == d + 2
    x = input if batched else input.unsqueeze(0)
    ind = indices if batched else indices.unsqueeze(0)
    default = tuple((n - 1) * ss - 2 * pp + kk for n, ss, pp, kk in zip(x.shape[2:], s, p, k))
    if output_size is None:
        size = default
    else:
        size = tuple(output_size)[-d:]
        for i, (o, df, ss) in enumerate(zip(size, default, s)):
            if not df - ss < o < df + ss:
                raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {i} must be between {df - ss + 1}'
                                 f' and {df + ss - 1})')
    n, c = x.shape[:2]
    plane = int(np.prod(size))
    idx = ind._data.reshape(n, c, -1)
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        raise RuntimeError(f"Found an invalid max index: {int(idx.max() if idx.max() >= plane else idx.min())} "
                           f"(output volumes are of size {'x'.join(map(str, size))}")
    out = np.zeros((n, c, plane), x._data.dtype)
    np.put_along_axis(out, idx, x._data.reshape(n, c, -1), axis=2)
    res = wrap(out.reshape((n, c) + size), x._dtype)
    if x._rg and state.enabled:
        record(_MaxUnpool[d], res, (x,), (wrap(idx, D.int64), x._data.shape))
    return res if batched else res.squeeze(0)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Place each value at its max_pool2d index in a zero image (torch.nn.functional.max_unpool2d)."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool3d's selection (torch.nn.functional.max_unpool3d)."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d's selection (torch.nn.functional.max_unpool1d)."""
    size = None if output_size is None else (1,) + tuple(output_size)[-1:]
    out = _max_unpool(2, input.unsqueeze(-2), indices.unsqueeze(-2), _lift(1, kernel_size),
                      None if stride is None else _lift(1, stride), _lift(0, padding), size)
    return out.squeeze(-2)


# ---------------------------------------------------------------------- fractional max pooling (Graham, 2014)
def _fractional_starts(sample, in_size, out_size, k):
    """The pseudo-random window starts of one dim: alpha = (in - k) / (out - 1), start_i =
    floor((i + u) alpha) - floor(u alpha), and the last window ends at the input's edge."""
    if out_size == 1:
        return np.array([in_size - k])
    alpha = (in_size - k) / (out_size - 1)
    i = np.arange(out_size - 1)
    starts = (np.floor((i + sample) * alpha) - np.floor(sample * alpha)).astype(np.int64)
    return np.append(starts, in_size - k)


def _fractional_max_pool(d, name, input, kernel_size, output_size, output_ratio, return_indices, _random_samples):
    from ..._random import rng
    k = _ntuple(kernel_size, d)
    spatial = tuple(input.shape[-d:])
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * d
        output_size = tuple(int(s * r) for s, r in zip(spatial, ratio))
    out = _ntuple(output_size, d)
    for s, o, kk in zip(spatial, out, k):
        if o + kk - 1 > s:
            raise RuntimeError(f"{name}(): pool height {kk} too large relative to input height {s} and output "
                               f"{o}" if d == 2 else f"{name}_out(): pool time ({kk}) too large relative to "
                               f"input time ({s})")
    batched = input.dim() == d + 2
    x = input if batched else input.unsqueeze(0)
    n, c = x.shape[:2]
    u = _random_samples._data if _random_samples is not None else rng().random((n, c, d)).astype(np.float64)
    flat = np.arange(int(np.prod(spatial))).reshape(spatial)
    a = x._data
    idx = np.empty((n, c) + out, np.int64)
    for b in range(n):
        for ch in range(c):
            # torch's kernels read the samples as (w, h) in 2-D but (t, h, w) in 3-D
            starts = [_fractional_starts(u[b, ch, d - 1 - j if d == 2 else j], spatial[j], out[j], k[j])
                      for j in range(d)]
            grid = np.ix_(*[(s[:, None] + np.arange(kk)[None, :]).reshape(-1) for s, kk in zip(starts, k)])
            block = a[b, ch][grid].reshape(sum(((o, kk) for o, kk in zip(out, k)), ()))
            pos = flat[grid].reshape(block.shape)
            order = tuple(range(0, 2 * d, 2)) + tuple(range(1, 2 * d, 2))
            block, pos = block.transpose(order).reshape(out + (-1,)), pos.transpose(order).reshape(out + (-1,))
            arg = np.where(np.isnan(block), np.inf, block).argmax(-1)  # a NaN wins, as in torch
            idx[b, ch] = np.take_along_axis(pos, arg[..., None], -1)[..., 0]
    indices = wrap(idx, D.int64)
    # the values are a gather at the winning positions: their gradient is the scatter back, from gather's rule
    values = x.reshape(n, c, -1).gather(2, indices.reshape(n, c, -1)).reshape(x.shape[:2] + out)
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Max over k x k windows at pseudo-random, overlapping-or-not starts, to a given output size or ratio
    (torch.nn.functional.fractional_max_pool2d)."""
    return _fractional_max_pool(2, "fractional_max_pool2d", input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """fractional_max_pool2d over three spatial dims."""
    return _fractional_max_pool(3, "fractional_max_pool3d", input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True, _random_samples)


__all__ += ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
            "fractional_max_pool3d_with_indices"]
