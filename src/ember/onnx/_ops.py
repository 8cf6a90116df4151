"""How each recorded layer and function becomes ONNX nodes.

A module converter is `convert(graph, module, inputs, out)`; a function converter is
`convert(graph, out, args)` with `args` the call's bound arguments by PyTorch's parameter names.
"""
import numpy as np


def _error(what):
    from ._export import UnsupportedOperatorError
    return UnsupportedOperatorError(f"ember.onnx.export: {what}")


def _tuple(v, n):
    return list(v) if isinstance(v, (tuple, list)) else [int(v)] * n


def _first(args):
    return next(iter(args.values()))


def _second(args):
    return list(args.values())[1]


def _operand(g, v, out):
    """The ONNX value of operand v in out's dtype (a Python number becomes a constant; a tensor of
    another dtype is cast, as type promotion does implicitly)."""
    from .. import Tensor
    if not isinstance(v, Tensor):
        return g.name_of(v, like=out)
    name = g.name_of(v)
    if v._dtype is not out._dtype:
        from onnx import helper
        name = g.node("Cast", [name], g.fresh("Cast"), to=helper.np_dtype_to_tensor_dtype(out._dtype.np))
    return name


# ---------------------------------------------------------------------- layers shared by modules and functions
def _gemm(g, out, x, weight, bias):
    if x.dim() == 2:  # Gemm computes x @ W.T + b in one node, as torch.nn.Linear does
        ins = [g.name_of(x), g.name_of(weight)] + ([g.name_of(bias)] if bias is not None else [])
        g.node("Gemm", ins, out, transB=1)
        return
    wt = g.node("Transpose", [g.name_of(weight)], g.fresh("Transpose"), perm=[1, 0])
    if bias is None:
        g.node("MatMul", [g.name_of(x), wt], out)
    else:
        g.node("Add", [g.node("MatMul", [g.name_of(x), wt], g.fresh("MatMul")), g.name_of(bias)], out)


