"""Elementwise ops: each is its forward (a NumPy call) and its gradient rule, one line each.

Gradient rules are written with Ember ops, so they differentiate again under create_graph=True.
A rule names what it needs after `g`: `x`/`out` for unary ops, `a`/`b`/`out` for binary ones.
"""
import math
import sys

import numpy as np

from .. import _dtype as D
from .._kernels import loops as _loops
from .._kernels import threads as _threads
from .._tensor import Tensor
from ..autograd.graph import record, SavedOutput
from ..autograd.grad_mode import state
from .registry import write_out
from .registry import (op, fused, node_class, operands, wrap, sum_to, params_of, cast, commit_inplace, check_scalar,
                       broadcast_shape, FUNCTIONS)
from .._deferred import deferred

sp = deferred("scipy.special")  # imported on the first call of one of its functions

_NAMES = {"log1p": "Log1P", "expm1": "Expm1", "relu": "Relu", "true_divide": "Div", "deg2rad": "Deg2Rad",
          "rad2deg": "Rad2Deg", "i0": "I0"}


def _node_name(name):
    return _NAMES.get(name, name.capitalize()) + "Backward0"


def _saver(needs):
    """What a unary rule asks to keep, as a function of (input, output): `x` the input, `out` the output."""
    if needs == ("x",):
        return lambda x, out: (x,)
    if needs == ("out",):
        return lambda x, out: (SavedOutput(out),)
    return lambda x, out: tuple([x if n == "x" else SavedOutput(out) for n in needs])


# ---------------------------------------------------------------------- unary
def unary(name, fn, grad=None, *, floating=True, dtypes=None, inplace=True, method=True, aliases=(),
          result=None, bool_error=None, function=True, node=None, holomorphic=True):
    """Define ember.<name>, Tensor.<name> and Tensor.<name>_ from `fn` on arrays and `grad` on tensors.
    floating: integer inputs are computed in the default float dtype (as torch.exp does);
    dtypes: the input dtypes the op accepts; result='bool' for logical results, 'real' for real results of
    complex inputs (abs, angle);
    bool_error: torch's RuntimeError message for a bool input (neg, relu);
    function=False keeps it out of the ember namespace (torch.special's own ops); node: the grad_fn name;
    holomorphic=False: `grad` is already right for complex inputs (otherwise it gets g * conj(f'(z)))."""
    save = _saver(params_of(grad) if grad else ())

    def backward(self, g):
        if g._dtype._cat == 3 and holomorphic:  # complex z: torch's conjugate-Wirtinger g * conj(f'(z))
            return grad(g.conj(), *self.saved).conj()
        return grad(g, *self.saved)
    Node = node_class(node or _node_name(name), backward) if grad else None

    def f(input, *, out=None):
        dt = input._dtype
        if dtypes is not None and dt.name not in dtypes:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{D._LEGACY[dt.name]}\'')
        if bool_error and dt is D.bool_:
            raise RuntimeError(bool_error)
        if floating and dt._cat < 2:
            dt = D.get_default_dtype()
        if result == "bool":
            return _into(out, wrap(fn(input._data), D.bool_))
        res = wrap(fn(cast(input._data, dt)), dt.to_real() if result == "real" else dt)
        if Node is not None and input._rg and state.enabled:
            record(Node, res, (input,)).save(*save(input, res))
        return _into(out, res)
    f.__name__ = f.__qualname__ = name
    op(name, method=method, function=function, inplace=inplace, aliases=aliases)(f)
    if inplace and function:  # torch.exp_(x) exists beside x.exp_()
        for n in (name,) + tuple(aliases):
            FUNCTIONS[n + "_"] = getattr(Tensor, n + "_")
    return f


def _into(out, res):
    """Honour torch's `out=` keyword: copy the result into the given tensor."""
    if out is None:
        return res
    name = res.grad_fn.name()[:-len("Backward0")].lower() if res.grad_fn else sys._getframe(1).f_code.co_name
    return write_out(out, res, name)


LN2, LN10, SQRT_PI = math.log(2.0), math.log(10.0), math.sqrt(math.pi)
_INTS = ("bool", "uint8", "int8", "int16", "int32", "int64")
_FLOATS = ("float16", "bfloat16", "float32", "float64")
_NUMERIC = _INTS[1:] + _FLOATS + ("complex64", "complex128")
_REAL = _INTS + _FLOATS


def _sign(a):
    return a.copy() if a.dtype == np.bool_ else np.sign(a)


def _rounding(fn):
    """floor/ceil/trunc: integers are already whole, so they come back unchanged (and exact)."""
    return lambda a: a.copy() if a.dtype.kind in "iu" else fn(a)



