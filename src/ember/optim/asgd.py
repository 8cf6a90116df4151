"""ASGD (torch.optim.ASGD): SGD with a decaying step size and a running (Polyak-Ruppert) average of the
iterates (Polyak & Juditsky, 1992)."""
import ember
from .optimizer import Optimizer, _check_lr, _check_nonnegative, _grad, _increment, _scalar_tensor

__all__ = ["ASGD"]


def _asgd(param, grad, ax, *, eta, mu, lambd, weight_decay, maximize):
    """One ASGD update of a parameter's arrays, in place (eta and mu are this step's step size and averaging
    weight)."""
    grad = _grad(grad, param, maximize, weight_decay)        # g_t (+ λθ)
    param *= 1 - lambd * eta                                 # θ_t = (1 − λ·η_t)·θ_{t−1} − η_t·g_t
    param += -eta * grad
    if mu != 1:                                              # a_t = a_{t−1} + μ_t·(θ_t − a_{t−1})
        ax += (param - ax) * mu
    else:
        ax[...] = param


class ASGD(Optimizer):
    """Averaged SGD (torch.optim.ASGD).

    For t = 1, 2, ...:  g ← ∇f(θ) (−∇f to maximize) + wd·θ;  θ ← (1 − λη)θ − ηg;  a ← a + μ(θ − a);
    then η ← γ / (1 + λγt)^α and μ ← 1 / max(1, t − t0). The average lives in state['ax']."""

    _rule = staticmethod(_asgd)
    _options = ("lambd", "weight_decay", "maximize")
    _state_keys = ("ax",)
    _scalar_state = ("step", "eta", "mu")  # 0-d tensors, as torch keeps them

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
                 differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = _scalar_tensor(0.0)
        state["eta"] = _scalar_tensor(float(group["lr"]))
        state["mu"] = _scalar_tensor(1.0)
        state["ax"] = ember.zeros_like(p)

    def _operands(self, param, grad, state, group):
        # this step uses the stored eta and mu; the state then holds the next step's (0-d, in the scalar dtype)
        step = _increment(state["step"])
        eta, mu = float(state["eta"]._data), float(state["mu"]._data)
        lr = float(group["lr"])
        state["eta"]._data.fill(lr / ((1 + group["lambd"] * lr * step) ** group["alpha"]))
        state["mu"]._data.fill(1 / max(1, step - group["t0"]))
        return (param, grad, state["ax"]._data), {"eta": eta, "mu": mu}
