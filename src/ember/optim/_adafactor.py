"""Adafactor (torch.optim.Adafactor): Adam-like steps whose second moment of a matrix is kept factored as row
and column averages, with a relative step size and update clipping (Shazeer & Stern, 2018)."""
import numpy as np

from .._backend import xp
from .._tensor import Tensor
from .optimizer import Optimizer, _lerp_, _scalar_tensor, _validate

__all__ = ["Adafactor"]


def _rms(a):
    return float(xp.linalg.norm(a.reshape(-1))) / max(a.size, 1) ** 0.5


def _adafactor(param, grad, row_var, col_var, variance, *, step, lr, beta2_decay, eps1, eps2, d, weight_decay,
               maximize):
    """One Adafactor update of a parameter's arrays, in place (row_var/col_var for a matrix, else variance)."""
    if maximize:
        grad = -grad
    beta2_rest = step ** beta2_decay                         # 1 − β2_t = t^c
    rho = min(lr, 1 / step ** 0.5)                           # relative step size ρ_t
    alpha = max(eps2, _rms(param)) * rho                     # α_t = max(ε2, RMS(θ_{t−1}))·ρ_t
    if weight_decay:
        param *= 1 - lr * weight_decay
    if grad.ndim > 1:                                        # R_t, C_t: running means of g² over rows, columns
        _lerp_(row_var, (grad * grad).sum(-1, keepdims=True) / grad.shape[-1], beta2_rest)
        _lerp_(col_var, (grad * grad).sum(-2, keepdims=True) / grad.shape[-2], beta2_rest)
        var = (row_var @ col_var) / xp.maximum(row_var.mean(-2, keepdims=True), eps1)  # V̂ = R C / mean(R)
    else:
        _lerp_(variance, grad * grad, beta2_rest)            # V̂_t = lerp(V̂_{t−1}, g², 1 − β2_t)
        var = variance.copy()
    update = grad / xp.sqrt(xp.maximum(var, eps1 * eps1))    # U = g / √V̂
    denom = max(1.0, _rms(update) / d)                       # clip: RMS(U) ≤ d
    param += (-alpha / denom) * update                       # θ_t = θ_{t−1} − α_t·U / max(1, RMS(U)/d)


class Adafactor(Optimizer):
    """Adafactor (torch.optim.Adafactor).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize);  ρ ← min(lr, 1/√t);  α ← max(ε2, RMS(θ))·ρ;
    θ ← (1 − lr·λ)θ;  for a matrix R ← lerp(R, mean_cols(g²), t^c), C ← lerp(C, mean_rows(g²), t^c),
    V̂ ← R C / mean(R), otherwise V̂ ← lerp(V̂, g², t^c);  U ← g / √max(V̂, ε1²);  θ ← θ − α·U / max(1, RMS(U)/d).
    ε1 defaults to the dtype's machine epsilon."""

    _rule = staticmethod(_adafactor)
    _options = ("lr", "beta2_decay", "d", "weight_decay", "maximize")
    _state_keys = ("row_var", "col_var", "variance")
    _elementwise = False

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *, foreach=None,
                 maximize=False):
        _validate((not isinstance(lr, Tensor) or lr.numel() == 1, "Tensor lr must be 1-element"),
                  (0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}"),
                  (0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}"),
                  (eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}"),
                  (0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}"),
                  (1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}"),
                  (0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}"))
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        if p.is_complex():
            raise RuntimeError("Adafactor does not support complex parameters")
        state["step"] = _scalar_tensor(0.0)
        if p.dim() > 1:
            state["row_var"] = p.new_zeros(tuple(p.shape[:-1]) + (1,))
            state["col_var"] = p.new_zeros(tuple(p.shape[:-2]) + (1, p.shape[-1]))
        else:
            state["variance"] = p.new_zeros(tuple(p.shape))

    def _operands(self, param, grad, state, group):
        arrays, scalars = super()._operands(param, grad, state, group)
        eps1, eps2 = group["eps"]
        scalars.update(eps1=float(np.finfo(param.dtype).eps if eps1 is None else eps1), eps2=float(eps2))
        return arrays, scalars