unary("neg", np.negative, lambda g: -g, floating=False, aliases=("negative",),
      bool_error="Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                 "mask, use the `~` or `logical_not()` operator instead.")
unary("abs", np.abs, lambda g, x: g * x.sgn(), floating=False, dtypes=_NUMERIC, aliases=("absolute",),
      result="real")
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
unary("asin", np.arcsin, lambda g, x: g * (1 - x * x).rsqrt(), aliases=("arcsin",))
unary("acos", np.arccos, lambda g, x: -g * (1 - x * x).rsqrt(), aliases=("arccos",))
unary("atan", np.arctan, lambda g, x: g / (1 + x * x), aliases=("arctan",))
unary("sinh", np.sinh, lambda g, x: g * x.cosh())
unary("cosh", np.cosh, lambda g, x: g * x.sinh())
unary("tanh", np.tanh, lambda g, out: g * (1 - out * out))
unary("asinh", np.arcsinh, lambda g, x: g * (x * x + 1).rsqrt(), aliases=("arcsinh",))
unary("acosh", np.arccosh, lambda g, x: g * (x * x - 1).rsqrt(), aliases=("arccosh",))
unary("atanh", np.arctanh, lambda g, x: g / (1 - x * x), aliases=("arctanh",))
unary("sigmoid", lambda a: sp.expit(a) if a.dtype.kind != "c" else 1 / (1 + np.exp(-a)),  # expit is real-only
      lambda g, out: g * out * (1 - out))
_logit = unary("logit", sp.logit, lambda g, x: g / (x * (1 - x)), inplace=False)


@op(inplace=True)
def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    return _logit(input if eps is None else input.clamp(eps, 1 - eps), out=out)


unary("reciprocal", np.reciprocal, lambda g, out: -g * out * out)
unary("erf", sp.erf, lambda g, x: g * (2 / SQRT_PI) * (-x * x).exp())
unary("erfc", sp.erfc, lambda g, x: g * (-2 / SQRT_PI) * (-x * x).exp())
unary("erfinv", sp.erfinv, lambda g, out: g * (SQRT_PI / 2) * (out * out).exp())
unary("lgamma", sp.gammaln, lambda g, x: g * x.digamma())
unary("digamma", sp.digamma, lambda g, x: g * x.polygamma(1))
def _relu_grad(g, out):
    a, y = g._data, out._data
    if not state.enabled and a.shape == y.shape and a.flags.c_contiguous and y.flags.c_contiguous \
            and _loops.fits(a, y):  # one compiled pass instead of a comparison, a cast and a product
        res = np.empty_like(a)
        _loops.relu_backward(a.reshape(-1), y.reshape(-1), res.reshape(-1))
        return wrap(res, g._dtype)
    return g * (out > 0)


def _relu(a):
    """0 where a < 0, else a (-0.0 and NaN pass, as in torch)."""
    if a.size >= 4096 and a.flags.c_contiguous and _loops.fits(a):  # one compiled pass
        out = np.empty_like(a)
        _loops.relu(a.reshape(-1), out.reshape(-1))
        return out
    return np.where(a < 0, a.dtype.type(0), a)


unary("relu", _relu, _relu_grad, floating=False,
      bool_error="Boolean inputs not supported for relu")
unary("sign", _sign, lambda g: g * 0, floating=False)
unary("sgn", _sign, lambda g, x: _sgn_grad(g, x) if x._dtype.is_complex else g * 0, floating=False,
      holomorphic=False)


def _sgn_grad(g, z):
    # sgn(z) = e^(i angle z): only the angle moves, by Re(conj(g) i sgn z) per unit of angle
    s = z.sgn()
    return where(z == 0, 0.0, (g.conj() * 1j * s).real * 1j * z / (z * z.conj()).real)
unary("floor", _rounding(np.floor), lambda g: g * 0, floating=False, dtypes=_NUMERIC)
unary("ceil", _rounding(np.ceil), lambda g: g * 0, floating=False, dtypes=_NUMERIC)
unary("trunc", _rounding(np.trunc), lambda g: g * 0, floating=False, dtypes=_NUMERIC, aliases=("fix",))
unary("frac", lambda a: a - np.trunc(a), lambda g: g, floating=False, dtypes=_FLOATS)
unary("sinc", lambda a: np.sinc(a if a.itemsize >= 4 else a.astype(np.float32)),  # pi * x in half is too coarse
      lambda g, x: g * _sinc_grad(x))
unary("bitwise_not", lambda a: np.invert(a), floating=False, dtypes=_INTS)
unary("logical_not", np.logical_not, result="bool")
unary("deg2rad", lambda a: a * np.asarray(math.pi / 180, a.dtype), lambda g: g * (math.pi / 180))
unary("rad2deg", lambda a: a * np.asarray(180 / math.pi, a.dtype), lambda g: g * (180 / math.pi))
unary("i0", sp.i0, lambda g, x: g * _special_i1(x))
unary("angle", lambda a: np.angle(a) if a.dtype.kind == "c" else
      np.where(a < 0, np.asarray(math.pi, a.dtype), np.zeros((), a.dtype)) + a * 0,
      lambda g, x: _angle_grad(g, x) if x._dtype.is_complex else g * 0, inplace=False, result="real")


def _angle_grad(g, z):
    # d angle = (re dz_im - im dz_re) / |z|^2, i.e. the gradient g * i z / |z|^2 (0 at z = 0)
    return where(z == 0, 0.0, g * 1j * z / (z * z.conj()).real)


def _special_i1(x):
    """torch.special.i1 (the derivative of i0), defined with torch.special's ops, which load after this module."""
    from .special import i1
    return i1(x)


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
    if input._dtype is D.bool_:
        raise NotImplementedError('"round_vml_cpu" not implemented for \'Bool\'')
    if input._dtype._cat == 1 and decimals == 0:
        return input.clone()
    res = wrap(np.round(input._data, decimals), input._dtype)
    record(_ZeroGrad, res, (input,))
    return res


_ZeroGrad = node_class("RoundBackward0", lambda self, g: g * 0)


@op()
def positive(input):
    if input._dtype is D.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


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
Tensor.polygamma_ = lambda self, n: commit_inplace(self, polygamma(n, self))


@op(inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    a = input._data
    if input._dtype is D.bfloat16:  # NumPy's nan_to_num does not know bfloat16's limits
        import ml_dtypes  # already imported: the array is bfloat16
        big = float(ml_dtypes.finfo(a.dtype).max)
        a = np.nan_to_num(a.astype(np.float32), nan=nan, posinf=big if posinf is None else posinf,
                          neginf=-big if neginf is None else neginf)
    res = wrap(np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf), input._dtype)
    node = record(_NanToNum, res, (input,))
    if node is not None:
        node.save(input)
    return _into(out, res)


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
        edges = self.next_functions
        na, nb = edges[0][0], (edges[1][0] if len(edges) == 2 else None)  # one edge: a Scalar overload
        sa, da, sb, db = self.args
        ga = gb = None
        if na is not None:
            ga = _fit(grad_a(g, *[saved[i] for i in ia]), sa, da)
        if nb is not None:
            gb = _fit(grad_b(g, *[saved[i] for i in ib]), sb, db)
        return ga, gb
    return node_class(name, backward, needs=needs, scalar_node=None)


def _fit(g, shape, dt):
    if g._data.shape != shape:
        g = sum_to(g, shape)
    if g._dtype is not dt and g._dtype._cat == 3 and dt is not None and dt._cat != 3:
        g = g.real  # a real input's gradient is the real part of the complex one
    return g if g._dtype is dt else g.to(dt)


def _meta(x):
    return (x._data.shape, x._dtype) if isinstance(x, Tensor) else ((), None)


def apply_binary(Node, arr, dt, a, b, args=None):
    """Wrap a binary op's result and record its node (saving what the rules need)."""
    res = wrap(arr, dt)
    if state.enabled and ((type(a) is not int and type(a) is not float and a._rg) or
                          (type(b) is not int and type(b) is not float and getattr(b, "_rg", False))):
        ta, tb = (a if isinstance(a, Tensor) else None), (b if isinstance(b, Tensor) else None)
        inputs = (ta, tb)
        if tb is None and Node.scalar_node is not None:  # torch's Tensor-Scalar overload: one input edge
            Node, inputs, b = Node.scalar_node, (ta,), wrap(np.asarray(b), dt)  # (rules may use b as a tensor)
        node = record(Node, res, inputs, _meta(a) + _meta(b) if args is None else args)
        if node is not None and Node.needs:
            vals = {"a": a, "b": b}
            node.save(*[SavedOutput(res) if n == "out" else vals[n] for n in Node.needs])
    return res


def binary(name, fn, grad_a=None, grad_b=None, *, result=None, inplace=True, node=None, dtypes=None,
           kernel=None, scalars="both", check=None, aliases=(), scalar_node=None, method=True, function=True):
    """Define a broadcasting binary op from `fn` on arrays and the two gradient rules.
    result: 'bool' for comparisons, 'float' where integer inputs give the default float dtype;
    dtypes: the dtypes the kernel computes in (others raise torch's NotImplementedError);
    scalars: which operands may be Python numbers ('both', 'other' or 'none', as torch's signatures);
    check(name, dt, input, other): any further validation;
    node, scalar_node: grad_fn names when `other` is a Tensor / a Python number, where torch's differ."""
    Node = _binary_node(node or _node_name(name), grad_a, grad_b) if grad_a else None
    if scalar_node:
        Node.scalar_node = _binary_node(scalar_node, grad_a, grad_b)
    kernel = kernel or name + "_cpu"

    def f(input, other, *, out=None):
        if not isinstance(other, Tensor) or not isinstance(input, Tensor):
            check_scalar_operands(name, input, other, scalars)
        x, y, dt = operands(input, other)
        if dtypes is not None and dt.name not in dtypes:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{D._LEGACY[dt.name]}\'')
        if check is not None:
            check(name, dt, input, other)
        if result == "float" and dt._cat < 2:
            dt = D.get_default_dtype()
            x, y = float_operands(input, other, dt)
        arr = fn(x, y)
        if result == "bool":
            return _into(out, wrap(arr, D.bool_))
        if Node is None:
            return _into(out, wrap(arr, dt))
        return _into(out, apply_binary(Node, arr, dt, input, other))
    f.__name__ = f.__qualname__ = name
    op(name, method=method, function=function, inplace=inplace, aliases=aliases)(f)
    return f


