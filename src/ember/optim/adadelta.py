"""Adadelta (torch.optim.Adadelta): an adaptive learning rate method (Zeiler, 2012)."""
import ember
from .._backend import xp
from .._kernels import loops as _loops
from .optimizer import Optimizer, _check_lr, _check_nonnegative, _flat, _grad, _scalar_tensor

__all__ = ["Adadelta"]


def _adadelta(param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay, maximize):
    """One Adadelta update of a parameter's arrays, in place."""
    grad = _grad(grad, param, maximize, weight_decay)        # g_t (+ λθ)
    if _loops.fits(param, grad, square_avg, acc_delta) and _flat(param, grad, square_avg, acc_delta):
        t = param.dtype.type
        _loops.adadelta_update(*(a.reshape(-1) for a in (param, grad, square_avg, acc_delta)), t(rho), t(1 - rho),
                                 t(eps), t(lr))
        return
    square_avg *= rho                                        # v_t = ρ·v_{t−1} + (1−ρ)·g_t²
    square_avg += (1 - rho) * grad * grad
    std = square_avg + eps                                   # √(v_t + ε)
    xp.sqrt(std, out=std)
    delta = acc_delta + eps                                  # Δθ_t = √(u_{t−1} + ε) / √(v_t + ε) · g_t
    xp.sqrt(delta, out=delta)
    delta /= std
    delta *= grad
    acc_delta *= rho                                         # u_t = ρ·u_{t−1} + (1−ρ)·Δθ_t²
    acc_delta += (1 - rho) * delta * delta
    param -= lr * delta                                      # θ_t = θ_{t−1} − γ·Δθ_t


class Adadelta(Optimizer):
    """Adadelta (torch.optim.Adadelta).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ;  v ← ρv + (1−ρ)g²;
    Δθ ← √(u + ε) / √(v + ε) · g;  u ← ρu + (1−ρ)Δθ²;  θ ← θ − γΔθ."""

    _rule = staticmethod(_adadelta)
    _options = ("lr", "rho", "eps", "weight_decay", "maximize")
    _state_keys = ("square_avg", "acc_delta")
    _pass_step = False

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative("epsilon", eps)
        _check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = _scalar_tensor(0.0)
        state["square_avg"] = ember.zeros_like(p)
        state["acc_delta"] = ember.zeros_like(p)
