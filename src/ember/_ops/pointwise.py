"""Elementwise ops: each is its forward (a NumPy call) and its gradient rule, one line each.

Gradient rules are written with Ember ops, so they differentiate again under create_graph=True.
A rule names what it needs after `g`: `x`/`out` for unary ops, `a`/`b`/`out` for binary ones.
"""
import math

import numpy as np
import scipy.special as sp

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.graph import record, SavedOutput
from ..autograd.grad_mode import state
from .registry import op, node_class, operands, wrap, sum_to, params_of, cast, commit_inplace, FUNCTIONS

_NAMES = {"log1p": "Log1P", "expm1": "Expm1", "relu": "Relu", "true_divide": "Div"}


def _node_name(name):
    return _NAMES.get(name, name.capitalize()) + "Backward0"


def _saved(needs, x, out):
    return tuple(x if n == "x" else SavedOutput(out) for n in needs)


# ---------------------------------------------------------------------- unary
def unary(name, fn, grad=None, *, floating=True, dtypes=None, inplace=True, method=True):
    """Define ember.<name>, Tensor.<name> and Tensor.<name>_ from `fn` on arrays and `grad` on tensors.
    floating: integer inputs are computed in the default float dtype (as torch.exp does)."""
    needs = params_of(grad) if grad else ()

    def backward(self, g):
        return grad(g, *self.saved)
    Node = node_class(_node_name(name), backward) if grad else None

    def f(input, *, out=None):
        dt = input._dtype
        if floating and dt._cat < 2:
            dt = D.get_default_dtype()
        elif dtypes is not None and dt.name not in dtypes:
            raise RuntimeError(f'"{name}_cpu" not implemented for \'{D._LEGACY[dt.name]}\'')
        res = wrap(fn(cast(input._data, dt)), dt)
        if Node is not None and input._rg and state.enabled:
            node = record(Node, res, (input,))
            node.save(*_saved(needs, input, res))
        return _into(out, res)
    f.__name__ = f.__qualname__ = name
    op(name, method=method, inplace=inplace)(f)
    return f


def _into(out, res):
    """Honour torch's `out=` keyword: copy the result into the given tensor."""
    if out is None:
        return res
    if out._data.shape != res._data.shape:
        out.resize_(res.shape)
    out._data[...] = res._data
    out._vc[0] += 1
    return out


LN2, LN10, SQRT_PI = math.log(2.0), math.log(10.0), math.sqrt(math.pi)