def check_scalar_operands(name, input, other, scalars="both"):
    """torch's TypeError when a Python number is passed where the op's signature wants a Tensor."""
    for pos, arg, x in ((1, "input", input), (2, "other", other)):
        if not isinstance(x, _OPERAND_TYPES):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")
    if not isinstance(input, Tensor) and (scalars != "both" or not isinstance(other, Tensor)):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(other, Tensor) and scalars == "none":
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


_OPERAND_TYPES = (Tensor, int, float, complex, np.generic)


def float_operands(input, other, dt):
    """Integer operands of an op that computes in floating point: converted from their own values
    (a wide Python int or 0-d tensor is not first wrapped to the integer dtype, as in torch)."""
    return (cast(input._data, dt) if isinstance(input, Tensor) else input,
            cast(other._data, dt) if isinstance(other, Tensor) else other)


def _no_complex(name, dt, input, other):
    if dt.is_complex:
        raise RuntimeError(f"{name} not implemented for complex tensors.")


def _as(v, dt):
    return v.astype(dt.np) if isinstance(v, np.ndarray) else v


def _no_derivative(name):
    raise RuntimeError(f"derivative for aten::{name} is not implemented")


def _maximum_grad(g, a, b):
    return g * ((a > b) + (a == b) * 0.5)


