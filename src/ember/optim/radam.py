"""RAdam (torch.optim.RAdam): Adam with a rectified adaptive learning rate (Liu et al., 2019)."""
import ember
from .._backend import xp
from .adam import _moments
from .optimizer import Optimizer, _check_betas, _check_lr, _check_nonnegative, _scalar_tensor

__all__ = ["RAdam"]


def _radam(param, grad, exp_avg, exp_avg_sq, *, step, lr, beta1, beta2, eps, **decay):
    """One RAdam update of a parameter's arrays, in place; `decay`: weight_decay, decoupled_weight_decay, maximize."""
    _moments(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, **decay)  # m_t, v_t
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    bias_corrected_exp_avg = exp_avg / bias_correction1      # m̂_t
    rho_inf = 2 / (1 - beta2) - 1                            # the length of the approximated SMA
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:                                          # the variance is tractable: a rectified adaptive step
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive_lr = xp.sqrt(exp_avg_sq)                    # l_t = √(1−β2^t) / (√v_t + ε)
        adaptive_lr += eps
        xp.reciprocal(adaptive_lr, out=adaptive_lr)
        adaptive_lr *= bias_correction2 ** 0.5
        param -= bias_corrected_exp_avg * lr * adaptive_lr * rect   # θ_t = θ_{t−1} − γ·m̂_t·l_t·r_t
    else:
        param -= bias_corrected_exp_avg * lr                 # un-adapted: θ_t = θ_{t−1} − γ·m̂_t


class RAdam(Optimizer):
    """RAdam (torch.optim.RAdam).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ  (or θ ← θ − γλθ when decoupled_weight_decay);
    m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ ← m / (1−β1^t);  ρ∞ ← 2/(1−β2) − 1;
    ρ_t ← ρ∞ − 2tβ2^t/(1−β2^t);  if ρ_t > 5: θ ← θ − γ·m̂·r_t·√(1−β2^t)/(√v + ε) with the rectification
    r_t = √((ρ_t−4)(ρ_t−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρ_t));  else θ ← θ − γ·m̂."""

    _rule = staticmethod(_radam)
    _options = ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay", "maximize")
    _state_keys = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_betas(betas)
        _check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable, "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = _scalar_tensor(0.0)
        state["exp_avg"] = ember.zeros_like(p)
        state["exp_avg_sq"] = ember.zeros_like(p)
