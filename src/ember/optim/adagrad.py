"""Adagrad (torch.optim.Adagrad): per-coordinate learning rates from the sum of squared gradients
(Duchi, Hazan & Singer, 2011)."""
import ember
from .._backend import xp
from .optimizer import Optimizer, _check_lr, _check_nonnegative, _grad, _scalar_tensor

__all__ = ["Adagrad"]


def _adagrad(param, grad, state_sum, *, step, lr, lr_decay, eps, weight_decay, maximize):
    """One Adagrad update of a parameter's arrays, in place."""
    grad = _grad(grad, param, maximize, weight_decay)        # g_t (+ λθ)
    clr = lr / (1 + (step - 1) * lr_decay)                   # γ̃ = γ / (1 + (t−1)·η)
    state_sum += grad * grad                                 # s_t = s_{t−1} + g_t²
    std = xp.sqrt(state_sum)
    std += eps
    param += -clr * grad / std                               # θ_t = θ_{t−1} − γ̃·g_t / (√s_t + ε)


class Adagrad(Optimizer):
    """Adagrad (torch.optim.Adagrad).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ;  γ̃ ← γ / (1 + (t−1)·η) (η = lr_decay);
    s ← s + g²  (s starts at initial_accumulator_value);  θ ← θ − γ̃·g / (√s + ε)."""

    _rule = staticmethod(_adagrad)
    _options = ("lr", "lr_decay", "eps", "weight_decay", "maximize")
    _state_keys = ("sum",)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        _check_nonnegative("lr_decay", lr_decay)
        _check_nonnegative("weight_decay", weight_decay)
        _check_nonnegative("initial_accumulator_value", initial_accumulator_value)
        _check_nonnegative("epsilon", eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        if fused and differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        # unlike the other optimizers, Adagrad's state exists from the start, as in torch
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p, group)

    def _init_state(self, state, p, group):
        # torch fills every group's accumulator from the constructor's value, not the group's
        state["step"] = _scalar_tensor(0.0)
        state["sum"] = ember.full_like(p, self.defaults["initial_accumulator_value"])

    def share_memory(self):
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()