def _conj(v):
    """A rule's conjugated operand (complex ones only: torch's gradients are conjugate Wirtinger derivatives)."""
    if isinstance(v, Tensor):
        return v.conj() if v._dtype._cat == 3 else v
    return v.conjugate() if type(v) is complex else v


mul = binary("mul", np.multiply, lambda g, b: g * _conj(b), lambda g, a: g * _conj(a))
_NO_BOOL = _NUMERIC[:-2]  # integer and floating kernels: no bool, no complex
binary("maximum", np.maximum, _maximum_grad, lambda g, a, b: _maximum_grad(g, b, a), scalars="none",
       check=_no_complex)
binary("minimum", np.minimum, lambda g, a, b: _maximum_grad(g, b, a), _maximum_grad, scalars="none",
       check=_no_complex)
binary("fmax", np.fmax, _maximum_grad, lambda g, a, b: _maximum_grad(g, b, a), scalars="none", check=_no_complex)
binary("fmin", np.fmin, lambda g, a, b: _maximum_grad(g, b, a), _maximum_grad, scalars="none", check=_no_complex)
binary("atan2", np.arctan2, lambda g, a, b: g * b / (a * a + b * b), lambda g, a, b: -g * a / (a * a + b * b),
       result="float", scalars="none", dtypes=_REAL, aliases=("arctan2",))
binary("hypot", np.hypot, lambda g, a, out: g * a / out, lambda g, b, out: g * b / out, scalars="none",
       dtypes=_FLOATS)
binary("copysign", np.copysign, lambda g, a, out: g * (out / a).nan_to_num(0.0), lambda g: g * 0, result="float",
       scalars="other", dtypes=_REAL, scalar_node="CopysignBackward1")
binary("xlogy", sp.xlogy, lambda g, a, b: g * (b.log() * (a != 0)), lambda g, a, b: g * a / b, result="float",
       dtypes=_REAL, scalar_node="XlogyBackward2")
binary("remainder", lambda x, y: _int_division(np.remainder, x, y), lambda g: g,
       lambda g, a, b: -g * (a / b).floor(), dtypes=_NO_BOOL, node="RemainderBackward1",
       scalar_node="RemainderBackward0")
binary("fmod", lambda x, y: _int_division(np.fmod, x, y), lambda g: g, lambda g, a, b: -g * (a / b).trunc(),
       scalars="other", dtypes=_NO_BOOL, node="FmodBackward1", scalar_node="FmodBackward0")
binary("floor_divide", lambda x, y: _int_division(np.floor_divide, x, y), lambda g: _no_derivative("floor_divide"),
       lambda g: _no_derivative("floor_divide"), dtypes=_NO_BOOL, kernel="div_floor_cpu",
       node="torch::autograd::NotImplemented")
for _n, _f in (("eq", np.equal), ("ne", np.not_equal)):
    binary(_n, _f, result="bool", scalars="other")
for _n, _f in (("lt", np.less), ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)):
    binary(_n, _f, result="bool", scalars="other", dtypes=_INTS + _FLOATS)
for _n, _f in (("logical_and", np.logical_and), ("logical_or", np.logical_or), ("logical_xor", np.logical_xor)):
    binary(_n, _f, result="bool", scalars="none")
binary("bitwise_and", np.bitwise_and, dtypes=_INTS)
binary("bitwise_or", np.bitwise_or, dtypes=_INTS)
binary("bitwise_xor", np.bitwise_xor, dtypes=_INTS)
binary("bitwise_left_shift", np.left_shift, dtypes=_INTS[1:], kernel="lshift_cpu")
binary("bitwise_right_shift", np.right_shift, dtypes=_INTS[1:], kernel="rshift_cpu")
binary("logaddexp", lambda x, y: np.logaddexp(x, y) if x.dtype.kind != "c" else np.log(np.exp(x) + np.exp(y)),
       lambda g, a, b: g * (a - b).sigmoid(), lambda g, a, b: g * (b - a).sigmoid(), scalars="none",
       dtypes=_FLOATS + ("complex64", "complex128"))