def _conv(g, out, x, weight, bias, stride, padding, dilation, groups):
    kernel = list(weight.shape[2:])
    n = len(kernel)
    dilation = _tuple(dilation, n)
    if isinstance(padding, str):
        total = [d * (k - 1) for d, k in zip(dilation, kernel)] if padding == "same" else [0] * n
        pads = [t // 2 for t in total] + [t - t // 2 for t in total]
    else:
        pads = _tuple(padding, n) * 2
    ins = [g.name_of(x), g.name_of(weight)] + ([g.name_of(bias)] if bias is not None else [])
    g.node("Conv", ins, out, kernel_shape=kernel, strides=_tuple(stride, n), pads=pads, dilations=dilation,
           group=int(groups))


def _pool_attrs(x, kernel_size, stride, padding):
    n = x.dim() - 2
    kernel = _tuple(kernel_size, n)
    strides = _tuple(stride, n) if stride not in (None, [], ()) else kernel
    return dict(kernel_shape=kernel, strides=strides, pads=_tuple(padding, n) * 2)


def _max_pool(g, out, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        raise _error("max pooling with return_indices=True is not supported")
    g.node("MaxPool", [g.name_of(x)], out, dilations=_tuple(dilation, x.dim() - 2), ceil_mode=int(ceil_mode),
           **_pool_attrs(x, kernel_size, stride, padding))


def _avg_pool(g, out, x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
              divisor_override=None):
    if divisor_override is not None:
        raise _error("average pooling with divisor_override is not supported")
    g.node("AveragePool", [g.name_of(x)], out, ceil_mode=int(ceil_mode), count_include_pad=int(count_include_pad),
           **_pool_attrs(x, kernel_size, stride, padding))


def _adaptive_avg_pool(g, out, x):
    size_in, size_out = list(x.shape[2:]), list(out.shape[2:])
    if all(s == 1 for s in size_out):
        g.node("GlobalAveragePool", [g.name_of(x)], out)
    elif all(i % o == 0 for i, o in zip(size_in, size_out)):  # then the windows are one fixed pooling
        k = [i // o for i, o in zip(size_in, size_out)]
        g.node("AveragePool", [g.name_of(x)], out, kernel_shape=k, strides=k)
    else:
        raise _error(f"adaptive average pooling from {size_in} to {size_out} (not a whole multiple) is not supported")


def _reshape(g, out, x):
    """Reshape x to out's shape; leading dimensions kept from x are written 0 (copy) and the first
    other one -1 (inferred), so a dynamic batch dimension stays dynamic."""
    shape, leading = [], True
    for i, n in enumerate(out.shape):
        if leading and i < x.dim() and x.shape[i] == n:
            shape.append(0)
            continue
        shape.append(-1 if leading else n)
        leading = False
    g.node("Reshape", [g.name_of(x), g.int64s(shape)], out)


def _softmax(op):
    def convert(g, out, x, dim, dtype=None):
        if dim is None:
            raise _error(f"{op} needs an explicit dim to be exported")
        name = _operand(g, x, out) if dtype is not None else g.name_of(x)
        g.node(op, [name], out, axis=int(dim))
    return convert


# ---------------------------------------------------------------------- modules
def _unary_module(op, **attr_of):
    def convert(g, m, inputs, out):
        g.node(op, [g.name_of(inputs[0])], out, **{k: float(getattr(m, a)) for k, a in attr_of.items()})
    return convert


def _alias_module(g, m, inputs, out):
    g.alias(out, inputs[0])


def _linear_module(g, m, inputs, out):
    _gemm(g, out, inputs[0], m.weight, m.bias)


def _conv_module(g, m, inputs, out):
    if m.padding_mode != "zeros":
        raise _error(f"{type(m).__name__} with padding_mode={m.padding_mode!r} is not supported")
    _conv(g, out, inputs[0], m.weight, m.bias, m.stride, m.padding, m.dilation, m.groups)


def _max_pool_module(g, m, inputs, out):
    _max_pool(g, out, inputs[0], m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, m.return_indices)


def _avg_pool_module(g, m, inputs, out):
    _avg_pool(g, out, inputs[0], m.kernel_size, m.stride, m.padding, m.ceil_mode,
              getattr(m, "count_include_pad", True), getattr(m, "divisor_override", None))


def _adaptive_avg_pool_module(g, m, inputs, out):
    _adaptive_avg_pool(g, out, inputs[0])


def _batch_norm_module(g, m, inputs, out):
    if m.running_mean is None:
        raise _error(f"{type(m).__name__} without running statistics normalizes with batch statistics; "
                     "it cannot be exported")
    x = inputs[0]
    n = m.running_mean.shape[0]
    dtype = m.running_mean._dtype.np
    scale = g.name_of(m.weight) if m.weight is not None else g.constant(np.ones(n, dtype))
    bias = g.name_of(m.bias) if m.bias is not None else g.constant(np.zeros(n, dtype))
    g.node("BatchNormalization", [g.name_of(x), scale, bias, g.name_of(m.running_mean), g.name_of(m.running_var)],
           out, epsilon=float(m.eps))


def _softmax_module(op):
    convert = _softmax(op)
    return lambda g, m, inputs, out: convert(g, out, inputs[0], m.dim)


def _flatten_module(g, m, inputs, out):
    _reshape(g, out, inputs[0])


_MODULES = (
    (("Linear",), _linear_module),
    (("Conv1d", "Conv2d", "Conv3d"), _conv_module),
    (("MaxPool1d", "MaxPool2d", "MaxPool3d"), _max_pool_module),
    (("AvgPool1d", "AvgPool2d", "AvgPool3d"), _avg_pool_module),
    (("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d"), _adaptive_avg_pool_module),
    (("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"), _batch_norm_module),
    (("ReLU",), _unary_module("Relu")),
    (("Sigmoid",), _unary_module("Sigmoid")),
    (("Tanh",), _unary_module("Tanh")),
    (("LeakyReLU",), _unary_module("LeakyRelu", alpha="negative_slope")),
    (("ELU",), _unary_module("Elu", alpha="alpha")),
    (("Softmax",), _softmax_module("Softmax")),
    (("LogSoftmax",), _softmax_module("LogSoftmax")),
    (("Flatten",), _flatten_module),
    (("Identity", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"), _alias_module),
)


def module_converters():
    """[(ember.nn class, converter)] for the layers the exporter knows (those Ember defines)."""
    from .. import nn
    return [(getattr(nn, name), convert) for names, convert in _MODULES for name in names if hasattr(nn, name)]


# ---------------------------------------------------------------------- functions
def _unary(op):
    return lambda g, out, args: g.node(op, [g.name_of(_first(args))], out)


def _binary(op):
    def convert(g, out, args):
        a, b = _first(args), _second(args)
        alpha = args.get("alpha", 1)
        if args.get("rounding_mode") is not None:
            raise _error(f"{op} with rounding_mode is not supported")
        other = _operand(g, b, out)
        if alpha != 1:
            other = g.node("Mul", [other, g.constant(np.asarray(alpha, out._dtype.np))], g.fresh("Mul"))
        g.node(op, [_operand(g, a, out), other], out)
    return convert


def _matmul(g, out, args):
    g.node("MatMul", [g.name_of(_first(args)), g.name_of(_second(args))], out)


def _cat(g, out, args):
    tensors = list(_first(args))
    g.node("Concat", [_operand(g, t, out) for t in tensors], out, axis=int(args.get("dim", 0)))


def _alias(g, out, args):
    g.alias(out, _first(args))


def _dropout(g, out, args):
    if args.get("training", True) and args.get("p", 0.5) > 0:
        raise _error("dropout with training=True cannot be exported (pass training=self.training)")
    g.alias(out, _first(args))


def _transposed(g, out, x, perm):
    g.node("Transpose", [g.name_of(x)], out, perm=[p % max(x.dim(), 1) for p in perm])


def _t(g, out, a):
    x = _first(a)
    _transposed(g, out, x, list(reversed(range(x.dim()))))


def _transpose(g, out, a):
    x, (d0, d1) = _first(a), list(a.values())[1:3]
    perm = list(range(x.dim()))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    _transposed(g, out, x, perm)


def _permute(g, out, a):
    dims = list(a.values())[1:]
    _transposed(g, out, _first(a), list(dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims))


def _reshape_fn(g, out, args):
    _reshape(g, out, _first(args))


def _by_name(convert, *names, defaults=()):
    """Adapt a converter taking fixed parameters to the bound-arguments form."""
    def adapted(g, out, args):
        values = [args.get(n, d) for n, d in zip(names, list(defaults) + [None] * (len(names) - len(defaults)))]
        convert(g, out, _first(args), *values)
    return adapted


def _conv_fn(g, out, a):
    _conv(g, out, _first(a), a["weight"], a.get("bias"), a.get("stride", 1), a.get("padding", 0),
          a.get("dilation", 1), a.get("groups", 1))


_max_pool_fn = _by_name(_max_pool, "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices",
                        defaults=(None, None, 0, 1, False, False))
_avg_pool_fn = _by_name(_avg_pool, "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                        "divisor_override", defaults=(None, None, 0, False, True, None))


def _adaptive_avg_pool_fn(g, out, a):
    _adaptive_avg_pool(g, out, _first(a))


def _softmax_fn(op):
    convert = _softmax(op)
    return lambda g, out, a: convert(g, out, _first(a), a.get("dim"), a.get("dtype"))


_FUNCTIONAL = {  # ember.nn.functional.<name>
    "relu": _unary("Relu"), "relu_": _unary("Relu"), "sigmoid": _unary("Sigmoid"), "tanh": _unary("Tanh"),
    "leaky_relu": lambda g, out, a: g.node("LeakyRelu", [g.name_of(_first(a))], out,
                                           alpha=float(a.get("negative_slope", 0.01))),
    "linear": lambda g, out, a: _gemm(g, out, _first(a), a["weight"], a.get("bias")),
    "softmax": _softmax_fn("Softmax"), "log_softmax": _softmax_fn("LogSoftmax"), "flatten": _reshape_fn,
}
for _d in ("1d", "2d", "3d"):
    _FUNCTIONAL.update({"conv" + _d: _conv_fn, "max_pool" + _d: _max_pool_fn, "avg_pool" + _d: _avg_pool_fn,
                        "adaptive_avg_pool" + _d: _adaptive_avg_pool_fn, "dropout" + _d: _dropout})
_FUNCTIONAL["dropout"] = _dropout

_TENSOR_FUNCTIONS = {  # ember.<name> and Tensor.<name>
    "flatten": _reshape_fn, "reshape": _reshape_fn, "view": _reshape_fn, "relu": _unary("Relu"),
    "relu_": _unary("Relu"), "sigmoid": _unary("Sigmoid"), "sigmoid_": _unary("Sigmoid"), "tanh": _unary("Tanh"),
    "tanh_": _unary("Tanh"), "add": _binary("Add"), "add_": _binary("Add"), "sub": _binary("Sub"),
    "sub_": _binary("Sub"), "mul": _binary("Mul"), "mul_": _binary("Mul"), "div": _binary("Div"),
    "div_": _binary("Div"), "matmul": _matmul, "cat": _cat, "concat": _cat, "contiguous": _alias,
    "clone": _alias, "detach": _alias, "t": _t, "transpose": _transpose, "permute": _permute,
    "softmax": _softmax_fn("Softmax"), "log_softmax": _softmax_fn("LogSoftmax"),
    "__add__": _binary("Add"), "__radd__": _binary("Add"), "__iadd__": _binary("Add"), "__sub__": _binary("Sub"),
    "__isub__": _binary("Sub"), "__mul__": _binary("Mul"), "__rmul__": _binary("Mul"), "__imul__": _binary("Mul"),
    "__truediv__": _binary("Div"), "__itruediv__": _binary("Div"), "__matmul__": _matmul,
}


def function_converters():
    """[(owner, attribute, converter)]: the functions to wrap while tracing."""
    import ember
    from .. import Tensor
    from ..nn import functional as F
    found = [(F, name, c) for name, c in _FUNCTIONAL.items()]
    found += [(ember, name, c) for name, c in _TENSOR_FUNCTIONS.items() if not name.startswith("__")]
    found += [(Tensor, name, c) for name, c in _TENSOR_FUNCTIONS.items()]
    return found
