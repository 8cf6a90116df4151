"""User-defined differentiable ops: subclass Function with forward(ctx, ...) and backward(ctx, ...)."""
import functools

from .graph import Node, record
from .grad_mode import state


class FunctionCtx:
    """What forward leaves for backward: saved tensors, needs_input_grad, and any attribute."""

    def save_for_backward(self, *tensors):
        self.to_save = tensors

    def mark_dirty(self, *tensors):
        self.dirty_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The grad_fn of a custom Function's outputs; it is also the ctx its methods receive."""
    _forward_cls = None

    def name(self):
        return type(self).__name__

    @property
    def saved_tensors(self):
        return self.saved

    def backward(self, *grads):
        if getattr(self, "materialize_grads", True):
            grads = tuple(g if g is not None else _zeros_like_output(self, i) for i, g in enumerate(grads))
        out = self._forward_cls.backward(self, *grads)
        if not isinstance(out, tuple):
            out = (out,)
        n = len(self.next_functions)
        if len(out) != n:
            if len(out) > n and all(g is None for g in out[n:]):
                out = out[:n]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected {n}, "
                                   f"got {len(out)})")
        return out

    n_outputs = property(lambda self: self.__dict__.get("_n_out", 1))


def _zeros_like_output(node, i):
    from .._ops.creation import zeros
    shape, dtype = node._out_meta[i]
    return zeros(shape, dtype=dtype)


class FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        # each Function gets its own node type, named as PyTorch names it: <Name>Backward
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})


class Function(FunctionCtx, metaclass=FunctionMeta):
    """torch.autograd.Function: define forward and backward as staticmethods, call with .apply."""

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        return NotImplemented

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        Node.__init__(ctx)
        tensor_args = [a if isinstance(a, Tensor) else None for a in args]
        ctx.needs_input_grad = tuple(t is not None and t.requires_grad for t in tensor_args)
        prev = state.enabled
        state.enabled = False
        try:
            if cls.setup_context is not Function.setup_context:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            state.enabled = prev
        outs = output if isinstance(output, tuple) else (output,)
        dirty = getattr(ctx, "dirty_tensors", ())  # identity tests: `in` would compare tensors elementwise
        outs = tuple(o.detach() if isinstance(o, Tensor) and (o.grad_fn is not None or any(o is a for a in args))
                     and not any(o is d for d in dirty) else o for o in outs)
        if state.enabled and any(ctx.needs_input_grad):
            from .graph import edge
            ctx.next_functions = tuple(edge(t) if t is not None else (None, 0) for t in tensor_args)
            ctx._n_out = len(outs)
            ctx._out_meta = [(o.shape, o.dtype) if isinstance(o, Tensor) else ((), None) for o in outs]
            non_diff = getattr(ctx, "non_differentiable", ())
            for i, o in enumerate(outs):
                if isinstance(o, Tensor) and not any(o is n for n in non_diff) and \
                        (o.dtype.is_floating_point or o.dtype.is_complex):
                    o.grad_fn, o._rg, o._output_nr = ctx, True, i
            if hasattr(ctx, "to_save"):
                ctx.save(*ctx.to_save)
        elif hasattr(ctx, "to_save"):
            ctx.save(*ctx.to_save)
        return outs if isinstance(output, tuple) else outs[0]


def once_differentiable(fn):
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .grad_mode import no_grad
        with no_grad():
            return fn(ctx, *args)
    return wrapper