unary("neg", np.negative, lambda g: -g, floating=False)
unary("abs", np.abs, lambda g, x: g * x.sgn(), floating=False)
unary("exp", np.exp, lambda g, out: g * out)
unary("exp2", np.exp2, lambda g, out: g * out * LN2)
unary("expm1", np.expm1, lambda g, out: g * (out + 1))
unary("log", np.log, lambda g, x: g / x)
unary("log2", np.log2, lambda g, x: g / (x * LN2))
unary("log10", np.log10, lambda g, x: g / (x * LN10))
unary("log1p", np.log1p, lambda g, x: g / (x + 1))
unary("sqrt", np.sqrt, lambda g, out: g / (2 * out))
unary("rsqrt", lambda a: 1 / np.sqrt(a), lambda g, out: -0.5 * g * out ** 3)
unary("sin", np.sin, lambda g, x: g * x.cos())
unary("cos", np.cos, lambda g, x: -g * x.sin())
unary("tan", np.tan, lambda g, out: g * (1 + out * out))
unary("asin", np.arcsin, lambda g, x: g * (1 - x * x).rsqrt())
unary("acos", np.arccos, lambda g, x: -g * (1 - x * x).rsqrt())
unary("atan", np.arctan, lambda g, x: g / (1 + x * x))
unary("sinh", np.sinh, lambda g, x: g * x.cosh())
unary("cosh", np.cosh, lambda g, x: g * x.sinh())
unary("tanh", np.tanh, lambda g, out: g * (1 - out * out))
unary("asinh", np.arcsinh, lambda g, x: g * (x * x + 1).rsqrt())
unary("acosh", np.arccosh, lambda g, x: g * (x * x - 1).rsqrt())
unary("atanh", np.arctanh, lambda g, x: g / (1 - x * x))
unary("sigmoid", sp.expit, lambda g, out: g * out * (1 - out))
unary("logit", sp.logit, lambda g, x: g / (x * (1 - x)))
unary("reciprocal", np.reciprocal, lambda g, out: -g * out * out)
unary("erf", sp.erf, lambda g, x: g * (2 / SQRT_PI) * (-x * x).exp())
unary("erfc", sp.erfc, lambda g, x: g * (-2 / SQRT_PI) * (-x * x).exp())
unary("erfinv", sp.erfinv, lambda g, out: g * (SQRT_PI / 2) * (out * out).exp())
unary("lgamma", sp.gammaln, lambda g, x: g * x.digamma())
unary("digamma", sp.digamma, lambda g, x: g * x.polygamma(1))
unary("relu", lambda a: np.maximum(a, 0, dtype=a.dtype), lambda g, out: g * (out > 0), floating=False)
unary("sign", np.sign, lambda g: g * 0, floating=False)
unary("sgn", np.sign, lambda g: g * 0, floating=False)
unary("floor", np.floor, lambda g: g * 0, floating=False)
unary("ceil", np.ceil, lambda g: g * 0, floating=False)
unary("trunc", np.trunc, lambda g: g * 0, floating=False, )
unary("frac", lambda a: a - np.trunc(a), lambda g: g, floating=False)
unary("square", np.square, lambda g, x: 2 * g * x, floating=False)
unary("sinc", lambda a: np.sinc(a), lambda g, x: g * _sinc_grad(x))
unary("bitwise_not", lambda a: np.invert(a), floating=False,
      dtypes=("bool", "uint8", "int8", "int16", "int32", "int64"))
unary("logical_not", np.logical_not, floating=False)
FUNCTIONS["fix"] = FUNCTIONS["trunc"]


def _sinc_grad(x):
    px = x * math.pi
    return ((px.cos() * px - px.sin()) / (px * x)).nan_to_num(0.0)


def _predicate(name, fn):
    """isnan, isinf, ...: bool results, never differentiable."""
    def f(input):
        return wrap(fn(input._data), D.bool_)
    f.__name__ = name
    op(name)(f)


_predicate("isnan", np.isnan)
_predicate("isinf", np.isinf)
_predicate("isposinf", np.isposinf)
_predicate("isneginf", np.isneginf)
_predicate("isfinite", np.isfinite)
_predicate("isreal", np.isreal)
_predicate("signbit", np.signbit)
# unary ops whose dtype rules differ from the table above are defined by hand below
for _n in ("logical_not",):
    FUNCTIONS[_n] = FUNCTIONS[_n]


@op(inplace=True)
def round(input, *, decimals=0):
    res = wrap(np.round(input._data, decimals), input._dtype)
    record(_ZeroGrad, res, (input,))
    return res


_ZeroGrad = node_class("RoundBackward0", lambda self, g: g * 0)


@op()
def polygamma(n, input):
    if isinstance(input, int):  # Tensor.polygamma(n) reaches here as (self, n)
        n, input = input, n
    dt = input._dtype if input._dtype._cat >= 2 else D.get_default_dtype()
    res = wrap(sp.polygamma(n, cast(input._data, dt)), dt)
    node = record(_Polygamma, res, (input,), n)
    if node is not None:
        node.save(input)
    return res


_Polygamma = node_class("PolygammaBackward0", lambda self, g: g * self.saved[0].polygamma(self.args + 1))
Tensor.polygamma = lambda self, n: polygamma(n, self)


@op()
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    res = wrap(np.nan_to_num(input._data, nan=nan, posinf=posinf, neginf=neginf), input._dtype)
    node = record(_NanToNum, res, (input,))
    if node is not None:
        node.save(input)
    return res


_NanToNum = node_class("NanToNumBackward0", lambda self, g: g * self.saved[0].isfinite())