binary("logaddexp2", np.logaddexp2, lambda g, a, b: g * ((a - b) * LN2).sigmoid(),
       lambda g, a, b: g * ((b - a) * LN2).sigmoid(), scalars="none", dtypes=_FLOATS)
binary("nextafter", np.nextafter, lambda g: g, lambda g: g * 0, scalars="none", dtypes=_FLOATS)


def _heaviside_check(name, dt, input, other):
    if dt.is_complex:
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input._dtype is not other._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")


binary("heaviside", lambda x, y: np.where(x == 0, y, x > 0).astype(np.result_type(x, y)),
       lambda g: _no_derivative("heaviside"), lambda g: _no_derivative("heaviside"), scalars="none",
       check=_heaviside_check, node="torch::autograd::NotImplemented")
for _alias, _name in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"),
                      ("not_equal", "ne"), ("multiply", "mul")):
    FUNCTIONS[_alias] = FUNCTIONS[_name]
    setattr(Tensor, _alias, getattr(Tensor, _name))
    setattr(Tensor, _alias + "_", getattr(Tensor, _name + "_"))


def _int_division(fn, x, y):
    """An integer division kernel refuses a zero divisor, as torch does; floats follow IEEE."""
    if (x.dtype if isinstance(x, np.ndarray) else y.dtype).kind in "iub" and (np.asarray(y) == 0).any():
        raise RuntimeError("ZeroDivisionError")
    with np.errstate(divide="ignore", invalid="ignore"):
        return fn(x, y)


def _trunc_divide(x, y):
    if (x.dtype if isinstance(x, np.ndarray) else y.dtype).kind in "iub":
        q = np.floor_divide(x, y)  # the floor, moved up one where the exact quotient is negative and inexact
        return q + ((q < 0) & (q * y != x))
    return np.trunc(np.true_divide(x, y))


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
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        check_scalar_operands("add", input, other)
    x, y, dt = operands(input, other)
    if alpha != 1:
        _check_alpha(dt, alpha)
        y = y * alpha
        if type(y) is np.ndarray and type(x) is np.ndarray and y.shape == x.shape and y.dtype == x.dtype:
            y += x  # x + y·alpha into y·alpha's own buffer (one pass and allocation fewer; the same bits)
            return _into(out, apply_binary(_scaled(_Add, alpha), y, dt, input, other))
    return _into(out, apply_binary(_Add if alpha == 1 else _scaled(_Add, alpha), x + y, dt, input, other))


_add_ = Tensor.add_


def _add_in_place(self, other, *, alpha=1):
    """Tensor.add_: with alpha, where nothing records and both are contiguous float arrays of one shape and
    dtype, self += alpha·other in one compiled pass (shared between the threads when large) instead of
    three NumPy passes and a temporary; the same values as the general path."""
    if alpha != 1 and type(other) is Tensor and isinstance(alpha, (int, float)) and not isinstance(alpha, bool) \
            and not (state.enabled and (self._rg or other._rg)):
        a, b = self._data, other._data
        if a.shape == b.shape and a.dtype == b.dtype and a.flags.c_contiguous and b.flags.c_contiguous \
                and a.flags.writeable and a.size and _loops.fits(a, b) and not np.shares_memory(a, b):
            af, bf, k = a.reshape(-1), b.reshape(-1), a.dtype.type(alpha)
            _threads.split(lambda s: _loops.axpy(af[s], bf[s], k), af.size, 3 * a.nbytes)
            self._vc[0] += 1
            return self
    return _add_(self, other, alpha=alpha)


Tensor.add_ = _add_in_place
_add_in_place.__name__ = _add_in_place.__qualname__ = "add_"


