"""ember.utils.checkpoint: activation checkpointing (torch.utils.checkpoint).

A checkpointed segment keeps only its inputs: its activations are dropped after the forward and
recomputed during backward, with the RNG state of the forward restored so dropout draws the same masks.

use_reentrant=True (torch's default when not given, with its warning): gradients reach the segment's
parameters by a backward inside the backward, and only if some input requires grad.
use_reentrant=False (recommended): the segment's parameters are found from one forward and become
inputs of the checkpoint node, so `autograd.grad` with respect to them works too. The output's grad_fn
is the checkpoint's node (torch shows the segment's last op there)."""
import warnings

from .. import _random
from ..autograd import Function, grad as autograd_grad, backward as autograd_backward
from ..autograd.graph import AccumulateGrad
from ..autograd.grad_mode import enable_grad, no_grad
from .._tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]

_EXPLICIT = ("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch "
             "2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
             "recommended, but if you need to preserve the current default behavior, you can pass "
             "use_reentrant=True. Refer to docs for more details on the differences between the two variants.")


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


class CheckpointFunction(Function):
    """Forward: the segment's outputs without its graph. Backward: recompute the segment under the
    forward's RNG state, differentiate it, hand back the gradients of the inputs (and found parameters)."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, rng_state, outputs, n_args, *inputs):
        ctx.run_function, ctx.preserve, ctx.rng_state, ctx.n_args = run_function, preserve_rng_state, rng_state, n_args
        ctx.autocast = _autocast_state()
        ctx.is_tensor = [isinstance(a, Tensor) for a in inputs]
        ctx.others = [None if t else a for a, t in zip(inputs, ctx.is_tensor)]
        ctx.save_for_backward(*(a for a in inputs if isinstance(a, Tensor)))
        if outputs is None:  # reentrant: the segment runs here for the first time, without a graph
            with no_grad():
                outputs = run_function(*inputs)
        ctx.single = not isinstance(outputs, tuple)
        return tuple(o.detach() if isinstance(o, Tensor) else o for o in _as_tuple(outputs)) if not ctx.single \
            else outputs.detach()

    @staticmethod
    def backward(ctx, *grads):
        saved = iter(ctx.saved_tensors)
        inputs = [next(saved) if t else o for t, o in zip(ctx.is_tensor, ctx.others)]
        args = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
                for a in inputs[:ctx.n_args]]
        leaves = inputs[ctx.n_args:]
        current = _random.get_rng_state() if ctx.preserve else None
        if ctx.preserve:
            _random.set_rng_state(ctx.rng_state)
        try:
            with enable_grad(), _autocast_context(ctx.autocast):  # recompute as the forward ran
                outs = _as_tuple(ctx.run_function(*args))
        finally:
            if ctx.preserve:
                _random.set_rng_state(current)
        pairs = [(o, g) for o, g in zip(outs, grads) if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        targets = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        if leaves:  # non-reentrant: differentiate with respect to the inputs and the found parameters
            found = autograd_grad([o for o, _ in pairs], targets + leaves, [g for _, g in pairs], allow_unused=True)
        else:  # reentrant: a backward inside the backward fills the parameters' .grad directly
            autograd_backward([o for o, _ in pairs], [g for _, g in pairs])
            found = [a.grad for a in targets]
        found = iter(found)
        arg_grads = tuple(next(found) if isinstance(a, Tensor) and a.requires_grad else None for a in args)
        return (None, None, None, None, None) + arg_grads + tuple(found)


def _autocast_state():
    from ..amp import autocast_mode
    return autocast_mode.is_autocast_enabled("cpu"), autocast_mode.get_autocast_dtype("cpu")


def _autocast_context(saved):
    from ..amp import autocast
    return autocast("cpu", dtype=saved[1], enabled=saved[0])


def _parameters_used(outputs, args):
    """The leaf tensors requiring grad that the segment's graph reaches (its parameters), not its inputs."""
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    seen, found, todo = set(), [], [o.grad_fn for o in outputs if isinstance(o, Tensor) and o.grad_fn is not None]
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            if id(node.variable) not in inputs:
                found.append(node.variable)
            continue
        todo.extend(fn for fn, _ in node.next_functions)
    return found


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               early_stop=True, preserve_rng_state=True, **kwargs):
    """torch.utils.checkpoint.checkpoint: function(*args), its activations recomputed in backward."""
    if use_reentrant is None:
        warnings.warn(_EXPLICIT, UserWarning, stacklevel=2)
        use_reentrant = True
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if kwargs:  # non-reentrant passes keyword arguments through to the function
        fn = function
        function = lambda *a: fn(*a, **kwargs)  # noqa: E731
    rng_state = _random.get_rng_state() if preserve_rng_state else None
    if use_reentrant:
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", UserWarning,
                          stacklevel=2)
        return CheckpointFunction.apply(function, preserve_rng_state, rng_state, None, len(args), *args)
    # non-reentrant: one forward with a graph finds the parameters, then the graph is dropped
    detached = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a for a in args]
    with enable_grad():
        outputs = function(*detached)
    leaves = _parameters_used(_as_tuple(outputs), detached)
    if not any(isinstance(a, Tensor) and a.requires_grad for a in args) and not leaves:
        return outputs
    return CheckpointFunction.apply(function, preserve_rng_state, rng_state, outputs, len(args), *args, *leaves)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """torch.utils.checkpoint.checkpoint_sequential: the modules in `segments` checkpointed runs, the last
    run without checkpointing."""
    if use_reentrant is None:
        warnings.warn(_EXPLICIT, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    from ..nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