# ---------------------------------------------------------------------- binary
def _binary_node(name, grad_a, grad_b):
    """A grad_fn type for a binary op: each input's gradient is computed only if it needs one,
    then summed back over broadcast dims and cast to the input's dtype."""
    needs = tuple(dict.fromkeys(params_of(grad_a) + params_of(grad_b)))
    ia = tuple(needs.index(p) for p in params_of(grad_a))
    ib = tuple(needs.index(p) for p in params_of(grad_b))

    def backward(self, g):
        saved = self.saved
        (na, _), (nb, _) = self.next_functions
        sa, da, sb, db = self.args
        ga = gb = None
        if na is not None:
            ga = _fit(grad_a(g, *[saved[i] for i in ia]), sa, da)
        if nb is not None:
            gb = _fit(grad_b(g, *[saved[i] for i in ib]), sb, db)
        return ga, gb
    return node_class(name, backward, needs=needs)


def _fit(g, shape, dt):
    if g._data.shape != shape:
        g = sum_to(g, shape)
    return g if g._dtype is dt else g.to(dt)


def _meta(x):
    return (x._data.shape, x._dtype) if isinstance(x, Tensor) else ((), None)


def apply_binary(Node, arr, dt, a, b, args=None):
    """Wrap a binary op's result and record its node (saving what the rules need)."""
    res = wrap(arr, dt)
    if state.enabled and ((type(a) is not int and type(a) is not float and a._rg) or
                          (type(b) is not int and type(b) is not float and getattr(b, "_rg", False))):
        ta, tb = (a if isinstance(a, Tensor) else None), (b if isinstance(b, Tensor) else None)
        node = record(Node, res, (ta, tb), _meta(a) + _meta(b) if args is None else args)
        if node is not None and Node.needs:
            vals = {"a": a, "b": b}
            node.save(*[SavedOutput(res) if n == "out" else vals[n] for n in Node.needs])
    return res


def binary(name, fn, grad_a=None, grad_b=None, *, result=None, inplace=True, node=None, dtypes=None):
    """Define a broadcasting binary op from `fn` on arrays and the two gradient rules.
    result: 'bool' for comparisons, 'float' where integer inputs give the default float dtype."""
    Node = _binary_node(node or _node_name(name), grad_a, grad_b) if grad_a else None

    def f(input, other, *, out=None):
        x, y, dt = operands(input, other)
        if dtypes is not None and dt.name not in dtypes:
            raise RuntimeError(f'"{name}_cpu" not implemented for \'{D._LEGACY[dt.name]}\'')
        if result == "float" and dt._cat < 2:
            dt = D.get_default_dtype()
            x, y = _as(x, dt), _as(y, dt)
        arr = fn(x, y)
        if result == "bool":
            return _into(out, wrap(arr, D.bool_))
        if Node is None:
            return _into(out, wrap(arr, dt))
        return _into(out, apply_binary(Node, arr, dt, input, other))
    f.__name__ = f.__qualname__ = name
    op(name, inplace=inplace)(f)
    return f


def _as(v, dt):
    return v.astype(dt.np) if isinstance(v, np.ndarray) else v


def _int_division_check(y):
    if (np.asarray(y) == 0).any():
        raise RuntimeError("ZeroDivisionError")


def _maximum_grad(g, a, b):
    return g * ((a > b) + (a == b) * 0.5)


mul = binary("mul", np.multiply, lambda g, b: g * b, lambda g, a: g * a)
binary("maximum", np.maximum, _maximum_grad, lambda g, a, b: _maximum_grad(g, b, a))
binary("minimum", np.minimum, lambda g, a, b: _maximum_grad(g, b, a), _maximum_grad)
binary("fmax", np.fmax, _maximum_grad, lambda g, a, b: _maximum_grad(g, b, a))
binary("fmin", np.fmin, lambda g, a, b: _maximum_grad(g, b, a), _maximum_grad)
binary("atan2", np.arctan2, lambda g, a, b: g * b / (a * a + b * b), lambda g, a, b: -g * a / (a * a + b * b),
       result="float")