def _check_sub(dt, input, other):
    if dt is D.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if isinstance(other, bool) or isinstance(input, bool) or D.bool_ in (getattr(input, "_dtype", None),
                                                                         getattr(other, "_dtype", None)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")


@op(inplace=True, aliases=("subtract",))
def sub(input, other, *, alpha=1, out=None):
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        check_scalar_operands("sub", input, other)
    x, y, dt = operands(input, other)
    _check_sub(dt, input, other)
    if alpha != 1:
        _check_alpha(dt, alpha)
        y = y * alpha
    return _into(out, apply_binary(_Sub if alpha == 1 else _scaled(_Sub, alpha), x - y, dt, input, other))


_Rsub = node_class("RsubBackward1", lambda self, g: -g)


def rsub(input, other, alpha=1):
    """other - alpha * input, for `number - tensor`."""
    if not isinstance(other, Tensor):
        return _rsub_scalar(input, other, alpha)
    if alpha != 1:
        return sub(other, input, alpha=alpha)
    x, y, dt = operands(input, other)
    _check_sub(dt, other, input)
    return apply_binary(_Rsub0, y - x, dt, input, other)


_Rsub0 = _binary_node("RsubBackward0", lambda g: -g, lambda g: g)


def _rsub_scalar(input, other, alpha):
    x, y, dt = operands(input, other)
    _check_sub(dt, other, input)
    res = wrap(y - x * alpha, dt)
    record(_Rsub if alpha == 1 else node_class("RsubBackward1", lambda self, g: -g * alpha), res, (input,))
    return res


FUNCTIONS["rsub"] = rsub
_Div = _binary_node("DivBackward0", lambda g, b: g / _conj(b), lambda g, a, b: -g * _conj(a / (b * b)))
_DivFloor = _binary_node("DivBackward2", lambda g: g * 0, lambda g: g * 0)


@op(inplace=True, aliases=("true_divide", "divide"))
def div(input, other, *, rounding_mode=None, out=None):
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        check_scalar_operands("div", input, other)
    x, y, dt = operands(input, other)
    if rounding_mode is None:
        if dt._cat < 2:
            dt = D.get_default_dtype()
            x, y = float_operands(input, other, dt)
        return _into(out, apply_binary(_Div, np.true_divide(x, y), dt, input, other))
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    if dt is D.bool_ or dt.is_complex:
        raise NotImplementedError(f'"div_{rounding_mode}_cpu" not implemented for \'{D._LEGACY[dt.name]}\'')
    q = _int_division(_trunc_divide if rounding_mode == "trunc" else np.floor_divide, x, y)
    return _into(out, apply_binary(_DivFloor, q, dt, input, other))


_PowScalar = node_class("PowBackward0", lambda self, g: _pow_scalar_grad(g, self.saved[0], self.args))
_PowTensor = _binary_node("PowBackward1", lambda g, a, b: g * b * a ** (b - 1),
                          lambda g, a, b, out: g * out * _log_where_nonzero(a, out))
_PowBase = node_class("PowBackward2", lambda self, g: g * SavedOutput.unpack(self._saved[0], self) * math.log(self.args)
                      if self.args > 0 else g * 0)


def _pow_scalar_grad(g, x, e):
    return g * 0 if e == 0 else g * _conj(e * x ** (e - 1))


def _log_where_nonzero(a, out):
    # d/db a**b = a**b log a, taken as 0 where a == 0 and b >= 0 (torch's convention)
    return where((a == 0) & (out >= 0), 0.0, a.log())


@op(inplace=True)
def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):  # ember.pow(2, t)
        return _pow_base(input, exponent)
    if isinstance(exponent, Tensor):
        x, y, dt = operands(input, exponent)
        if dt is D.bool_:
            raise NotImplementedError('"pow" not implemented for \'Bool\'')
        return _into(out, apply_binary(_PowTensor, _power(x, y, dt), dt, input, exponent))
    check_scalar(exponent)
    x, e, dt = operands(input, exponent)
    if dt._cat == 1:
        if exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if e is not exponent:  # the exponent did not fit the integer dtype
            raise RuntimeError(f"value cannot be converted to type {_C_TYPES[dt.name]} without overflow")
    res = wrap(np.square(x) if e == 2 else np.power(x, e), dt)
    node = record(_PowScalar, res, (input,), exponent)
    if node is not None:
        node.save(input)
    return _into(out, res)


@op(inplace=True)
def square(input):
    return pow(input, 2)


_C_TYPES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t"}


def _power(x, y, dt):
    """x ** y; an integer to a negative integer power is 1 for 1, +-1 for -1 and 0 otherwise (as torch)."""
    if dt._cat != 1:
        return np.power(x, y)
    neg = np.asarray(y) < 0
    if not neg.any():
        return np.power(x, y)
    odd = np.asarray(y) % 2 == 1
    return np.where(neg, np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0)),
                    np.power(x, np.where(neg, 0, y))).astype(dt.np)


def _pow_base(base, exponent):
    b, y, dt = operands(base, exponent)
    res = wrap(_power(b, y, dt), dt)
    node = record(_PowBase, res, (exponent,), base)
    if node is not None:
        node.save(SavedOutput(res))
    return res


def _float_power_dtype(input, exponent):
    cplx = any(v.is_complex() if isinstance(v, Tensor) else isinstance(v, complex) for v in (input, exponent))
    return D.complex128 if cplx else D.float64


@op()
def float_power(input, exponent):
    """input ** exponent computed in double precision (complex128 if either is complex)."""
    dt = _float_power_dtype(input, exponent)
    return pow(input.to(dt) if isinstance(input, Tensor) else input,
               exponent.to(dt) if isinstance(exponent, Tensor) else exponent)


def float_power_(self, exponent):
    dt = _float_power_dtype(self, exponent)
    if self._dtype is not dt:
        raise RuntimeError(f"the base given to float_power_ has dtype {D._LEGACY[self._dtype.name]} but the "
                           f"operation's result requires dtype {D._LEGACY[dt.name]}")
    return self.pow_(exponent.to(dt) if isinstance(exponent, Tensor) else exponent)


Tensor.float_power_ = float_power_


@op(inplace=True)
@fused("LdexpBackward0")
def ldexp(input, other):
    """input * 2 ** other."""
    check_scalar_operands("ldexp", input, other, "none")
    return input * 2.0 ** other


