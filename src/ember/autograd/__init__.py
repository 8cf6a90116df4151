"""ember.autograd: backward, grad, Function, grad modes, anomaly detection (torch.autograd)."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, state as _state)
from . import graph  # noqa: F401
from .graph import Node  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,  # noqa: F401
                           is_anomaly_check_nan_enabled, set_anomaly_enabled)


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        from .._tensor import Tensor
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """torch.autograd.Variable, for old code: every Tensor is one, and Variable(t, requires_grad) is a
    tensor sharing t's data."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        return data.detach().requires_grad_(requires_grad)


def _seq(x):
    if x is None:
        return None
    from .._tensor import Tensor
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _root_grads(outputs, grad_outputs, create_graph):
    from .._ops.creation import ones
    grads = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out.requires_grad:
                if out.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not (out.dtype.is_floating_point or out.dtype.is_complex):
                    raise RuntimeError(f"grad can be computed only for real and complex scalar outputs but got "
                                       f"{out.dtype}")
                g = ones(out.shape, dtype=out.dtype)
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{len(grads)}] has a shape of {tuple(g.shape)!s:} and "
                               f"output[{len(grads)}] has a shape of {tuple(out.shape)}.".replace("(", "torch.Size([")
                               .replace(")", "])").replace(",])", "])"))
        grads.append(g)
    return grads


def _check_requires_grad(outputs):
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's .grad (torch.autograd.backward)."""
    tensors = _seq(tensors)
    grad_tensors = _seq(grad_tensors) or (None,) * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    _check_requires_grad(tensors)
    grads = _root_grads(tensors, grad_tensors, create_graph)
    roots = [graph.edge(t) for t in tensors]
    targets = None
    if inputs is not None:
        inputs = _seq(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        targets = [graph.edge(t) for t in inputs]
        for t in inputs:  # gradients reaching non-leaf inputs are stored in their .grad
            if t.grad_fn is not None:
                t.retain_grad()
    graph.run_backward(roots, grads, retain_graph, create_graph, targets)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of outputs w.r.t. inputs, returned rather than accumulated (torch.autograd.grad)."""
    outputs, inputs = _seq(outputs), _seq(inputs)
    grad_outputs = _seq(grad_outputs) or (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    _check_requires_grad(outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _root_grads(outputs, grad_outputs, create_graph)
    edges = [graph.edge(t) for t in inputs]
    found = graph.run_backward([graph.edge(t) for t in outputs], grads, retain_graph, create_graph, edges,
                               accumulate=False)
    result = []
    for i, (t, e) in enumerate(zip(inputs, edges)):
        g = found.get(e)
        if g is None:
            if materialize_grads:
                from .._ops.creation import zeros
                g = zeros(t.shape, dtype=t.dtype)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


from . import functional  # noqa: E402,F401
from .draw import draw_graph  # noqa: E402,F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402,F401


def __getattr__(name):
    # ember.autograd.profiler loads on first use (it swaps op functions, which needs the ops loaded)
    if name == "profiler":
        import importlib
        return importlib.import_module(__name__ + ".profiler")
    raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")