binary("hypot", np.hypot, lambda g, a, out: g * a / out, lambda g, b, out: g * b / out)
binary("copysign", np.copysign, lambda g, a, out: g * (out / a).nan_to_num(0.0), lambda g: g * 0, result="float")
binary("xlogy", sp.xlogy, lambda g, a, b: g * (b.log() * (a != 0)), lambda g, a, b: g * a / b, result="float")
binary("remainder", lambda x, y: np.remainder(x, y) if not _is_int(x, y) or not _int_division_check(y) else 0,
       lambda g: g, lambda g, a, b: -g * (a / b).floor())
binary("fmod", np.fmod, lambda g: g, lambda g, a, b: -g * (a / b).trunc())
binary("floor_divide", lambda x, y: _floor_divide(x, y), lambda g: g * 0, lambda g: g * 0)
for _n, _f in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
               ("gt", np.greater), ("ge", np.greater_equal), ("logical_and", np.logical_and),
               ("logical_or", np.logical_or), ("logical_xor", np.logical_xor)):
    binary(_n, _f, result="bool")
_INTS = ("bool", "uint8", "int8", "int16", "int32", "int64")
binary("bitwise_and", np.bitwise_and, dtypes=_INTS)
binary("bitwise_or", np.bitwise_or, dtypes=_INTS)
binary("bitwise_xor", np.bitwise_xor, dtypes=_INTS)
binary("bitwise_left_shift", np.left_shift, dtypes=_INTS[1:])
binary("bitwise_right_shift", np.right_shift, dtypes=_INTS[1:])
for _alias, _name in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"),
                      ("not_equal", "ne"), ("multiply", "mul")):
    FUNCTIONS[_alias] = FUNCTIONS[_name]
    setattr(Tensor, _alias, getattr(Tensor, _name))
    setattr(Tensor, _alias + "_", getattr(Tensor, _name + "_"))


def _is_int(x, y):
    return isinstance(x, np.ndarray) and x.dtype.kind in "iub" or isinstance(y, np.ndarray) and y.dtype.kind in "iub"


def _floor_divide(x, y):
    if _is_int(x, y):
        _int_division_check(y)
    return np.floor_divide(x, y)


_Add = _binary_node("AddBackward0", lambda g: g, lambda g: g)
_Sub = _binary_node("SubBackward0", lambda g: g, lambda g: -g)


def _scaled(Node, alpha):
    """add/sub with alpha != 1 scale the second input's gradient: a distinct (cached) node type."""
    key = (Node.__name__, alpha)
    cls = _ALPHA_NODES.get(key)
    if cls is None:
        sign = -alpha if Node is _Sub else alpha
        cls = _ALPHA_NODES[key] = _binary_node(Node.__name__, lambda g: g, lambda g: g * sign)
    return cls


_ALPHA_NODES = {}


def _check_alpha(dt, alpha):
    if isinstance(alpha, float) and dt._cat < 2:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


@op(inplace=True)
def add(input, other, *, alpha=1, out=None):
    x, y, dt = operands(input, other)
    if alpha != 1:
        _check_alpha(dt, alpha)
        y = y * alpha
    return _into(out, apply_binary(_Add if alpha == 1 else _scaled(_Add, alpha), x + y, dt, input, other))


@op(inplace=True)
def sub(input, other, *, alpha=1, out=None):
    x, y, dt = operands(input, other)
    if dt is D.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        _check_alpha(dt, alpha)
        y = y * alpha
    return _into(out, apply_binary(_Sub if alpha == 1 else _scaled(_Sub, alpha), x - y, dt, input, other))


FUNCTIONS["subtract"] = sub
Tensor.subtract = sub
_Rsub = node_class("RsubBackward1", lambda self, g: -g)


def rsub(input, other, alpha=1):
    """other - alpha * input, for `number - tensor`."""
    res = sub(other, input, alpha=alpha) if isinstance(other, Tensor) else _rsub_scalar(input, other, alpha)
    return res


def _rsub_scalar(input, other, alpha):
    x, y, dt = operands(input, other)
    res = wrap(y - x * alpha, dt)
    record(_Rsub if alpha == 1 else node_class("RsubBackward1", lambda self, g: -g * alpha), res, (input,))
    return res


