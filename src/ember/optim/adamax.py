"""Adamax (torch.optim.Adamax): Adam with the infinity norm (Kingma & Ba, 2014, section 7)."""
import ember
from .._backend import xp
from .optimizer import Optimizer, _check_betas, _check_lr, _check_nonnegative, _grad, _scalar_tensor, _lerp_

__all__ = ["Adamax"]


def _adamax(param, grad, exp_avg, exp_inf, *, step, lr, beta1, beta2, eps, weight_decay, maximize):
    """One Adamax update of a parameter's arrays, in place."""
    grad = _grad(grad, param, maximize, weight_decay)        # g_t (+ λθ)
    _lerp_(exp_avg, grad, 1 - beta1)                         # m_t = β1·m_{t−1} + (1−β1)·g_t
    exp_inf *= beta2                                         # u_t = max(β2·u_{t−1}, |g_t| + ε)
    xp.maximum(exp_inf, xp.abs(grad) + eps, out=exp_inf)
    clr = lr / (1 - beta1 ** step)
    param += -clr * exp_avg / exp_inf                        # θ_t = θ_{t−1} − γ/(1−β1^t)·m_t / u_t


class Adamax(Optimizer):
    """Adamax (torch.optim.Adamax).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ;  m ← β1·m + (1−β1)·g;  u ← max(β2·u, |g| + ε);
    θ ← θ − γ·m / ((1−β1^t)·u)."""

    _rule = staticmethod(_adamax)
    _options = ("lr", "betas", "eps", "weight_decay", "maximize")
    _state_keys = ("exp_avg", "exp_inf")

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
