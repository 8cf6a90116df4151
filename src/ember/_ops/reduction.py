"""Reductions, scans, sorting and softmax: forward on arrays, gradient rules with Ember ops."""
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.graph import record, SavedOutput
from ..autograd.grad_mode import state, no_grad
from .registry import op, fused, node_class, wrap, cast, commit_inplace, FUNCTIONS, holomorphic, with_out
from .._kernels import softmax as _softmax_kernels


class ReturnTypes(tuple):
    """torch.return_types.<name>: a (values, indices) named tuple printed as torch prints it."""
    _fields = ("values", "indices")
    name = "max"

    def __new__(cls, *items):
        return tuple.__new__(cls, items)

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"torch.return_types.{self.name}(\n" + ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self)) + ")"


_RETURN_TYPES = {}


def return_type(name, fields=None):
    """The named-tuple type torch.return_types.<name>; `fields` names its items when not (values, indices)."""
    cls = _RETURN_TYPES.get(name)
    if cls is None:
        attrs = {"name": name, "__slots__": ()}
        if fields is not None:
            attrs["_fields"] = fields
            attrs.update({f: property(lambda self, i=i: self[i]) for i, f in enumerate(fields)})
        cls = _RETURN_TYPES[name] = type(name, (ReturnTypes,), attrs)
    return cls


def dims_of(x, dim):
    """Normalise a dim argument (int, tuple, list or None) to a sorted tuple of axes
    (a 0-d tensor accepts dim 0 or -1 and has no axis to reduce)."""
    n = x._data.ndim
    if dim is None or not n:
        if n == 0 and dim is not None:
            for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
                x._wrap_dim(d)
        return tuple(range(n))
    if isinstance(dim, (tuple, list)):
        if not dim:
            return tuple(range(n))
        axes = tuple(sorted(x._wrap_dim(d) for d in dim))
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
        return axes
    return (x._wrap_dim(dim),)


def int_dim(name, dim):
    """torch's TypeError for ops whose dim must be a single int."""
    if not isinstance(dim, int):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return dim


def check_keepdim(name, dim, keepdim):
    """torch has no overload taking keepdim without dim for these reductions."""
    if dim is None and keepdim:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, keepdim=bool)")


def expand_back(g, shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes (the adjoint of a sum)."""
    if not keepdim and axes and len(shape):
        for a in axes:
            g = g.unsqueeze(a)
    return g.expand(shape)


def _reducer(Node0, Node1):
    """Record a full reduction as Node0 (SumBackward0) and one over dims as Node1 (SumBackward1)."""
    def rec(out, x, axes, keepdim, full, save=()):
        if x._rg and state.enabled:
            node = record(Node0 if full else Node1, out, (x,), (x._data.shape, axes, keepdim))
            if save:
                node.save(*save)
        return out
    return rec


_sum_rec = _reducer(node_class("SumBackward0", lambda self, g: expand_back(g, *self.args)),
                    node_class("SumBackward1", lambda self, g: expand_back(g, *self.args)))


def _acc_dtype(x, dtype):
    if dtype is not None:
        return D.to_dtype(dtype)
    return D.int64 if x._dtype._cat < 2 else x._dtype


_HALF = (D.float16, D.bfloat16)


def add_reduce(a, dt, axes, keepdim):
    """The sum of a over axes computed in dt (half precision accumulates in float32, as torch's kernels do)."""
    return np.add.reduce(a, axis=axes, dtype=np.float32 if dt in _HALF else dt.np, keepdims=keepdim)


@op()
def sum(input, dim=None, keepdim=False, *, dtype=None):
    check_keepdim("sum", dim, keepdim)
    axes = dims_of(input, dim)
    dt = _acc_dtype(input, dtype)
    res = wrap(add_reduce(input._data, dt, axes, keepdim), dt)
    return _sum_rec(res, input, axes, keepdim, dim is None)


@op()
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    if input._dtype._cat < 2:
        return sum(input, () if dim is None else dim, keepdim, dtype=dtype)
    with no_grad():  # one NansumBackward0 node, as torch records it
        res = sum(input.masked_fill(input.isnan(), 0), () if dim is None else dim, keepdim, dtype=dtype)
    if input._rg and state.enabled:
        node = record(_Nansum, res, (input,), (input._data.shape, dims_of(input, dim), keepdim))
        node.save(input)
    return res


_Nansum = node_class("NansumBackward0", lambda self, g: expand_back(g, *self.args) * ~self.saved[0].isnan())


def _mean_grad(g, shape, axes, keepdim):
    n = int(np.prod([shape[a] for a in axes])) if axes else 1
    return expand_back(g, shape, axes, keepdim) / n


_mean_rec = _reducer(node_class("MeanBackward0", lambda self, g: _mean_grad(g, *self.args)),
                     node_class("MeanBackward1", lambda self, g: _mean_grad(g, *self.args)))


@op()
def mean(input, dim=None, keepdim=False, *, dtype=None):
    check_keepdim("mean", dim, keepdim)
    dt = D.to_dtype(dtype) if dtype is not None else input._dtype
    if dt._cat < 2:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {D._LEGACY[dt.name]}")
    axes = dims_of(input, dim)
    n = 1
    for ax in axes:
        n *= input._data.shape[ax]
    res = wrap(add_reduce(input._data, dt, axes, keepdim) / n, dt)  # 0 / 0 is NaN for an empty input
    return _mean_rec(res, input, axes, keepdim, dim is None)


@op()
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    if input._dtype._cat < 2:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{D._LEGACY[input._dtype.name]}")
    keep = ~input.isnan()
    return nansum(input, dim, keepdim) / keep.sum(() if dim is None else dim, keepdim)


def _prod_grad(g, x, out, shape, axes, keepdim):
    g, out = expand_back(g, shape, axes, keepdim), expand_back(out, shape, axes, keepdim)
    if not (x == 0).any():
        return g * out / x
    # with zeros, the product of the others: exclusive products from both sides along the reduced axes
    flat = x.detach()._data
    others = np.ones_like(flat)
    moved = np.moveaxis(flat, axes, range(len(axes))).reshape((-1,) + tuple(np.delete(shape, axes)))
    left = np.concatenate([np.ones_like(moved[:1]), np.cumprod(moved, 0)[:-1]], 0)
    right = np.concatenate([np.cumprod(moved[::-1], 0)[::-1][1:], np.ones_like(moved[:1])], 0)
    others = np.moveaxis((left * right).reshape(tuple(shape[a] for a in axes) + tuple(np.delete(shape, axes))),
                         range(len(axes)), axes)
    return g * wrap(others, x._dtype)


_prod_rule = holomorphic(lambda self, g: _prod_grad(g, *self.saved, *self.args))
_prod_rec = _reducer(node_class("ProdBackward0", _prod_rule), node_class("ProdBackward1", _prod_rule))


@op()
def prod(input, dim=None, keepdim=False, *, dtype=None):
    check_keepdim("prod", dim, keepdim)
    axes = dims_of(input, dim if dim is None else int_dim("prod", dim))
    dt = _acc_dtype(input, dtype)
    res = wrap(np.prod(cast(input._data, dt), axis=axes, keepdims=keepdim), dt)
    return _prod_rec(res, input, axes, keepdim, dim is None, (input, SavedOutput(res)))


def _check_nonempty(x, axes, name, dim_given, error=RuntimeError):
    """Reductions without an identity (max, argmax, ...) refuse empty input, with torch's messages."""
    if x._data.size:
        return
    if not dim_given:
        raise error(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                    f"reduction dim with the 'dim' argument.")
    for a in axes:
        if x._data.shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _evenly(g, x, out, shape, axes, keepdim):
    """Gradient of max/min/amax/amin over axes: shared equally among the tied extrema."""
    out = expand_back(out, shape, axes, keepdim)
    mask = x == out
    count = mask.sum(axes, keepdim=True)
    return expand_back(g, shape, axes, keepdim) * mask / count


def _extremum(name, np_fn, np_arg):
    AllNode = node_class(name.capitalize() + "Backward1", lambda self, g: _evenly(g, *self.saved, *self.args))
    DimNode = node_class(name.capitalize() + "Backward0", lambda self, g: _index_grad(g, *self.saved, *self.args))
    RT = return_type(name)

    def f(input, dim=None, keepdim=False):
        if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
            return FUNCTIONS["maximum" if name == "max" else "minimum"](input, dim)
        check_keepdim(name, dim, keepdim)
        if dim is None:
            _check_nonempty(input, (), name, False)
            res = wrap(np_fn(input._data), input._dtype)
            if input._rg and state.enabled:
                node = record(AllNode, res, (input,), (input._data.shape, tuple(range(input._data.ndim)), False))
                node.save(input, SavedOutput(res))
            return res
        d = input._wrap_dim(int_dim(name, dim))
        _check_nonempty(input, (d,), name, True)
        a = input._data if input._data.ndim else input._data.reshape(1)
        idx = np.expand_dims(np_arg(a, axis=d if input._data.ndim else 0), d if input._data.ndim else 0)
        vals = np.take_along_axis(a, idx, d if input._data.ndim else 0)
        if not keepdim or not input._data.ndim:
            vals, idx = vals.reshape(_drop(a.shape, d, input)), idx.reshape(_drop(a.shape, d, input))
        values, indices = wrap(vals, input._dtype), wrap(idx, D.int64)
        if input._rg and state.enabled:
            node = record(DimNode, values, (input,), (input._data.shape, d, keepdim))
            node.save(indices)
        return RT(values, indices)
    f.__name__ = name
    op(name)(f)
    return f


def _drop(shape, d, x):
    return tuple(s for i, s in enumerate(shape) if i != d) if x._data.ndim else ()


def _index_grad(g, indices, shape, d, keepdim):
    """Gradient of values taken at `indices` along d: g scattered back into zeros."""
    if not keepdim and len(shape):
        g, indices = g.unsqueeze(d), indices.unsqueeze(d)
    if not len(shape):
        return g.reshape(())
    return g.new_zeros(shape).scatter(d, indices, g)


# NumPy's argmax/argmin give the first extremum, and of floats the first NaN (their loops stop at one), as torch
max = _extremum("max", np.max, np.argmax)
min = _extremum("min", np.min, np.argmin)


def _amax(name, np_fn):
    Node = node_class(name.capitalize() + "Backward0", lambda self, g: _evenly(g, *self.saved, *self.args))

    def f(input, dim=(), keepdim=False):
        axes = dims_of(input, dim)
        _check_nonempty(input, axes, name, dim not in (None, ()))
        res = wrap(np_fn(input._data, axis=axes, keepdims=keepdim), input._dtype)
        if input._rg and state.enabled:
            node = record(Node, res, (input,), (input._data.shape, axes, keepdim))
            node.save(input, SavedOutput(res))
        return res
    f.__name__ = name
    op(name)(f)


_amax("amax", np.max)
_amax("amin", np.min)


def _arg(name, fn):
    def f(input, dim=None, keepdim=False):
        if input._dtype is D.bool_:
            raise RuntimeError(f"{name}(): does not support bool input")
        _check_nonempty(input, () if dim is None else (input._wrap_dim(int_dim(name, dim)),), name,
                        dim is not None, IndexError)
        if dim is None:
            res = fn(input._data.reshape(-1), 0)
            return wrap(np.asarray(res).reshape((1,) * input._data.ndim if keepdim else ()), D.int64)
        d = input._wrap_dim(dim)
        a = input._data if input._data.ndim else input._data.reshape(1)
        res = fn(a, d)
        if keepdim:
            res = np.expand_dims(res, d)
        return wrap(res if input._data.ndim else res.reshape(()), D.int64)
    op(name)(f)


_arg("argmax", np.argmax)
_arg("argmin", np.argmin)


@fused("AminmaxBackward0", n_outputs=2)
def aminmax(input, *, dim=None, keepdim=False):
    if dim is not None:
        int_dim("aminmax", dim)
    elif not input._data.size:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    return return_type("aminmax")(input.amin(() if dim is None else dim, keepdim),
                                  input.amax(() if dim is None else dim, keepdim))


FUNCTIONS["aminmax"], Tensor.aminmax = with_out(aminmax, "aminmax"), aminmax
return_type("aminmax")._fields = ("min", "max")
return_type("aminmax").min = property(lambda self: self[0])
return_type("aminmax").max = property(lambda self: self[1])


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _var_grad(g, x, shape, axes, keepdim, c):
    n = int(np.prod([shape[a] for a in axes])) if axes else 1
    dof = n - c if n > c else 0  # (the builtin max is shadowed in this module)
    return expand_back(g, shape, axes, keepdim) * 2 * (x - x.mean(axes, keepdim=True)) / dof


_Var = node_class("VarBackward0", lambda self, g: _var_grad(g, *self.saved, *self.args))
_Std = node_class("StdBackward0", lambda self, g: _var_grad(g / (2 * self.saved[1]), self.saved[0], *self.args))


def _var_std(input, dim, unbiased, keepdim, correction, is_std):
    if isinstance(dim, bool):  # var(input, unbiased)
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    if input._dtype._cat < 2:
        raise RuntimeError(f"std and var only support floating point and complex dtypes")
    axes = dims_of(input, dim)
    n = int(np.prod([input._data.shape[a] for a in axes]))
    if n - c <= 0:
        warnings.warn(f"{'std' if is_std else 'var'}(): degrees of freedom is <= 0. Correction should be strictly "
                      f"less than the reduction factor (input numel divided by output numel).", stacklevel=3)
    with warnings.catch_warnings():  # NumPy's own warning for the same case
        warnings.simplefilter("ignore", RuntimeWarning)
        r = np.var(input._data, axis=axes, ddof=c, keepdims=keepdim)
    res = wrap(np.sqrt(r) if is_std else r, input._dtype.to_real())  # a complex input's spread is real
    if input._rg and state.enabled:
        node = record(_Std if is_std else _Var, res, (input,), (input._data.shape, axes, keepdim, c))
        node.save(input, *((SavedOutput(res),) if is_std else ()))
    return res


@op()
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_std(input, dim, unbiased, keepdim, correction, False)


@op()
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_std(input, dim, unbiased, keepdim, correction, True)


def _with_mean(spread, input, dim, keepdim, name):
    if input._dtype._cat < 2:
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    if isinstance(dim, bool):  # var_mean(input, unbiased)
        dim = None
    return spread, mean(input, () if dim is None else dim, keepdim)


@fused("VarMeanBackward0", n_outputs=2)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _with_mean(var(input, dim, unbiased, keepdim, correction=correction), input, dim, keepdim, "var_mean")


@fused("StdMeanBackward0", n_outputs=2)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _with_mean(std(input, dim, unbiased, keepdim, correction=correction), input, dim, keepdim, "std_mean")


FUNCTIONS["var_mean"], FUNCTIONS["std_mean"] = with_out(var_mean, "var_mean"), with_out(std_mean, "std_mean")


def _norm_grad(g, x, out, p, shape, axes, keepdim):
    if p == 0:  # a count of nonzeros: torch gives no gradient
        return None
    g, out = expand_back(g, shape, axes, keepdim), expand_back(out, shape, axes, keepdim)
    if p == 2:
        return g * (x / out).masked_fill(out == 0, 0.0)
    if p == 1:
        return g * x.sgn()
    if p == float("inf") or p == -float("inf"):
        mask = x.abs() == out
        return g * x.sgn() * mask / mask.sum(axes, keepdim=True)
    return g * x.sgn() * (x.abs() / out) ** (p - 1)


_Norm = node_class("LinalgVectorNormBackward0", lambda self, g: _norm_grad(g, *self.saved, *self.args))


@op()
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        from .linalg import matrix_norm  # linalg imports this module
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if input._dtype._cat < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{D._LEGACY[input._dtype.name]}")
    axes = dims_of(input, dim)
    a = np.abs(input._data)
    if p == 2:
        r = np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
    elif p == float("inf"):
        r = np.max(a, axis=axes, keepdims=keepdim)
    elif p == -float("inf"):
        r = np.min(a, axis=axes, keepdims=keepdim)
    elif p == 0:
        r = np.sum(a != 0, axis=axes, keepdims=keepdim)
    else:
        r = np.sum(a ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)
    res = wrap(r, input._dtype)
    if input._rg and state.enabled:
        node = record(_Norm, res, (input,), (p, input._data.shape, axes, keepdim))
        node.save(input, SavedOutput(res))
    return res


_LogSumExp = node_class("LogsumexpBackward0", lambda self, g: _lse_grad(g, *self.saved, *self.args))


def _lse_grad(g, x, out, shape, axes, keepdim):
    return expand_back(g, shape, axes, keepdim) * (x - expand_back(out, shape, axes, keepdim)).exp()


@op()
def logsumexp(input, dim, keepdim=False):
    if isinstance(dim, (tuple, list)) and not dim and input._data.ndim and not keepdim:
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {[1] * input._data.ndim}")
    axes = dims_of(input, dim)
    x = input._data if input._dtype._cat >= 2 else input._data.astype(D.get_default_dtype().np)
    m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    r = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    if not keepdim:
        r = np.squeeze(r, axis=axes)
    res = wrap(r, input._dtype if input._dtype._cat >= 2 else D.get_default_dtype())
    if input._rg and state.enabled:
        node = record(_LogSumExp, res, (input,), (input._data.shape, axes, keepdim))
        node.save(input, SavedOutput(res))
    return res


def _bool_reduce(np_fn):
    def f(input, dim=None, keepdim=False):
        axes = () if isinstance(dim, (tuple, list)) and not dim else dims_of(input, dim)  # dim=() reduces nothing
        r = np_fn(input._data, axis=axes, keepdims=keepdim)
        return wrap(r.astype(np.uint8) if input._dtype is D.uint8 else r,
                    D.uint8 if input._dtype is D.uint8 else D.bool_)
    return f


op("all")(_bool_reduce(np.all))
op("any")(_bool_reduce(np.any))


@op()
def count_nonzero(input, dim=None):
    return wrap(np.count_nonzero(input._data, axis=dims_of(input, dim) if dim is not None else None), D.int64)


# ---------------------------------------------------------------------- scans
_Cumsum = node_class("CumsumBackward0", lambda self, g: g.flip(self.args).cumsum(self.args).flip(self.args))


@op(inplace=True)
def cumsum(input, dim, *, dtype=None):
    d = input._wrap_dim(dim)
    dt = _acc_dtype(input, dtype)
    res = wrap(np.cumsum(cast(input._data, dt), axis=d) if input._data.ndim else cast(input._data, dt).copy(), dt)
    if input._rg and state.enabled:
        record(_Cumsum, res, (input,), d)
    return res


_Cumprod = node_class("CumprodBackward0", holomorphic(lambda self, g: _cumprod_grad(g, *self.saved, self.args)))


def _cumprod_grad(g, x, out, d):
    # d out_j / d x_i = out_j / x_i for j >= i (x_i != 0): a reversed cumsum of g * out, divided by x
    return (g * out).flip(d).cumsum(d).flip(d) / x


@op(inplace=True)
def cumprod(input, dim, *, dtype=None):
    d = input._wrap_dim(dim)
    dt = _acc_dtype(input, dtype)
    res = wrap(np.cumprod(cast(input._data, dt), axis=d) if input._data.ndim else cast(input._data, dt).copy(), dt)
    if input._rg and state.enabled:
        node = record(_Cumprod, res, (input,), d)
        node.save(input, SavedOutput(res))
    return res


def _scan_inplace(name):
    """cumsum_/cumprod_ accumulate in self's dtype, which torch's kernels lack for bool."""
    def method_(self, dim, *, dtype=None):
        if self._dtype is D.bool_:
            raise NotImplementedError(f'"{name}_out_cpu" not implemented for \'Bool\'')
        if dtype is not None and D.to_dtype(dtype) is not self._dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {self._dtype.name} and output tensor dtype "
                               f"{D.to_dtype(dtype).name} should match")
        return commit_inplace(self, FUNCTIONS[name](self, dim, dtype=self._dtype))
    method_.__name__ = name + "_"
    setattr(Tensor, name + "_", method_)


_scan_inplace("cumsum")
_scan_inplace("cumprod")


def _cum_extremum(name, ufunc):
    RT = return_type(name)

    def f(input, dim):
        d = input._wrap_dim(dim)
        a = input._data
        vals = ufunc.accumulate(a, axis=d) if a.ndim else a.copy()
        n = a.shape[d] if a.ndim else 1
        pos = np.arange(n).reshape((-1,) + (1,) * (a.ndim - d - 1)) if a.ndim else np.zeros(())
        hit = (a == vals) | (np.isnan(a) if a.dtype.kind == "f" else False)  # a NaN takes over, as in torch
        idx = np.maximum.accumulate(np.where(hit, pos, 0), axis=d) if a.ndim else np.zeros((), np.int64)
        values, indices = wrap(vals, input._dtype), wrap(idx, D.int64)
        if input._rg and state.enabled:
            node = record(node_class(name.capitalize() + "Backward0",
                                     lambda self, g: g.new_zeros(self.args).scatter_add(d, self.saved[0], g)),
                          values, (input,), input._data.shape)
            node.save(indices)
        return RT(values, indices)
    op(name)(f)


_cum_extremum("cummax", np.maximum)
_cum_extremum("cummin", np.minimum)


@op()
@fused("LogcumsumexpBackward0")
def logcumsumexp(input, dim):
    d = input._wrap_dim(int_dim("logcumsumexp", dim))
    if input._dtype._cat < 2:
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for \'{D._LEGACY[input._dtype.name]}\'')
    m = input.amax(d, keepdim=True).detach()
    m = m.masked_fill(~m.isfinite(), 0)  # an infinite max would turn x - m into NaN
    return (input - m).exp().cumsum(d).log() + m


