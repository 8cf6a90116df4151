"""SGD (torch.optim.SGD): stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay."""
import ember
from .._backend import xp
from .optimizer import Optimizer, _axpy_, _check_lr, _closure_loss, _grad

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum (torch.optim.SGD).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ;  with momentum μ:  b ← g at t = 1,
    b ← μb + (1−τ)g after;  g ← g + μb (nesterov) or g ← b;  then θ ← θ − γg.
    The buffer is the gradient at the first step, so dampening τ applies from the second step on."""

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

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the model and returns the loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            momentum = float(group["momentum"])
            hyper = {"lr": float(group["lr"]), "momentum": momentum, "dampening": float(group["dampening"]),
                     "nesterov": group["nesterov"], "weight_decay": float(group["weight_decay"]),
                     "maximize": group["maximize"]}
            for param, grad, state in self._params_with_grad(group, with_state=momentum != 0):
                buf, first = None, False
                if momentum != 0:
                    buf_t = state.get("momentum_buffer")
                    first = buf_t is None
                    if first:  # filled with the first gradient by the rule
                        buf_t = state["momentum_buffer"] = ember.from_numpy(xp.empty_like(param))
                    buf = buf_t._data
                _sgd(param, grad, buf, first=first, **hyper)
        return loss


def _sgd(param, grad, momentum_buffer, *, first, lr, momentum, dampening, nesterov, weight_decay, maximize):
    """One SGD update of a parameter's arrays, in place."""
    grad = _grad(grad, param, maximize, weight_decay)
    if momentum_buffer is not None:
        if first:
            momentum_buffer[...] = grad                     # b_1 = g_1
        else:
            momentum_buffer *= momentum                     # b_t = μ·b_{t−1} + (1−τ)·g_t
            _axpy_(momentum_buffer, grad, 1 - dampening)
        grad = grad + momentum * momentum_buffer if nesterov else momentum_buffer
    _axpy_(param, grad, -lr)                                # θ_t = θ_{t−1} − γ·g_t