@op()
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    check_scalar_operands("isclose", input, other, "none")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{D._LEGACY[input._dtype.name]} did not match {D._LEGACY[other._dtype.name]}")
    a, b = input._data, other._data
    broadcast_shape(a.shape, b.shape)
    if input._dtype._cat < 2:
        a, b = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore"):
        return wrap(np.isclose(a, b, rtol, atol, equal_nan), D.bool_)


@op()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@op()
def equal(input, other):
    """True when both tensors have the same shape and elements."""
    check_scalar_operands("equal", input, other, "none")
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())


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


@fused("ClampBackward0", inputs=("input", "min", "max"))
def _clamp_tensors(input, min, max):
    r = input
    if min is not None:
        r = maximum(r, min) if isinstance(min, Tensor) else clamp(r, min=min)
    if max is not None:
        r = minimum(r, max) if isinstance(max, Tensor) else clamp(r, max=max)
    return r


@op(inplace=True, aliases=("clip",))
def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _into(out, _clamp_tensors(input, min, max))
    dt = D.result_type(input, *(v for v in (min, max) if v is not None))
    res = wrap(np.clip(cast(input._data, dt), min, max), dt)
    node = record(_Clamp, res, (input,), (min, max))
    if node is not None:
        node.save(input)
    return _into(out, res)


_CLAMP_SIDES = {name: (np_fn, node_class("Clamp" + name[6:].capitalize() + "Backward0",
                                          lambda self, g, keep=keep: g * keep(self.saved[0], self.args)))
                for name, np_fn, keep in (("clamp_min", np.maximum, lambda x, lo: x >= lo),
                                          ("clamp_max", np.minimum, lambda x, hi: x <= hi))}


def _clamp_side(name, input, bound):
    """clamp_min / clamp_max (and their in-place forms): torch records them as their own nodes."""
    if isinstance(bound, Tensor):
        return clamp(input, **{name[-3:]: bound})
    np_fn, Node = _CLAMP_SIDES[name]
    dt = D.result_type(input, bound)
    res = wrap(np_fn(cast(input._data, dt), bound), dt)
    node = record(Node, res, (input,), bound)
    if node is not None:
        node.save(input)
    return res


@op(inplace=True)
def clamp_min(input, min):
    return _clamp_side("clamp_min", input, min)


@op(inplace=True)
def clamp_max(input, max):
    return _clamp_side("clamp_max", input, max)


maximum, minimum = FUNCTIONS["maximum"], FUNCTIONS["minimum"]
# torch exposes these in-place variants as functions too (torch.clamp_(x, 0))
for _n in ("clamp", "clip", "clamp_min", "clamp_max", "ldexp", "xlogy", "round", "logit", "nan_to_num", "square"):
    FUNCTIONS[_n + "_"] = getattr(Tensor, _n + "_")

_Where = _binary_node("WhereBackward0", lambda g, c: g * c, lambda g, c: g * ~c)


@op()
def where(condition, input=None, other=None):
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not {type(condition).__name__}")
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{D._LEGACY[condition._dtype.name]}")
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        x, y, dt = operands(input, other)
    else:
        x, y, dt = input, other, D.result_type(input, other)
    broadcast_shape(broadcast_shape(condition._data.shape, np.shape(x)), np.shape(y))
    res = wrap(np.where(condition._data, x, y), dt)
    if state.enabled and (getattr(input, "_rg", False) or getattr(other, "_rg", False)):
        shape = np.broadcast_shapes(condition._data.shape, np.shape(x), np.shape(y))
        args = (_meta(input)[0], _meta(input)[1], _meta(other)[0], _meta(other)[1])
        node = record(_Where, res, (input if isinstance(input, Tensor) else None,
                                    other if isinstance(other, Tensor) else None), args)
        if node is not None:
            node.save(condition)
    return res


Tensor.where = lambda self, condition, other: where(condition, self, other)


def _complex_parts(name, a, b):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"Expected object of scalar type {D._LEGACY[a._dtype.name]} but got scalar type "
                           f"{D._LEGACY[b._dtype.name]} for second argument")
    if a._dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{D._LEGACY[a._dtype.name]} and {D._LEGACY[b._dtype.name]}")
    broadcast_shape(a._data.shape, b._data.shape)
    return a._dtype.to_complex()


@op("complex", method=False)
def complex_(real, imag):
    """real + 1j * imag, as a complex tensor."""
    dt = _complex_parts("complex", real, imag)
    return apply_binary(_Complex, real._data + 1j * imag._data, dt, real, imag)


@op(method=False)
def polar(abs, angle):
    """abs * (cos(angle) + 1j * sin(angle))."""
    dt = _complex_parts("polar", abs, angle)
    return apply_binary(_Polar, abs._data * np.cos(angle._data) + 1j * abs._data * np.sin(angle._data), dt, abs, angle)


_Complex = _binary_node("ComplexBackward0", lambda g: g.real, lambda g: g.imag)
# z = r e^(i theta): dL/dr = Re(conj(g) e^(i theta)), dL/dtheta = Re(conj(g) i z)
_Polar = _binary_node("PolarBackward0", lambda g, b: g.real * b.cos() + g.imag * b.sin(),
                      lambda g, out: g.imag * out.real - g.real * out.imag)


