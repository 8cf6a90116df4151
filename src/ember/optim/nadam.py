"""NAdam (torch.optim.NAdam): Adam with Nesterov momentum (Dozat, 2016), with momentum decay."""
import ember
from .._backend import xp
from .optimizer import (Optimizer, _check_betas, _check_lr, _check_nonnegative, _closure_loss, _foreach, _grad,
                        _increment, _scalar_tensor, lerp_)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (torch.optim.NAdam).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ  (or θ ← θ − γλθ when decoupled_weight_decay);
    μ_t ← β1·(1 − ½·0.96^(tψ))  (ψ = momentum_decay);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
    θ ← θ − γ·[(1−μ_t)/(1−Πμ_{1..t})·g + μ_{t+1}/(1−Πμ_{1..t+1})·m] / (√(v/(1−β2^t)) + ε)."""

    _scalar_state = ("step", "mu_product")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_betas(betas)
        _check_nonnegative("weight_decay", weight_decay)
        _check_nonnegative("momentum_decay", momentum_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = _scalar_tensor(0.0)
        state["mu_product"] = _scalar_tensor(1.0)
        state["exp_avg"] = ember.zeros_like(p)
        state["exp_avg_sq"] = ember.zeros_like(p)

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the model and returns the loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = map(float, group["betas"])
            momentum_decay = float(group["momentum_decay"])
            hyper = {"lr": float(group["lr"]), "beta1": beta1, "beta2": beta2, "eps": float(group["eps"]),
                     "weight_decay": float(group["weight_decay"]),
                     "decoupled_weight_decay": group["decoupled_weight_decay"], "maximize": group["maximize"]}
            for param, grad, state in self._params_with_grad(group):
                step = _increment(state["step"])
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product = state["mu_product"]._data
                mu_product *= mu  # kept in the scalar dtype (float32), rounded as torch rounds it
                _foreach(_nadam, (param, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data), step=step,
                         mu=mu, mu_next=mu_next, mu_product=float(mu_product), **hyper)
        return loss


def _nadam(param, grad, exp_avg, exp_avg_sq, *, step, mu, mu_next, mu_product, lr, beta1, beta2, eps,
           weight_decay, decoupled_weight_decay, maximize):
    """One NAdam update of a parameter's arrays, in place; mu_product = Πμ_{1..t}."""
    if decoupled_weight_decay and weight_decay:
        param *= 1 - lr * weight_decay                       # θ ← θ − γλθ
        weight_decay = 0
    grad = _grad(grad, param, maximize, weight_decay)
    lerp_(exp_avg, grad, 1 - beta1)                          # m_t = β1·m_{t−1} + (1−β1)·g_t
    exp_avg_sq *= beta2                                      # v_t = β2·v_{t−1} + (1−β2)·g_t²
    exp_avg_sq += (1 - beta2) * grad * grad
    denom = exp_avg_sq / (1 - beta2 ** step)                 # √v̂_t + ε
    xp.sqrt(denom, out=denom)
    denom += eps
    mu_product_next = mu_product * mu_next
    param += (-lr * (1.0 - mu) / (1.0 - mu_product)) * grad / denom
    param += ((-lr * mu_next) / (1.0 - mu_product_next)) * exp_avg / denom
