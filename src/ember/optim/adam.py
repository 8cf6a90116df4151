"""Adam (torch.optim.Adam): adaptive moment estimation (Kingma & Ba, 2014), with AMSGrad and decoupled weight decay."""
import ember
from .._backend import xp
from .._tensor import Tensor
from .._kernels import loops as _loops
from .optimizer import Optimizer, _check_betas, _check_lr, _check_nonnegative, _flat, _grad, _scalar_tensor, _lerp_

__all__ = ["Adam"]


def _moments(param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, weight_decay, decoupled_weight_decay, maximize):
    """The first half of Adam, NAdam and RAdam: weight decay, then both moments updated in place; returns g_t."""
    if decoupled_weight_decay and weight_decay:
        param *= 1 - lr * weight_decay                       # θ ← θ − γλθ (AdamW)
        weight_decay = 0
    grad = _grad(grad, param, maximize, weight_decay)        # g_t (+ λθ)
    _lerp_(exp_avg, grad, 1 - beta1)                         # m_t = β1·m_{t−1} + (1−β1)·g_t
    exp_avg_sq *= beta2                                      # v_t = β2·v_{t−1} + (1−β2)·g_t²
    exp_avg_sq += (1 - beta2) * grad * grad
    return grad


def _adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step, lr, beta1, beta2, eps, **decay):
    """One Adam update of a parameter's arrays, in place (max_exp_avg_sq is None without AMSGrad);
    `decay`: weight_decay, decoupled_weight_decay, maximize."""
    if max_exp_avg_sq is None and _loops.fits(param, grad, exp_avg, exp_avg_sq) and _flat(param, grad,
                                                                                            exp_avg, exp_avg_sq):
        decoupled = decay["decoupled_weight_decay"]
        grad = _grad(grad, param, decay["maximize"], 0 if decoupled else decay["weight_decay"])
        w1, t = 1 - beta1, param.dtype.type
        _loops.adam_update(*(a.reshape(-1) for a in (param, grad, exp_avg, exp_avg_sq)), t(w1), abs(w1) < 0.5,
                             t(1 - w1), t(beta2), t(1 - beta2), t((1 - beta2 ** step) ** 0.5), t(eps),
                             t(-lr / (1 - beta1 ** step)), t(1 - lr * decay["weight_decay"] if decoupled else 1))
        return
    _moments(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, **decay)
    if max_exp_avg_sq is not None:                           # AMSGrad: v_t^max = max(v_{t−1}^max, v_t)
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        exp_avg_sq = max_exp_avg_sq
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    denom = xp.sqrt(exp_avg_sq)                              # √v̂_t + ε, with v̂_t = v_t / (1−β2^t)
    denom /= bias_correction2 ** 0.5
    denom += eps
    param += (-lr / bias_correction1) * exp_avg / denom     # θ_t = θ_{t−1} − γ·m̂_t / (√v̂_t + ε)


class Adam(Optimizer):
    """Adam (torch.optim.Adam).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ  (or θ ← θ − γλθ when decoupled_weight_decay);
    m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  v̂ ← max(v̂, v) with amsgrad;
    θ ← θ − γ·(m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)."""

    _rule = staticmethod(_adam)
    _options = ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay", "maximize")
    _state_keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_betas(betas)
        _check_nonnegative("weight_decay", weight_decay)
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        if fused and differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def _init_state(self, state, p, group):
        state["step"] = _scalar_tensor(0.0)
        state["exp_avg"] = ember.zeros_like(p)
        state["exp_avg_sq"] = ember.zeros_like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = ember.zeros_like(p)