# ---------------------------------------------------------------------- softmax
_Softmax = node_class("SoftmaxBackward0", lambda self, g: _softmax_grad(g, *self.saved, self.args))
def _log_softmax_backward(self, g):
    y, = self.saved
    d = self.args
    if not state.enabled and _rows(g._data, d) and _rows(y._data, d) and g._data.dtype == y._data.dtype:
        return wrap(_from_rows(_softmax_kernels.log_softmax_backward(_as_rows(g._data), _as_rows(y._data)), g._data),
                    g._dtype)
    return g - y.exp() * g.sum(d, True)


_LogSoftmax = node_class("LogSoftmaxBackward0", _log_softmax_backward)


def _rows(a, d):
    """Whether a softmax over dim d of array a runs on the row kernels: the last dim of a C-contiguous
    float array of 4096 elements or more (a GPT's 768×65 logits, say)."""
    return a.ndim >= 2 and d == a.ndim - 1 and a.flags.c_contiguous and a.size >= 1 << 12 and a.dtype.kind == "f" \
        and a.shape[-1] > 0


def _as_rows(a):
    return a if a.ndim == 2 else a.reshape(-1, a.shape[-1])


def _from_rows(r, a):
    return r if a.ndim == 2 else r.reshape(a.shape)  # a 2-D result stays the array that owns its memory


