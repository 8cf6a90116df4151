"""NAdam (torch.optim.NAdam): Adam with Nesterov momentum (Dozat, 2016), with momentum decay."""
import ember
from .._backend import xp
from .adam import _moments
from .optimizer import Optimizer, _check_betas, _check_lr, _check_nonnegative, _scalar_tensor

__all__ = ["NAdam"]


def _nadam(param, grad, exp_avg, exp_avg_sq, *, step, mu, mu_next, mu_product, lr, beta1, beta2, eps, **decay):
    """One NAdam update of a parameter's arrays, in place; mu_product = μ_1·…·μ_t;
    `decay`: weight_decay, decoupled_weight_decay, maximize."""
    grad = _moments(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, **decay)  # g_t, m_t, v_t
    denom = exp_avg_sq / (1 - beta2 ** step)                 # √v̂_t + ε
    xp.sqrt(denom, out=denom)
    denom += eps
    mu_product_next = mu_product * mu_next                   # θ_t = θ_{t−1} − γ·[(1−μ_t)/(1−Πμ_{..t})·g_t
    param += (-lr * (1.0 - mu) / (1.0 - mu_product)) * grad / denom  # + μ_{t+1}/(1−Πμ_{..t+1})·m_t] / (√v̂_t + ε)
    param += ((-lr * mu_next) / (1.0 - mu_product_next)) * exp_avg / denom


class NAdam(Optimizer):
    """NAdam (torch.optim.NAdam).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ  (or θ ← θ − γλθ when decoupled_weight_decay);
    μ_t ← β1·(1 − ½·0.96^(tψ))  (ψ = momentum_decay);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
    θ ← θ − γ·[(1−μ_t)/(1−Πμ_{1..t})·g + μ_{t+1}/(1−Πμ_{1..t+1})·m] / (√(v/(1−β2^t)) + ε)."""

    _rule = staticmethod(_nadam)
    _options = ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay", "maximize")
    _state_keys = ("exp_avg", "exp_avg_sq")
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

    def _operands(self, param, grad, state, group):
        """Adds the momentum schedule μ_t, μ_{t+1} and the running product μ_1·…·μ_t (kept in the
        scalar dtype, float32, and rounded there as torch rounds it)."""
        arrays, scalars = super()._operands(param, grad, state, group)
        step = scalars["step"]
        beta1, momentum_decay = float(group["betas"][0]), float(group["momentum_decay"])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product = state["mu_product"]._data
        mu_product *= mu
        return arrays, dict(scalars, mu=mu, mu_next=mu_next, mu_product=float(mu_product))