FUNCTIONS["rsub"] = rsub
_Div = _binary_node("DivBackward0", lambda g, b: g / b, lambda g, a, b: -g * a / (b * b))
_DivFloor = _binary_node("DivBackward1", lambda g: g * 0, lambda g: g * 0)


@op(inplace=True, aliases=("true_divide", "divide"))
def div(input, other, *, rounding_mode=None, out=None):
    x, y, dt = operands(input, other)
    if rounding_mode is None:
        if dt._cat < 2:
            dt = D.get_default_dtype()
            x, y = _as(x, dt), _as(y, dt)
        return _into(out, apply_binary(_Div, np.true_divide(x, y), dt, input, other))
    if rounding_mode == "trunc":
        if dt._cat < 2:
            _int_division_check(y)
            q = np.trunc(np.true_divide(x, y)).astype(dt.np) if True else None
            q = np.where((x % y != 0) & ((x < 0) != (np.asarray(y) < 0)), np.floor_divide(x, y) + 1,
                         np.floor_divide(x, y))
        else:
            q = np.trunc(np.true_divide(x, y))
    elif rounding_mode == "floor":
        q = _floor_divide(x, y) if dt._cat < 2 else np.floor(np.true_divide(x, y))
    else:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    return _into(out, apply_binary(_DivFloor, q, dt, input, other))


_PowScalar = node_class("PowBackward0", lambda self, g: _pow_scalar_grad(g, self.saved[0], self.args))
_PowTensor = _binary_node("PowBackward1", lambda g, a, b: g * b * a ** (b - 1),
                          lambda g, a, b, out: g * out * _log_where_nonzero(a, out))
_PowBase = node_class("PowBackward2", lambda self, g: g * SavedOutput.unpack(self._saved[0], self) * math.log(self.args)
                      if self.args > 0 else g * 0)


def _pow_scalar_grad(g, x, e):
    return g * 0 if e == 0 else g * e * x ** (e - 1)


def _log_where_nonzero(a, out):
    # d/db a**b = a**b log a, taken as 0 where a == 0 and b >= 0 (torch's convention)
    return a.log().masked_fill((a == 0) & (out >= 0), 0.0)


@op(inplace=True)
def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):  # ember.pow(2, t)
        return _pow_base(input, exponent)
    if isinstance(exponent, Tensor):
        x, y, dt = operands(input, exponent)
        _check_int_pow(dt, y)
        return _into(out, apply_binary(_PowTensor, np.power(x, y), dt, input, exponent))
    x, e, dt = operands(input, exponent)
    _check_int_pow(dt, e)
    res = wrap(np.square(x) if e == 2 else np.power(x, e), dt)
    node = record(_PowScalar, res, (input,), exponent)
    if node is not None:
        node.save(input)
    return _into(out, res)


def _check_int_pow(dt, e):
    if dt._cat == 1 and (np.asarray(e) < 0).any():
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def _pow_base(base, exponent):
    b, y, dt = operands(base, exponent)
    res = wrap(np.power(b, y), dt)
    node = record(_PowBase, res, (exponent,), base)
    if node is not None:
        node.save(SavedOutput(res))
    return res


FUNCTIONS["float_power"] = lambda input, exponent: pow(input.double() if isinstance(input, Tensor) else input,
                                                      exponent.double() if isinstance(exponent, Tensor) else exponent)


_Clamp = node_class("ClampBackward1", lambda self, g: g * _in_range(self.saved[0], *self.args))
_ClampT = node_class("ClampBackward0", lambda self, g: _clamp_tensor_grad(g, *self.saved))


def _in_range(x, lo, hi):
    m = None
    if lo is not None:
        m = x >= lo
    if hi is not None:
        m = (x <= hi) if m is None else m & (x <= hi)
    return m


def _clamp_tensor_grad(g, x, lo, hi):
    return (g * _in_range(x, lo, hi),)


