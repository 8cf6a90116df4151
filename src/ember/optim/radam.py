"""RAdam (torch.optim.RAdam): Adam with a rectified adaptive learning rate (Liu et al., 2019)."""
import ember
from .._backend import xp
from .optimizer import (Optimizer, _check_betas, _check_lr, _check_nonnegative, _closure_loss, _foreach, _grad,
                        _increment, _scalar_tensor, lerp_)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (torch.optim.RAdam).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ  (or θ ← θ − γλθ when decoupled_weight_decay);
    m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ ← m / (1−β1^t);  ρ∞ ← 2/(1−β2) − 1;
    ρ_t ← ρ∞ − 2tβ2^t/(1−β2^t);  if ρ_t > 5: θ ← θ − γ·m̂·r_t·√(1−β2^t)/(√v + ε) with the rectification
    r_t = √((ρ_t−4)(ρ_t−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρ_t));  else θ ← θ − γ·m̂."""

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

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the model and returns the loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            hyper = {"lr": float(group["lr"]), "beta1": float(beta1), "beta2": float(beta2),
                     "eps": float(group["eps"]), "weight_decay": float(group["weight_decay"]),
                     "decoupled_weight_decay": group["decoupled_weight_decay"], "maximize": group["maximize"]}
            for param, grad, state in self._params_with_grad(group):
                step = _increment(state["step"])
                _foreach(_radam, (param, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data), step=step,
                         **hyper)
        return loss


def _radam(param, grad, exp_avg, exp_avg_sq, *, step, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay,
           maximize):
    """One RAdam update of a parameter's arrays, in place."""
    if decoupled_weight_decay and weight_decay:
        param *= 1 - lr * weight_decay                       # θ ← θ − γλθ
        weight_decay = 0
    grad = _grad(grad, param, maximize, weight_decay)
    lerp_(exp_avg, grad, 1 - beta1)                          # m_t = β1·m_{t−1} + (1−β1)·g_t
    exp_avg_sq *= beta2                                      # v_t = β2·v_{t−1} + (1−β2)·g_t²
    exp_avg_sq += (1 - beta2) * grad * grad
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    bias_corrected_exp_avg = exp_avg / bias_correction1      # m̂_t
    rho_inf = 2 / (1 - beta2) - 1                            # length of the approximated SMA
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:                                          # the variance is tractable: rectified adaptive step
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive_lr = xp.sqrt(exp_avg_sq)                    # l_t = √(1−β2^t) / (√v_t + ε)
        adaptive_lr += eps
        xp.reciprocal(adaptive_lr, out=adaptive_lr)
        adaptive_lr *= bias_correction2 ** 0.5
        param -= bias_corrected_exp_avg * lr * adaptive_lr * rect
    else:
        param -= bias_corrected_exp_avg * lr                 # un-adapted: θ_t = θ_{t−1} − γ·m̂_t
