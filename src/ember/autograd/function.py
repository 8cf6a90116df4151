"""User-defined differentiable ops (torch.autograd.Function): subclass Function with static
forward(ctx, ...) (or forward(...) plus setup_context(ctx, inputs, output)) and backward(ctx, ...),
then call `.apply`. The ctx is the grad_fn node of the outputs, named `<Name>Backward` as in torch."""
import functools

from .graph import Node, SavedOutput, edge
from .grad_mode import state, no_grad


class FunctionCtx:
    """What forward leaves for backward: saved tensors, marks, and any attribute it sets."""

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
    materialize_grads = True

    @property
    def n_outputs(self):
        return len(self._out_meta)

    @property
    def saved_tensors(self):
        return self.saved

    def backward(self, *grads):
        """Run the user's backward, then check its gradients as torch's engine does: one per forward
        input, None for non-tensor inputs, each summed to its input's shape and cast to its dtype."""
        if self.materialize_grads:
            grads = tuple(g if g is not None else _zeros(*self._out_meta[i]) for i, g in enumerate(grads))
        out = self._forward_cls.backward(self, *grads)
        out = out if isinstance(out, tuple) else (out,)
        meta = self._input_meta
        if len(out) != len(meta):
            if len(out) > len(meta) and all(g is None for g in out[len(meta):]):
                out = out[:len(meta)]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                                   f"{len(meta)}, got {len(out)})")
        result = []
        for i, (g, m) in enumerate(zip(out, meta)):
            if m is None:
                if g is not None:
                    raise RuntimeError(f"function {self.name()} returned a gradient different than None at position "
                                       f"{i + 1}, but the corresponding forward input was not a Variable")
                continue
            result.append(_fit_gradient(self, i, g, *m))
        return tuple(result)

    def __repr__(self):
        return f"<torch.autograd.function.{self.name()} object at {hex(id(self))}>"


def _zeros(shape, dtype):
    from .._ops.registry import FUNCTIONS
    return FUNCTIONS["zeros"](shape, dtype=dtype)


def _fit_gradient(node, i, g, shape, dtype):
    if g is None:
        return None
    if tuple(g.shape) != shape:
        from .._ops.registry import sum_to
        try:
            import numpy as np
            if np.broadcast_shapes(shape, tuple(g.shape)) != tuple(g.shape):
                raise ValueError
            g = sum_to(g, shape)
        except ValueError:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - got "
                               f"[{', '.join(map(str, g.shape))}] but expected shape compatible with "
                               f"[{', '.join(map(str, shape))}]") from None
    return g if g.dtype is dtype else g.to(dtype)


class FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        # each Function gets its own node type, named as PyTorch names it: <Name>Backward
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})


class Function(FunctionCtx, metaclass=FunctionMeta):
    """torch.autograd.Function: define forward and backward as staticmethods, call with .apply."""

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
        """Run forward without recording, then make the ctx the grad_fn of the differentiable outputs."""
        from .._tensor import Tensor
        ctx = cls._backward_cls()
        is_tensor = [isinstance(a, Tensor) for a in args]
        ctx.needs_input_grad = tuple(t and a.requires_grad for t, a in zip(is_tensor, args))
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
        dirty = ctx.__dict__.get("dirty_tensors", ())
        for t in dirty:
            if t.requires_grad and t.grad_fn is None and state.enabled:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
            t._vc[0] += 1
        recording = state.enabled and any(ctx.needs_input_grad)
        if recording:
            ctx.next_functions = tuple(edge(a) for a, t in zip(args, is_tensor) if t)
            ctx._input_meta = [(tuple(a.shape), a.dtype) if t else None for a, t in zip(args, is_tensor)]
        outs = tuple(_output(o, i, ctx, args, dirty, recording) for i, o in enumerate(outs))
        ctx._out_meta = [(tuple(o.shape), o.dtype) if isinstance(o, Tensor) else ((), None) for o in outs]
        if recording and "to_save" in ctx.__dict__:
            ctx.save(*[_saved_form(t, outs) for t in ctx.to_save])
        return outs if isinstance(output, tuple) else outs[0]


def _output(o, i, ctx, args, dirty, recording):
    """An output of forward as apply returns it: an input returned as is becomes an alias (a view) of it;
    differentiable outputs get the ctx as grad_fn."""
    from .._tensor import Tensor
    if not isinstance(o, Tensor):
        return o
    differentiable = (o.dtype.is_floating_point or o.dtype.is_complex) and \
        not any(o is n for n in ctx.__dict__.get("non_differentiable", ()))
    if not any(o is d for d in dirty) and (o.grad_fn is not None or any(o is a for a in args)):
        o = Tensor._make(o._data, o._dtype, o._base if o._base is not None else o)
    if recording and differentiable:
        o.grad_fn, o._rg, o._output_nr = ctx, True, i
    return o


def _saved_form(t, outs):
    """Outputs are saved without a reference cycle (output -> grad_fn -> output)."""
    return SavedOutput(t) if t is not None and any(t is o for o in outs) else t


def once_differentiable(fn):
    """Decorate a backward that is not itself differentiable: it runs without recording a graph."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper
