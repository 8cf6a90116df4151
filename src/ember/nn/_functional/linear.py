"""F.linear and F.bilinear.

linear on a 2-D input is ONE node, as torch's addmm: y = x @ W.T + b in one GEMM and one add
into the fresh output, with the three gradients g @ W, g.T @ x and g.sum(0) in its backward (where the
weight is a plain leaf, a worker thread makes g.T @ x while the pass goes on: ember._kernels.threads.later).
Its edges are torch's: AddmmBackward0(bias, input, TBackward0(weight)), MmBackward0(input,
TBackward0(weight)) without a bias, so `next_functions` reads as in PyTorch's tutorials."""
import numpy as np

from ...autograd.graph import AccumulateGrad, record
from ...autograd.grad_mode import state
from ..._tensor import Tensor
from ..._ops.registry import node_class, sum_to, wrap
from ..._ops.shape import unsafe_view
from ..._kernels import threads as _threads

__all__ = ["linear", "bilinear"]


def _linear_backward(self, g):
    x, w = self.saved
    edges = self.next_functions
    nx, nw = edges[-2][0], edges[-1][0]
    gb = None
    gw = _threads.later(g._data.T, x._data) if nx is not None and nw is not None and not state.enabled and \
        _weight_later(nw, g, x) else None
    if gw is not None:  # a worker makes the weight's gradient while this thread makes the input's and goes on
        gw = wrap(gw, g._dtype)
        gx = wrap(np.matmul(g._data, w._data), g._dtype)
    elif nx is not None and nw is not None and not state.enabled:  # the two products side by side
        ga = g._data
        # the bias gradient Σ g over rows: the calling thread sums while a worker finishes its product
        row_bias = len(edges) == 3 and edges[0][0] is not None and len(self.args) == 1 and ga.dtype.kind == "f" \
            and ga.dtype.itemsize >= 4
        results = _threads.products([(ga, w._data), (ga.T, x._data)], also=(lambda: ga.sum(0)) if row_bias else None)
        gx, gw, *gb = (wrap(r, g._dtype) for r in results)
        gb = gb[0] if gb else None
    else:
        gx = g.mm(w) if nx is not None else None
        gw = g.t().mm(x) if nw is not None else None
    gwt = None
    if gw is not None:  # the gradient of weight.t(); its TBackward0 turns it back
        gwt = gw.t()
        edges[-1][0].src = gw
    if len(edges) == 2:
        return gx, gwt
    if edges[0][0] is None:
        return None, gx, gwt
    if gb is None:
        gb = g.sum(0) if len(self.args) == 1 else sum_to(g, self.args)
    return gb, gx, gwt


def _weight_later(nw, g, x):
    """Whether the weight's gradient g.T @ x is to be made for later (ember._kernels.threads.later): it is
    large enough, and the weight is a leaf nobody watches during the pass, whose AccumulateGrad only keeps
    the array (the engine settles it before the pass ends)."""
    (m, n), k = g.shape, x.shape[1]
    if 2.0 * m * n * k < _threads.MIN_WORKER_SPLIT_FLOPS:
        return False
    leaf = nw.next_functions[0][0] if len(nw.next_functions) == 1 else None
    if type(leaf) is not AccumulateGrad or nw._hooked or nw._hooks is not None or state.anomaly:
        return False
    weight = leaf.variable  # else its AccumulateGrad would read the array (to add it, copy it, hand it to hooks)
    return weight.grad is None and weight._meta is None and weight._data.flags.c_contiguous


def _weight_t_backward(self, g):
    # g is normally the transposed view of the weight gradient just computed: hand back that owned
    # tensor itself, which AccumulateGrad can keep as .grad without copying it
    src = self.__dict__.pop("src", None)
    return src if src is not None and g._data.base is src._data else g.t()


_Addmm = node_class("AddmmBackward0", _linear_backward)
_WeightT = node_class("TBackward0", _weight_t_backward)
_Mm = node_class("MmBackward0", _linear_backward)


def _dtype_name(dt):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int"}.get(dt.name, dt.name)


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias over the last dim of input (torch.nn.functional.linear)."""
    x, w = input._data, weight._data
    if x.ndim != 2:
        return _linear_nd(input, weight, bias)
    if w.ndim != 2 or x.shape[1] != w.shape[1] or input._dtype is not weight._dtype:
        _linear_error(x, w, input, weight)
    b = None if bias is None else bias._data
    row_bias = b is not None and b.shape == (w.shape[0],) and b.dtype == x.dtype  # each thread adds it to its block
    out = _threads.matmul(x, w.T, bias=b if row_bias else None)
    if b is not None and not row_bias:
        try:
            out += b
        except ValueError:
            raise RuntimeError(f"The expanded size of the tensor ({w.shape[0]}) must match the existing size "
                               f"({bias._data.shape[-1]}) at non-singleton dimension 1.  Target sizes: "
                               f"[{x.shape[0]}, {w.shape[0]}].  Tensor sizes: [{', '.join(map(str, bias.shape))}]") \
                from None
    res = Tensor._make(out, input._dtype)
    if state.enabled and (input._rg or weight._rg or (bias is not None and bias._rg)):
        if bias is None:
            node = record(_Mm, res, (input, weight))
        else:
            node = record(_Addmm, res, (bias, input, weight), bias._data.shape)
        node.save(input, weight)
        *edges, w_edge = node.next_functions
        if w_edge[0] is not None:  # weight reaches the product through weight.t(), as in torch
            t = _WeightT()
            t.next_functions = (w_edge,)
            node.next_functions = (*edges, (t, 0))
    return res


def _linear_error(x, w, input, weight):
    if w.ndim != 2 or x.shape[1] != w.shape[1]:
        wt = w.shape[::-1] if w.ndim == 2 else (w.shape[0], 1)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({x.shape[0]}x{x.shape[1]} and "
                           f"{wt[0]}x{wt[1]})")
    raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_dtype_name(input._dtype)} != "
                       f"{_dtype_name(weight._dtype)}")


def _linear_nd(input, weight, bias):
    # torch folds leading dims into rows, runs one addmm and views the result back
    shape = input._data.shape
    if not shape:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and "
                           f"{weight._data.ndim}D")
    rows = input.reshape(-1, shape[-1]) if len(shape) > 1 else input.reshape(1, shape[0])
    out = linear(rows, weight, bias)
    out_shape = (*shape[:-1], weight._data.shape[0]) if weight._data.ndim == 2 else shape[:-1]
    # torch views an addmm's result back, and "unsafe-views" an mm's (UnsafeViewBackward0)
    return unsafe_view(out, out_shape) if bias is None and len(shape) > 1 else out.view(*out_shape)


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1^T A_o x2 + b_o over the last dims of input1 and input2 (torch.nn.functional.bilinear)."""
    if input1._data.ndim != input2._data.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1._data.ndim} and "
                           f"{input2._data.ndim}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    out_f, in1, in2 = weight.shape
    for k, (x, n) in enumerate(((input1, in1), (input2, in2)), 1):
        if x.shape[-1] != n:
            raise RuntimeError(f"bilinear(): input{k} size does not match weight size: got {x.shape[-1]} but "
                               f"expected {n}")
    lead = input1.shape[:-1]
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    # (N, in1) @ (in1, out*in2) -> (N, out, in2), then contract in2 against x2
    t = x1.mm(weight.permute(1, 0, 2).reshape(in1, out_f * in2)).view(-1, out_f, in2)
    out = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out if len(lead) == 1 else out.view(*lead, out_f)