@op(inplace=True, aliases=("clip",))
def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = min if min is not None else None
        r = input
        if min is not None:
            r = maximum(r, min) if isinstance(min, Tensor) else clamp(r, min=min)
        if max is not None:
            r = minimum(r, max) if isinstance(max, Tensor) else clamp(r, max=max)
        return _into(out, r)
    dt = D.result_type(input, *(v for v in (min, max) if v is not None))
    res = wrap(np.clip(cast(input._data, dt), min, max), dt)
    node = record(_Clamp, res, (input,), (min, max))
    if node is not None:
        node.save(input)
    return _into(out, res)


FUNCTIONS["clamp_min"] = lambda input, min: clamp(input, min=min)
FUNCTIONS["clamp_max"] = lambda input, max: clamp(input, max=max)
Tensor.clamp_min = lambda self, min: clamp(self, min=min)
Tensor.clamp_max = lambda self, max: clamp(self, max=max)
Tensor.clamp_min_ = lambda self, min: self.clamp_(min=min)
Tensor.clamp_max_ = lambda self, max: self.clamp_(max=max)
maximum, minimum = FUNCTIONS["maximum"], FUNCTIONS["minimum"]

_Where = _binary_node("WhereBackward0", lambda g, c: g * c, lambda g, c: g * ~c)


@op()
def where(condition, input=None, other=None):
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{D._LEGACY[condition._dtype.name]}")
    x, y, dt = operands(input, other)
    res = wrap(np.where(condition._data, x, y), dt)
    if state.enabled and (getattr(input, "_rg", False) or getattr(other, "_rg", False)):
        shape = np.broadcast_shapes(condition._data.shape, np.shape(x), np.shape(y))
        args = (_meta(input)[0], _meta(input)[1], _meta(other)[0], _meta(other)[1])
        node = record(_Where, res, (input if isinstance(input, Tensor) else None,
                                    other if isinstance(other, Tensor) else None), args)
        if node is not None:
            node.save(condition)
    return res


@op(inplace=True)
def lerp(input, end, weight):
    return input + weight * (end - input)


@op(inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 * tensor2


@op(inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 / tensor2


# ---------------------------------------------------------------------- operators
def _reflect(fn):
    return lambda self, other: fn(other, self)


Tensor.__add__ = Tensor.__radd__ = add
Tensor.__iadd__ = Tensor.add_
Tensor.__sub__ = sub
Tensor.__rsub__ = lambda self, other: rsub(self, other)
Tensor.__isub__ = Tensor.sub_
Tensor.__mul__ = Tensor.__rmul__ = mul
Tensor.__imul__ = Tensor.mul_
Tensor.__truediv__ = div
Tensor.__rtruediv__ = lambda self, other: self.reciprocal() * other
Tensor.__itruediv__ = Tensor.div_
Tensor.__floordiv__ = FUNCTIONS["floor_divide"]
Tensor.__rfloordiv__ = _reflect(FUNCTIONS["floor_divide"])
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__mod__ = FUNCTIONS["remainder"]
Tensor.__rmod__ = _reflect(FUNCTIONS["remainder"])
Tensor.__imod__ = Tensor.remainder_
Tensor.__pow__ = pow
Tensor.__rpow__ = lambda self, other: _pow_base(other, self)
Tensor.__ipow__ = Tensor.pow_
Tensor.__neg__ = FUNCTIONS["neg"]
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = FUNCTIONS["abs"]
Tensor.__invert__ = lambda self: FUNCTIONS["bitwise_not"](self)
for _op, _name in (("eq", "eq"), ("ne", "ne"), ("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge")):
    setattr(Tensor, f"__{_op}__", FUNCTIONS[_name])
for _op, _name in (("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                   ("lshift", "bitwise_left_shift"), ("rshift", "bitwise_right_shift")):
    setattr(Tensor, f"__{_op}__", FUNCTIONS[_name])
    setattr(Tensor, f"__r{_op}__", _reflect(FUNCTIONS[_name]))
    setattr(Tensor, f"__i{_op}__", getattr(Tensor, _name + "_"))
Tensor.__hash__ = object.__hash__