def _softmax_grad(g, out, d):
    return out * (g - (g * out).sum(d, keepdim=True))


def _softmax_dim(input, dim, name):
    if dim is None:
        import warnings
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                      f"as an argument.", UserWarning, stacklevel=3)
        dim = 0 if input._data.ndim in (0, 1, 3) else 1
    return input._wrap_dim(dim) if input._data.ndim else 0


def _softmax_input(input, dtype, name):
    x = input if dtype is None else input.to(dtype)
    if x._dtype._cat < 2:
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for \'{D._LEGACY[x._dtype.name]}\'')
    return x


@op()
def softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    x = _softmax_input(input, dtype, "softmax")
    d = _softmax_dim(x, dim, "softmax")
    a = x._data
    e = np.exp(a - np.max(a, axis=d, keepdims=True)) if a.ndim and a.size else np.ones_like(a)
    res = wrap(e / np.sum(e, axis=d, keepdims=True) if a.ndim else e, x._dtype)
    if x._rg and state.enabled:
        node = record(_Softmax, res, (x,), d)
        node.save(SavedOutput(res))
    return res


@op()
def log_softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    x = _softmax_input(input, dtype, "log_softmax")
    d = _softmax_dim(x, dim, "log_softmax")
    a = x._data
    if _rows(a, d):
        r = _from_rows(_softmax_kernels.log_softmax(_as_rows(a)), a)
    elif a.ndim and a.size:
        shifted = a - np.max(a, axis=d, keepdims=True)
        r = shifted - np.log(np.sum(np.exp(shifted), axis=d, keepdims=True))
    else:
        r = np.zeros_like(a)
    res = wrap(r, x._dtype)
    if x._rg and state.enabled:
        node = record(_LogSoftmax, res, (x,), d)
        node.save(SavedOutput(res))
    return res


