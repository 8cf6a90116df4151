"""Rprop (torch.optim.Rprop): resilient backpropagation, a per-weight step size grown while the gradient keeps
its sign and shrunk when it flips, stepping by the gradient's sign only (Riedmiller & Braun, 1993)."""
import ember
from .._backend import xp
from .optimizer import Optimizer, _check_lr, _increment, _scalar_tensor

__all__ = ["Rprop"]


def _rprop(param, grad, prev, step_size, *, etaminus, etaplus, step_size_min, step_size_max, maximize):
    """One Rprop update of a parameter's arrays, in place."""
    if maximize:
        grad = -grad
    sign = xp.sign(grad * prev)                              # did g_t keep the sign of g_{t−1}?
    factor = xp.ones_like(sign)                              # η+ if it did, η− if it flipped, 1 if either is 0
    factor[sign > 0] = etaplus
    factor[sign < 0] = etaminus
    step_size *= factor                                      # Δ_t = clamp(Δ_{t−1}·factor, Δmin, Δmax)
    xp.clip(step_size, step_size_min, step_size_max, out=step_size)
    grad = xp.where(factor == etaminus, 0, grad)             # after a flip, no step
    param -= xp.sign(grad) * step_size                       # θ_t = θ_{t−1} − sign(g_t)·Δ_t
    prev[...] = grad


class Rprop(Optimizer):
    """Rprop (torch.optim.Rprop).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize);  Δ ← clamp(Δ·η+, ≤ Δmax) where g·g_prev > 0,
    clamp(Δ·η−, ≥ Δmin) and g ← 0 where g·g_prev < 0;  θ ← θ − sign(g)·Δ;  g_prev ← g. Δ starts at lr."""

    _rule = staticmethod(_rprop)
    _options = ("maximize",)
    _state_keys = ("prev", "step_size")

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = _scalar_tensor(0.0)
        state["prev"] = ember.zeros_like(p)
        state["step_size"] = ember.full_like(p, float(group["lr"]))

    def _operands(self, param, grad, state, group):
        _increment(state["step"])
        (etaminus, etaplus), (lo, hi) = group["etas"], group["step_sizes"]
        return (param, grad, state["prev"]._data, state["step_size"]._data), {
            "etaminus": float(etaminus), "etaplus": float(etaplus), "step_size_min": float(lo),
            "step_size_max": float(hi)}
