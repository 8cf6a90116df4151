"""RMSprop (torch.optim.RMSprop): divide the gradient by a running RMS of its recent magnitudes (Hinton, 2012),
optionally centered (Graves, 2013) and with momentum."""
import ember
from .._backend import xp
from .optimizer import Optimizer, _check_lr, _check_nonnegative, _grad, _scalar_tensor, _lerp_

__all__ = ["RMSprop"]


def _rmsprop(param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps, momentum, weight_decay,
             maximize):
    """One RMSprop update of a parameter's arrays, in place (grad_avg is None unless centered,
    momentum_buffer None without momentum)."""
    grad = _grad(grad, param, maximize, weight_decay)        # g_t (+ λθ)
    square_avg *= alpha                                      # v_t = α·v_{t−1} + (1−α)·g_t²
    square_avg += (1 - alpha) * grad * grad
    if grad_avg is not None:                                 # centered: ṽ_t = v_t − ḡ_t², ḡ_t = α·ḡ + (1−α)·g_t
        _lerp_(grad_avg, grad, 1 - alpha)
        avg = square_avg - grad_avg * grad_avg
        xp.sqrt(avg, out=avg)
    else:
        avg = xp.sqrt(square_avg)
    avg += eps
    if momentum_buffer is not None:                          # b_t = μ·b_{t−1} + g_t / (√ṽ_t + ε)
        momentum_buffer *= momentum
        momentum_buffer += grad / avg
        param -= lr * momentum_buffer                        # θ_t = θ_{t−1} − γ·b_t
    else:
        param += -lr * grad / avg                            # θ_t = θ_{t−1} − γ·g_t / (√ṽ_t + ε)


class RMSprop(Optimizer):
    """RMSprop (torch.optim.RMSprop).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + λθ;  v ← αv + (1−α)g²;  centered: ḡ ← αḡ + (1−α)g and
    ṽ ← v − ḡ², else ṽ ← v;  with momentum μ > 0:  b ← μb + g / (√ṽ + ε), θ ← θ − γb;
    otherwise θ ← θ − γ·g / (√ṽ + ε)."""

    _rule = staticmethod(_rmsprop)
    _options = ("lr", "alpha", "eps", "momentum", "weight_decay", "maximize")
    _state_keys = ("square_avg", "grad_avg", "momentum_buffer")
    _pass_step = False

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_nonnegative("momentum", momentum)
        _check_nonnegative("weight_decay", weight_decay)
        _check_nonnegative("alpha", alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = _scalar_tensor(0.0)
        state["square_avg"] = ember.zeros_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = ember.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = ember.zeros_like(p)