# ---------------------------------------------------------------------- sorting
def _gathered(name, values_arr, idx_arr, input, d, RT, keepdim=True, node=None):
    """(values, indices) where values were taken from input at idx along d (kept as a size-1 dim, or
    dropped with keepdim=False); differentiable through one node named as torch names it."""
    if not keepdim and np.ndim(values_arr):
        values_arr, idx_arr = np.squeeze(values_arr, d), np.squeeze(idx_arr, d)
    values, indices = wrap(values_arr, input._dtype), wrap(idx_arr, D.int64)
    if input._rg and state.enabled:
        node = record(node or _GATHER_NODES[name], values, (input,), (input._data.shape, d, keepdim))
        node.save(indices)
    return RT(values, indices) if RT is not None else (values, indices)


_GATHER_NODES = {n: node_class(n.capitalize() + "Backward0", lambda self, g: _index_grad(g, *self.saved, *self.args))
                 for n in ("sort", "topk", "kthvalue", "median", "mode", "nanmedian")}
# median/nanmedian over a dim are torch's Backward1 nodes; over everything, Backward0 taking the flat index
_DIM_MEDIAN = {n: node_class(n.capitalize() + "Backward1", _GATHER_NODES[n].backward) for n in ("median", "nanmedian")}
_FLAT_MEDIAN = {n: node_class(n.capitalize() + "Backward0", lambda self, g: _flat_index_grad(g, self.saved[0], self.args))
                for n in ("median", "nanmedian")}


def _flat_index_grad(g, index, shape):
    n = int(np.prod(shape))
    return g.new_zeros((n,)).scatter(0, index.reshape(1), g.reshape(1)).reshape(shape)


def _argsort(a, d, descending):
    if not descending:
        return np.argsort(a, axis=d, kind="stable")
    n = a.shape[d]
    rev = np.flip(np.argsort(np.flip(a, d), axis=d, kind="stable"), d)
    return n - 1 - rev


@op()
def sort(input, dim=-1, descending=False, stable=False):
    if input._data.ndim == 0:
        return _gathered("sort", input._data.copy(), np.zeros((), np.int64), input, 0, return_type("sort"))
    d = input._wrap_dim(dim)
    idx = _argsort(input._data, d, descending)
    return _gathered("sort", np.take_along_axis(input._data, idx, d), idx, input, d, return_type("sort"))


@op()
def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable)[1]


@op()
def msort(input):
    return sort(input, 0)[0]


@op()
def topk(input, k, dim=-1, largest=True, sorted=True):
    d = input._wrap_dim(dim) if input._data.ndim else 0
    n = input._data.shape[d] if input._data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    a = input._data if input._data.ndim else input._data.reshape(1)
    idx = np.take(_argsort(a, d, largest), np.arange(k), axis=d)
    vals = np.take_along_axis(a, idx, d)
    if not input._data.ndim:
        vals, idx = vals.reshape(()), idx.reshape(())
    return _gathered("topk", vals, idx, input, d, return_type("topk"))


