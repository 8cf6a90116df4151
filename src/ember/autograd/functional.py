"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp, built on autograd.grad."""
from .grad_mode import enable_grad


def _as_tuple(x):
    from .._tensor import Tensor
    return ((x,), False) if isinstance(x, Tensor) else (tuple(x), True)


def _prepare(inputs):
    return tuple(t.detach().requires_grad_(True) for t in inputs)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs, one row of output elements at a time."""
    from .. import autograd, _ops
    stack, zeros = _ops.FUNCTIONS["stack"], _ops.FUNCTIONS["zeros"]
    ins, in_tuple = _as_tuple(inputs)
    with enable_grad():
        ins = _prepare(ins)
        outs, out_tuple = _as_tuple(func(*ins))
        result = []
        for out in outs:
            flat = out.reshape(-1)
            rows = [[] for _ in ins]
            for k in range(flat.numel()):
                gs = autograd.grad(flat[k], ins, retain_graph=True, create_graph=create_graph, allow_unused=True) \
                    if out.requires_grad else (None,) * len(ins)
                for j, (g, x) in enumerate(zip(gs, ins)):
                    rows[j].append(g if g is not None else zeros(x.shape, dtype=x.dtype))
            per_input = []
            for j, x in enumerate(ins):
                if rows[j]:
                    jac = stack(rows[j]).reshape(tuple(out.shape) + tuple(x.shape))
                else:
                    jac = zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype)
                per_input.append(jac if create_graph else jac.detach())
            result.append(tuple(per_input) if in_tuple else per_input[0])
    return tuple(result) if out_tuple else result[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the jacobian of its gradient."""
    from .. import autograd
    ins, in_tuple = _as_tuple(inputs)

    def grad_fn(*xs):
        out = func(*xs)
        gs = autograd.grad(out, xs, create_graph=True, allow_unused=True)
        return gs if in_tuple else gs[0]
    return jacobian(grad_fn, ins if in_tuple else ins[0], create_graph=create_graph)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    from .. import autograd
    ins, in_tuple = _as_tuple(inputs)
    with enable_grad():
        ins = _prepare(ins)
        out = func(*ins)
        gs = autograd.grad(out, ins, v, create_graph=create_graph, allow_unused=True)
    gs = tuple(g.detach() if g is not None and not create_graph else g for g in gs)
    return out.detach(), (gs if in_tuple else gs[0])


def hvp(func, inputs, v, create_graph=False, strict=False):
    from .. import autograd
    ins, in_tuple = _as_tuple(inputs)
    vs, _ = _as_tuple(v)
    with enable_grad():
        ins = _prepare(ins)
        out = func(*ins)
        gs = autograd.grad(out, ins, create_graph=True)
        dot = sum((g * w).sum() for g, w in zip(gs, vs))
        hv = autograd.grad(dot, ins, create_graph=create_graph)
    return out.detach(), (tuple(h.detach() for h in hv) if in_tuple else hv[0].detach())


vhp = hvp


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Forward-mode product through the double-vjp trick."""
    from .. import autograd
    from .._ops.creation import zeros
    ins, in_tuple = _as_tuple(inputs)
    vs, _ = _as_tuple(v)
    with enable_grad():
        ins = _prepare(ins)
        out = func(*ins)
        u = zeros(out.shape, dtype=out.dtype).requires_grad_(True)
        gs = autograd.grad(out, ins, u, create_graph=True)
        dot = sum((g * w).sum() for g, w in zip(gs, vs))
        jv, = autograd.grad(dot, (u,), create_graph=create_graph)
    return out.detach(), jv.detach()
