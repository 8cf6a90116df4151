"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp, built on autograd.grad."""
from .grad_mode import enable_grad


def _as_tuple(x):
    """(tuple of tensors, whether the caller passed a tuple)."""
    from .._tensor import Tensor
    return ((x,), False) if isinstance(x, Tensor) else (tuple(x), True)


def _prepare(inputs, create_graph):
    """Inputs to differentiate at: fresh leaves, or (create_graph) views that keep the caller's graph."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(True)
                 for t in inputs)


def _grads(outputs, inputs, grad_outputs, create_graph):
    """autograd.grad with unused inputs given zero gradients."""
    from .. import autograd
    from .._ops.registry import FUNCTIONS
    zeros_like = FUNCTIONS["zeros_like"]
    live = [(o, v) for o, v in zip(outputs, grad_outputs) if o.requires_grad]
    if not live:
        return tuple(zeros_like(x) for x in inputs)
    gs = autograd.grad([o for o, _ in live], inputs, [v for _, v in live], retain_graph=True,
                       create_graph=create_graph, allow_unused=True)
    return tuple(g if g is not None else zeros_like(x) for g, x in zip(gs, inputs))


def _finish(t, create_graph):
    return t if create_graph else t.detach()


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs: for each output and input, a tensor of shape output.shape + input.shape,
    built one output element (one backward) at a time."""
    from .._ops.registry import FUNCTIONS
    ins, in_tuple = _as_tuple(inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs, out_tuple = _as_tuple(func(*ins))
        result = []
        for out in outs:
            flat = out.reshape(-1)
            rows = [_grads((flat[k],), ins, (None,), create_graph) for k in range(flat.numel())]
            per_input = []
            for j, x in enumerate(ins):
                shape = tuple(out.shape) + tuple(x.shape)
                jac = FUNCTIONS["stack"]([r[j] for r in rows]).reshape(shape) if rows else \
                    FUNCTIONS["zeros"](shape, dtype=x.dtype)
                per_input.append(_finish(jac, create_graph))
            result.append(tuple(per_input) if in_tuple else per_input[0])
    return tuple(result) if out_tuple else result[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the jacobian of its gradient."""
    ins, in_tuple = _as_tuple(inputs)

    def gradient(*xs):
        gs = _grads((func(*xs),), xs, (None,), True)
        return gs if in_tuple else gs[0]
    return jacobian(gradient, ins if in_tuple else ins[0], create_graph=create_graph)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J)."""
    ins, in_tuple = _as_tuple(inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs, out_tuple = _as_tuple(func(*ins))
        vs = _as_tuple(v)[0] if v is not None else (None,) * len(outs)
        gs = tuple(_finish(g, create_graph) for g in _grads(outs, ins, vs, create_graph))
    outs = tuple(_finish(o, create_graph) for o in outs)
    return (outs if out_tuple else outs[0]), (gs if in_tuple else gs[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v), by the double-vjp trick: J v = d/du (u^T J) v."""
    from .._ops.registry import FUNCTIONS
    zeros_like = FUNCTIONS["zeros_like"]
    ins, in_tuple = _as_tuple(inputs)
    vs = _as_tuple(v)[0] if v is not None else (None,) * len(ins)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs, out_tuple = _as_tuple(func(*ins))
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        gs = _grads(outs, ins, us, True)
        jv = _grads(gs, us, vs, create_graph)
    outs = tuple(_finish(o, create_graph) for o in outs)
    jv = tuple(_finish(j, create_graph) for j in jv)
    return (outs if out_tuple else outs[0]), (jv if out_tuple else jv[0])


def _second_order(func, inputs, v, create_graph):
    ins, in_tuple = _as_tuple(inputs)
    vs, _ = _as_tuple(v)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        out = func(*ins)
        gs = _grads((out,), ins, (None,), True)
        dot = sum((g * w).sum() for g, w in zip(gs, vs))
        hv = _grads((dot,), ins, (None,), create_graph)
    hv = tuple(_finish(h, create_graph) for h in hv)
    return _finish(out, create_graph), (hv if in_tuple else hv[0])


def hvp(func, inputs, v, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar function."""
    return _second_order(func, inputs, v, create_graph)


def vhp(func, inputs, v, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar function (equal to H v: the Hessian is symmetric)."""
    return _second_order(func, inputs, v, create_graph)
