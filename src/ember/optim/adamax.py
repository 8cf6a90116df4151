"""Adamax (torch.optim.Adamax): Adam with the infinity norm (Kingma & Ba, 2014, section 7)."""
import ember
from .._backend import xp
from .optimizer import (Optimizer, _check_betas, _check_lr, _check_nonnegative, _closure_loss, _foreach, _grad,
                        _increment, _scalar_tensor, lerp_)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (torch.optim.Adamax).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ;  m ← β1·m + (1−β1)·g;  u ← max(β2·u, |g| + ε);
    θ ← θ − γ·m / ((1−β1^t)·u)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_betas(betas)
        _check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = _scalar_tensor(0.0)
        state["exp_avg"] = ember.zeros_like(p)
        state["exp_inf"] = ember.zeros_like(p)

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the model and returns the loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            hyper = {"lr": float(group["lr"]), "beta1": float(beta1), "beta2": float(beta2),
                     "eps": float(group["eps"]), "weight_decay": float(group["weight_decay"]),
                     "maximize": group["maximize"]}
            for param, grad, state in self._params_with_grad(group):
                step = _increment(state["step"])
                _foreach(_adamax, (param, grad, state["exp_avg"]._data, state["exp_inf"]._data), step=step, **hyper)
        return loss


def _adamax(param, grad, exp_avg, exp_inf, *, step, lr, beta1, beta2, eps, weight_decay, maximize):
    """One Adamax update of a parameter's arrays, in place."""
    grad = _grad(grad, param, maximize, weight_decay)
    lerp_(exp_avg, grad, 1 - beta1)                          # m_t = β1·m_{t−1} + (1−β1)·g_t
    exp_inf *= beta2                                         # u_t = max(β2·u_{t−1}, |g_t| + ε)
    xp.maximum(exp_inf, xp.abs(grad) + eps, out=exp_inf)
    clr = lr / (1 - beta1 ** step)
    param += -clr * exp_avg / exp_inf                        # θ_t = θ_{t−1} − γ/(1−β1^t)·m_t / u_t
