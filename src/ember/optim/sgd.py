"""SGD (torch.optim.SGD): stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay."""
import ember
from .._backend import xp
from .._kernels import loops as _loops
from .optimizer import Optimizer, _check_lr, _flat, _grad

__all__ = ["SGD"]


def _sgd(param, grad, momentum_buffer, *, first, lr, momentum, dampening, nesterov, weight_decay, maximize):
    """One SGD update of a parameter's arrays, in place (momentum_buffer is None without momentum)."""
    if momentum_buffer is not None and not first and not nesterov and not maximize \
            and _loops.fits(param, grad, momentum_buffer) and _flat(param, grad, momentum_buffer):
        t = param.dtype.type  # the loop's rounding is the NumPy lines' below, to the bit
        _loops.sgd_momentum_update(param.reshape(-1), grad.reshape(-1), momentum_buffer.reshape(-1), t(momentum),
                                   bool(dampening), t(1 - dampening), t(lr), bool(weight_decay), t(weight_decay))
        return
    grad = _grad(grad, param, maximize, weight_decay)        # g_t (+ λθ)
    if momentum_buffer is not None:
        if first:
            momentum_buffer[...] = grad                      # b_1 = g_1
        else:
            momentum_buffer *= momentum                      # b_t = μ·b_{t−1} + (1−τ)·g_t
            momentum_buffer += (1 - dampening) * grad if dampening else grad
        grad = grad + momentum * momentum_buffer if nesterov else momentum_buffer
    param -= lr * grad                                       # θ_t = θ_{t−1} − γ·g_t


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum (torch.optim.SGD).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ;  with momentum μ:  b ← g at t = 1,
    b ← μb + (1−τ)g after;  g ← g + μb (nesterov) or g ← b;  then θ ← θ − γg.
    The buffer is the gradient at the first step, so dampening τ applies from the second step on."""

    _rule = staticmethod(_sgd)
    _options = ("lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize")

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused and differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def _has_state(self, group):
        return group["momentum"] != 0

    def _operands(self, param, grad, state, group):
        """The momentum buffer, made on the first step (the rule fills it with that step's gradient)."""
        if state is None:
            return (param, grad, None), {"first": False}
        buf = state.get("momentum_buffer")
        first = buf is None
        if first:
            buf = state["momentum_buffer"] = ember.from_numpy(xp.empty_like(param))
        return (param, grad, buf._data), {"first": first}