@op()
def kthvalue(input, k, dim=-1, keepdim=False):
    d = input._wrap_dim(dim)
    if not 1 <= k <= input._data.shape[d]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    idx = np.take(_argsort(input._data, d, False), [k - 1], axis=d)
    return return_type("kthvalue")(*_gathered("kthvalue", np.take_along_axis(input._data, idx, d), idx, input, d,
                                               None, keepdim))


def _median(input, dim, keepdim, name, skip_nan):
    """median/nanmedian: the lower middle of the sorted values; median is NaN where a NaN is present,
    nanmedian takes the middle of the non-NaN values."""
    if input._dtype is D.bool_:
        raise NotImplementedError('"median_cpu" not implemented for \'Bool\'')
    if dim is None:
        if keepdim:
            raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
        flat = input.detach().reshape(-1)
        if not flat._data.size:
            return wrap(np.array(np.nan if input._dtype._cat >= 2 else np.iinfo(np.int64).min), input._dtype)
        value, index = _median(flat, 0, False, name, skip_nan)
        if input._rg and state.enabled:
            record(_FLAT_MEDIAN[name], value, (input,), input._data.shape).save(index)
        return value
    d = input._wrap_dim(int_dim(name, dim)) if input._data.ndim else input._wrap_dim(dim)
    _check_nonempty(input, (d,) if input._data.ndim else (), "median", True)
    a = input._data if input._data.ndim else input._data.reshape(1)
    nan = np.isnan(a) if input._dtype._cat >= 2 else np.zeros(a.shape, bool)
    count = a.shape[d] - nan.sum(d, keepdims=True) if skip_nan else a.shape[d]
    k = np.maximum((count - 1) // 2, 0) if skip_nan else np.full(nan.sum(d, keepdims=True).shape, (count - 1) // 2)
    idx = np.take_along_axis(np.argsort(a, axis=d, kind="stable"), k, d)
    if not skip_nan and nan.any():
        idx = np.where(nan.any(d, keepdims=True), np.argmax(nan, d, keepdims=True), idx)
    values = np.take_along_axis(a, idx, d)
    if not input._data.ndim:
        return return_type(name)(*_gathered(name, values.reshape(()), idx.reshape(()), input, 0, None,
                                            node=_DIM_MEDIAN[name]))
    return return_type(name)(*_gathered(name, values, idx, input, d, None, keepdim, _DIM_MEDIAN[name]))


@op()
def median(input, dim=None, keepdim=False):
    return _median(input, dim, keepdim, "median", False)


@op()
def nanmedian(input, dim=None, keepdim=False):
    return _median(input, dim, keepdim, "nanmedian", True)


def _row_modes(rows):
    """Each row's most frequent value (the smallest on ties) and the index of its last copy in sorted
    order, which sorts -0 before +0 and counts every NaN on its own (as torch's mode)."""
    n_rows, n = rows.shape
    tiebreak = ~np.signbit(rows) if rows.dtype.kind == "f" else np.zeros(rows.shape, bool)
    order = np.lexsort((tiebreak, rows), axis=-1)
    s = np.take_along_axis(rows, order, 1)
    start = np.ones(s.shape, bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    run = np.cumsum(start, 1) - 1 + np.arange(n_rows)[:, None] * n
    count = np.bincount(run.ravel(), minlength=n_rows * n)[run]
    best = count.max(1)
    last = np.argmax(count == best[:, None], 1) + best - 1
    r = np.arange(n_rows)
    return s[r, last], order[r, last]


@op()
def mode(input, dim=-1, keepdim=False):
    d = input._wrap_dim(int_dim("mode", dim)) if input._data.ndim else 0
    _check_nonempty(input, (d,) if input._data.ndim else (), "mode", True)
    a = np.moveaxis(input._data if input._data.ndim else input._data.reshape(1), d, -1)
    vals, idxs = _row_modes(a.reshape(-1, a.shape[-1]))
    shape = a.shape[:-1]
    vals, idxs = np.expand_dims(vals.reshape(shape), d), np.expand_dims(idxs.reshape(shape), d)
    if not input._data.ndim:
        vals, idxs = vals.reshape(()), idxs.reshape(())
        return return_type("mode")(wrap(vals, input._dtype), wrap(idxs, D.int64))
    return return_type("mode")(*_gathered("mode", vals, idxs, input, d, None, keepdim))


@op()
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    if dim is None:
        u, inv, counts = np.unique(input._data, return_inverse=True, return_counts=True)
        inv = inv.reshape(input._data.shape)
    else:
        d = input._wrap_dim(dim)
        u, inv, counts = np.unique(input._data, return_inverse=True, return_counts=True, axis=d)
        inv = inv.reshape(-1)
    out = [wrap(u, input._dtype)]
    if return_inverse:
        out.append(wrap(inv, D.int64))
    if return_counts:
        out.append(wrap(counts, D.int64))
    return out[0] if len(out) == 1 else tuple(out)


@op()
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    a = input._data.reshape(-1)
    if a.size == 0:
        keep = np.zeros(0, bool)
    else:
        keep = np.concatenate([[True], a[1:] != a[:-1]])
    out = [wrap(a[keep], input._dtype)]
    if return_inverse:
        out.append(wrap((np.cumsum(keep) - 1).reshape(input._data.shape), D.int64))
    if return_counts:
        out.append(wrap(np.diff(np.append(np.nonzero(keep)[0], a.size)), D.int64))
    return out[0] if len(out) == 1 else tuple(out)


@op()
def bincount(input, weights=None, minlength=0):
    if input._data.ndim != 1 or input._dtype._cat != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = weights._data if weights is not None else None
    r = np.bincount(input._data, w, minlength)
    return wrap(r, D.int64 if weights is None else (weights._dtype if weights._dtype._cat >= 2 else D.float64))


@op()
def histc(input, bins=100, min=0, max=0):
    lo, hi = (min, max) if (min, max) != (0, 0) else (float(input._data.min()), float(input._data.max()))
    h, _ = np.histogram(input._data, bins=bins, range=(lo, hi))
    return wrap(h, input._dtype)


# ---------------------------------------------------------------------- covariance
@op()
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance of the variables in input's rows (observations in columns), optionally weighted by
    integer frequencies and/or observation weights (torch.cov)."""
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    if x._dtype._cat < 2:
        x = x.to(D.get_default_dtype())
    n = x.shape[1]
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is not None:
            if weights.dim() > 1 or weights.numel() != n:
                raise RuntimeError(f"cov(): expected {name} to have one dimension with {n} elements, but got "
                                   f"{weights.dim()} dimensions with {weights.numel()} elements")
            w = weights if w is None else w * weights
    if w is None:
        mean_, total = x.mean(1, keepdim=True), n
        norm = n - correction
    else:
        total = w.sum()
        mean_ = (x * w).sum(1, keepdim=True) / total
        norm = total if correction == 0 else total - correction if aweights is None else \
            total - correction * (w * aweights).sum() / total
    if (norm <= 0) if isinstance(norm, (int, float)) else bool(norm <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning)
        norm = norm * 0 if not isinstance(norm, (int, float)) else 0
    xm = x - mean_
    c = (xm if w is None else xm * w) @ xm.mT.conj() / norm
    return c.squeeze()


@op()
def corrcoef(input):
    """Pearson correlation coefficients of the variables in input's rows (torch.corrcoef)."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return c.clamp(-1, 1) if not c.is_complex() else c


# ---------------------------------------------------------------------- vdot, quantiles
@op()
def vdot(input, other):
    """conj(input) . other for 1-D tensors (torch.vdot)."""
    return FUNCTIONS["dot"](input.conj() if input.is_complex() else input, other)


_QUANTILE_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name):
    """Sort, then read (and interpolate) at rank q * (n - 1), with n the count of (non-NaN) values."""
    from .. import tensor as _tensor
    if interpolation not in _QUANTILE_MODES:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if input._dtype not in (D.float32, D.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    scalar_q = not isinstance(q, Tensor)
    qt = _tensor(q, dtype=input._dtype) if scalar_q else q
    if qt._dtype is not input._dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if qt.dim() > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if ((qt._data < 0) | (qt._data > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if input.numel() == 0:
        raise IndexError(f"{name}() input tensor must be non-empty")
    x = input.reshape(-1) if dim is None else input.movedim(dim, -1)
    s = x.sort(-1).values  # NaN sorts last
    nan = x.isnan()
    n = (~nan).sum(-1, keepdim=True) if ignore_nan else nan.new_full(tuple(x.shape[:-1]) + (1,), x.shape[-1],
                                                                      dtype=D.int64)
    ranks = qt.reshape(-1).to(input._dtype) * (n - 1).clamp(min=0).to(input._dtype)  # (..., Q)
    lo = ranks.floor().long() if interpolation != "higher" else ranks.ceil().long()
    hi = ranks.ceil().long()
    if interpolation == "nearest":
        lo = hi = ranks.round().long()
    lo_v, hi_v = s.gather(-1, lo.clamp(max=x.shape[-1] - 1)), s.gather(-1, hi.clamp(max=x.shape[-1] - 1))
    if interpolation in ("linear", "midpoint"):  # torch's two-sided lerp, whose inf - inf makes NaN as its kernel's
        w = ranks - lo.to(input._dtype) if interpolation == "linear" else ranks * 0 + 0.5
        d = hi_v - lo_v
        out = FUNCTIONS["where"](w < 0.5, lo_v + d * w, hi_v - d * (1 - w))
    else:
        out = lo_v
    bad = (n == 0) if ignore_nan else nan.any(-1, keepdim=True)
    out = out.masked_fill(bad, float("nan"))  # an all-NaN row (nanquantile), or any NaN (quantile)
    out = out.movedim(-1, 0)  # (Q, ...)
    if keepdim:
        out = out.unsqueeze(-1) if dim is not None else out.reshape((out.shape[0],) + (1,) * input.dim())
        if dim is not None:
            out = out.movedim(-1, input._wrap_dim(dim) + 1)
    return out[0] if scalar_q or qt.dim() == 0 else out


@op()
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of input (over dim, or all elements), interpolated as asked; NaN if any NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


@op()
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaN values (NaN only where a reduced slice is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


# ---------------------------------------------------------------------- histograms
@op()
def histogram(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of input's values: `bins` equal bins over range (default min..max), or given edges."""
    if input._dtype._cat != 2:
        raise NotImplementedError(f'"histogramdd" not implemented for \'{D._LEGACY[input._dtype.name]}\'')
    edges = bins._data if isinstance(bins, Tensor) else bins
    h, e = np.histogram(input._data.reshape(-1), edges, range=range, density=density,
                        weights=None if weight is None else weight._data.reshape(-1))
    dt = input._dtype
    return return_type("histogram", ("hist", "bin_edges"))(wrap(h.astype(dt.np), dt), wrap(e.astype(dt.np), dt))


@op()
def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of the points in input's rows (the last dim holds the coordinates)."""
    if input._dtype._cat != 2:
        raise NotImplementedError(f'"histogramdd" not implemented for \'{D._LEGACY[input._dtype.name]}\'')
    pts = input._data.reshape(-1, input._data.shape[-1])
    b = [x._data for x in bins] if isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor) else bins
    rng_ = None if range is None else list(zip(range[::2], range[1::2]))
    h, edges = np.histogramdd(pts, b, range=rng_, density=density,
                              weights=None if weight is None else weight._data.reshape(-1))
    dt = input._dtype
    return return_type("histogramdd", ("hist", "bin_edges"))(wrap(h.astype(dt.np), dt),
                                                              [wrap(e.astype(dt.np), dt) for e in edges])


# ---------------------------------------------------------------------- integration and differentiation on samples
def _spacing_diffs(y, x, dx, d):
    """The sample spacings along d: from coordinates x (1-D, or shaped like y), else the constant dx."""
    if x is None:
        return 1.0 if dx is None else dx
    if x.dim() == 1:
        shape = [1] * y.dim()
        shape[d] = -1
        x = x.reshape(shape)
    n = x.shape[d]
    return x.narrow(d, 1, n - 1) - x.narrow(d, 0, n - 1)


@op(method=False)
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along dim: sum of (y[i] + y[i+1]) / 2 * spacing."""
    d = y._wrap_dim(dim)
    n = y.shape[d]
    if n == 0:
        return y.sum(d) * 0
    h = _spacing_diffs(y, x, dx, d)
    pairs = y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)
    return (pairs * h).sum(d) / 2


def trapz(y, x=None, *, dx=None, dim=-1):
    """torch.trapz: trapezoid's older name (dx may be given positionally)."""
    if x is not None and not isinstance(x, Tensor):
        x, dx = None, x
    return trapezoid(y, x, dx=dx, dim=dim)


@op(method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along dim (one element shorter than y)."""
    d = y._wrap_dim(dim)
    n = y.shape[d]
    h = _spacing_diffs(y, x, dx, d)
    m = n - 1 if n else 0  # (max and min are ops in this module)
    return ((y.narrow(d, 1, m) + y.narrow(d, 0, m)) * h / 2).cumsum(d)


FUNCTIONS["trapz"] = trapz


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Central differences inside, one-sided (first or second order) at the ends, along each dim: one tensor
    per dim. spacing: a number, one number per dim, or one coordinate tensor per dim."""
    dims = list(range(input.dim())) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [input._wrap_dim(k) for k in dims]
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2.")
    sp = spacing if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(sp) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length {len(sp)} "
                           f"and a dim argument of length {len(dims)}.")
    out = []
    for d, h in zip(dims, sp):
        n = input.shape[d]
        if n < edge_order + 1:
            raise RuntimeError(f"torch.gradient expected each dimension size to be at least edge_order+1")
        f = lambda a, k: input.narrow(d, a, k)  # noqa: E731
        if isinstance(h, Tensor):  # coordinates: the second-order-accurate formula on uneven steps
            shape = [1] * input.dim()
            shape[d] = -1
            x = h.reshape(shape).to(input.dtype)
            dx = x.narrow(d, 1, n - 1) - x.narrow(d, 0, n - 1)
            a, b = dx.narrow(d, 0, n - 2), dx.narrow(d, 1, n - 2)
            inner = (f(2, n - 2) * a * a - f(0, n - 2) * b * b + f(1, n - 2) * (b * b - a * a)) / (a * b * (a + b))
            first = (f(1, 1) - f(0, 1)) / dx.narrow(d, 0, 1)
            last = (f(n - 1, 1) - f(n - 2, 1)) / dx.narrow(d, n - 2, 1)
        else:
            inner = (f(2, n - 2) - f(0, n - 2)) / (2 * h)
            if edge_order == 1:
                first, last = (f(1, 1) - f(0, 1)) / h, (f(n - 1, 1) - f(n - 2, 1)) / h
            else:
                first = (f(0, 1) * -1.5 + f(1, 1) * 2 - f(2, 1) * 0.5) / h
                last = (f(n - 3, 1) * 0.5 - f(n - 2, 1) * 2 + f(n - 1, 1) * 1.5) / h
        out.append(FUNCTIONS["cat"]([first, inner, last], d))
    return tuple(out)


FUNCTIONS["gradient"] = gradient


# ---------------------------------------------------------------------- older norm spellings, sum_to_size
def frobenius_norm(input, dim=(-2, -1), keepdim=False):
    """sqrt of the sum of |x|^2 over dim (torch.frobenius_norm)."""
    return (input.abs() ** 2).sum(dim, keepdim=keepdim).sqrt()


def nuclear_norm(input, dim=None, keepdim=False):
    """The sum of singular values (of the matrix, or over the two dims given)."""
    from .. import linalg
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    return linalg.matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim)


FUNCTIONS.update(frobenius_norm=frobenius_norm, nuclear_norm=nuclear_norm)


def sum_to_size(self, *size):
    """The sum of self over the dims where `size` is 1 (the reverse of expanding to self's shape)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    try:
        np.broadcast_shapes(shape, self._data.shape)
        ok = len(shape) <= self._data.ndim and np.broadcast_shapes(shape, self._data.shape) == self._data.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"size {{{', '.join(map(str, shape))}}} is not expandable to size "
                           f"{{{', '.join(map(str, self._data.shape))}}}.")
    from .registry import sum_to
    return sum_to(self, shape)


Tensor.sum_to_size = sum_to_size