@op(inplace=True)
@fused("LerpBackward0", name_for=lambda a: "LerpBackward1" if isinstance(a["weight"], Tensor) else "LerpBackward0")
def lerp(input, end, weight):
    return input + weight * (end - input)


@op(inplace=True)
@fused("AddcmulBackward0")
def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 * tensor2


@op(inplace=True)
@fused("AddcdivBackward0")
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
Tensor.__rpow__ = lambda self, other: pow(other, self)
Tensor.__ipow__ = Tensor.pow_
Tensor.__neg__ = FUNCTIONS["neg"]
Tensor.__pos__ = positive
Tensor.__abs__ = FUNCTIONS["abs"]


def _invert(self):
    if self._dtype._cat > 1:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return FUNCTIONS["bitwise_not"](self)


Tensor.__invert__ = _invert
for _op, _name in (("eq", "eq"), ("ne", "ne"), ("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge")):
    setattr(Tensor, f"__{_op}__", FUNCTIONS[_name])
for _op, _name in (("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                   ("lshift", "bitwise_left_shift"), ("rshift", "bitwise_right_shift")):
    setattr(Tensor, f"__{_op}__", FUNCTIONS[_name])
    setattr(Tensor, f"__r{_op}__", _reflect(FUNCTIONS[_name]))
    setattr(Tensor, f"__i{_op}__", getattr(Tensor, _name + "_"))
Tensor.__hash__ = object.__hash__


# ---------------------------------------------------------------------- integer number theory, frexp
def _integer_binary(name, fn):
    def binary(input, other):
        a, b, dt = operands(input, other)
        if dt._cat != 1:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{D._LEGACY[dt.name]}\'')
        return wrap(np.asarray(fn(a, b)).astype(dt.np, copy=False), dt)
    binary.__name__ = binary.__qualname__ = name
    binary.__doc__ = f"torch.{name}: elementwise, on integer tensors (NumPy's {fn.__name__})."
    return binary


op("gcd", inplace=True)(_integer_binary("gcd", np.gcd))
op("lcm", inplace=True)(_integer_binary("lcm", np.lcm))


@op()
def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2**exponent, |mantissa| in [0.5, 1); exponent int32."""
    from .reduction import return_type
    if input._dtype._cat != 2:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    _, e = np.frexp(input._data)
    # the mantissa as input * 2**-exponent, so that its gradient (2**-exponent) comes from mul
    scale = wrap(np.ldexp(np.ones((), input._dtype.np), -e).astype(input._dtype.np, copy=False), input._dtype)
    return return_type("frexp", ("mantissa", "exponent"))(input * scale, wrap(e.astype(np.int32), D.int32))


@op()
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element occurs in test_elements (either may be a scalar)."""
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return wrap(np.isin(a, b, assume_unique=assume_unique, invert=invert), D.bool_)


def _sorted_search(boundaries, values, out_int32, right, side=None, sorter=None):
    """Insertion points of values in the last dim of sorted `boundaries` (1-D, or batched as values)."""
    side = side or ("right" if right else "left")
    dt = D.int32 if out_int32 else D.int64
    b = boundaries._data
    v = values._data if isinstance(values, Tensor) else np.asarray(values)
    if sorter is not None:
        b = np.take_along_axis(b, sorter._data, -1)
    if b.ndim == 1:
        return wrap(np.searchsorted(b, v, side).astype(dt.np), dt)
    if b.shape[:-1] != v.shape[:-1]:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"[{', '.join(map(str, b.shape))}] and input value tensor [{', '.join(map(str, v.shape))}]")
    flat_b, flat_v = b.reshape(-1, b.shape[-1]), v.reshape(-1, v.shape[-1])
    res = np.stack([np.searchsorted(r, x, side) for r, x in zip(flat_b, flat_v)]) if flat_b.size else \
        np.zeros(flat_v.shape, np.int64)
    return wrap(res.reshape(v.shape).astype(dt.np), dt)


@op()
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket (index into the sorted 1-D boundaries) each element falls in."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return _sorted_search(boundaries, input, out_int32, right)


@op(method=False)
def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value would be inserted in the (last dim of) sorted_sequence to keep it sorted."""
    if side is not None and side not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if side == "left" and right:
        raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left while "
                           "right was True")
    return _sorted_search(sorted_sequence, values, out_int32, right, side, sorter)


def unravel_index(indices, shape):
    """The coordinates in a tensor of `shape` of flat indices, one int64 tensor per dim (torch's formula:
    floor division by the row-major strides, modulo the sizes, so negative indices count from the end)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not isinstance(indices, Tensor) or indices._dtype._cat != 1:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {getattr(indices, 'dtype', indices)}")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"'shape' cannot have negative values, but got {shape}")
    strides = np.cumprod((1,) + shape[:0:-1])[::-1]
    idx = indices._data.astype(np.int64)[..., None]
    coords = np.floor_divide(idx, strides) % np.array(shape, np.int64)
    return tuple(wrap(np.ascontiguousarray(coords[..., k]), D.int64) for k in range(len(shape)))


FUNCTIONS["unravel_index"] = unravel_index
