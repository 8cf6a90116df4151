"""Muon (torch.optim.Muon): momentum SGD for 2-D weights whose update is orthogonalized by a few Newton–Schulz
iterations (Jordan et al., 2024), with decoupled weight decay. As torch's, the iteration runs in bfloat16."""
import math

from .. import _dtype as D
from .._backend import xp
from .._tensor import Tensor
from .optimizer import Optimizer, _lerp_, _validate

__all__ = ["Muon"]


def _bf16(a):
    """a rounded to bfloat16 and back to float32: each bfloat16 op of torch's iteration rounds its result once."""
    return a.astype(D.bfloat16.np).astype(xp.float32)


def _zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps, eps):
    """An approximately orthogonal matrix U S' V^T (S' ~ 1) of grad = U S V^T by the quintic iteration
    X ← a X + (b X X^T + c (X X^T)²) X on the wider orientation."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    tall = grad.shape[0] > grad.shape[1]
    X = _bf16(grad.T if tall else grad)
    norm = max(float(_bf16(xp.sqrt(xp.sum(X * X, dtype=xp.float32)))), float(_bf16(xp.float32(eps))))
    X = _bf16(X / xp.float32(_bf16(xp.float32(norm))))
    for _ in range(ns_steps):
        A = _bf16(X @ X.T)
        B = _bf16(b * A + c * (A @ A))
        X = _bf16(a * X + B @ X)
    return X.T if tall else X


def _adjust_lr(lr, adjust_lr_fn, shape):
    """The step size for an (A, B) matrix: 'original' scales by √max(1, A/B), 'match_rms_adamw' by 0.2·√max(A, B)."""
    A, B = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, A / B))
    return lr * 0.2 * math.sqrt(max(A, B)) if adjust_lr_fn == "match_rms_adamw" else lr


def _muon(param, grad, momentum_buffer, *, lr, weight_decay, momentum, nesterov, ns_coefficients, ns_steps, eps,
          adjust_lr_fn):
    """One Muon update of a 2-D parameter's arrays, in place."""
    if grad.ndim != 2:
        raise ValueError("Param gradient must be a 2D matrix")
    _lerp_(momentum_buffer, grad, 1 - momentum)              # B_t = μ·B_{t−1} + (1−μ)·g_t
    update = momentum_buffer
    if nesterov:                                             # B̃_t = lerp(g_t, B_t, μ)
        update = grad.copy()
        _lerp_(update, momentum_buffer, momentum)
    update = _zeropower_via_newtonschulz(update, ns_coefficients, ns_steps, eps)  # O_t = NS(B̃_t)
    param *= 1 - lr * weight_decay                           # θ ← (1 − γλ)·θ
    param += -_adjust_lr(lr, adjust_lr_fn, param.shape) * update.astype(param.dtype)  # θ_t = θ − γ'·O_t


class Muon(Optimizer):
    """Muon (torch.optim.Muon), for 2-D parameters only (biases and embeddings belong to another optimizer).

    For t = 1, 2, ...:  B ← lerp(B, g, 1 − μ);  B̃ ← lerp(g, B, μ) with nesterov, else B;  O ← NS_k(B̃);
    θ ← (1 − γλ)θ − AdjustLR(γ, shape)·O."""

    _rule = staticmethod(_muon)
    _options = ("lr", "weight_decay", "momentum", "nesterov", "eps")
    _state_keys = ("momentum_buffer",)
    _elementwise = False

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
        _validate((not isinstance(lr, Tensor) or lr.numel() == 1, "Tensor lr must be 1-element"),
                  (0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}"),
                  (0.0 <= momentum, f"momentum should be >= 0 but is: {momentum}"),
                  (0.0 <= weight_decay, f"weight decay should be >= 0 but is: {weight_decay}"),
                  (adjust_lr_fn in (None, "original", "match_rms_adamw"),
                   f"Adjust learning rate function {adjust_lr_fn} is not supported"))
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum, "nesterov": nesterov,
                    "ns_coefficients": ns_coefficients, "eps": eps, "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def _init_state(self, state, p, group):
        if p.is_complex():
            raise RuntimeError("Muon does not support complex parameters")
        state["momentum_buffer"] = p.new_zeros(tuple(p.shape))

    def _operands(self, param, grad, state, group):
        # Muon keeps no step count
        return (param, grad, state["momentum_buffer"]._data), {
            "ns_coefficients": tuple(group["ns_coefficients"]), "ns_steps": int(group["ns_steps"]),
            "adjust_lr_fn": group["adjust_lr_fn"]}
