"""SparseAdam (torch.optim.SparseAdam): Adam for sparse gradients, updating only the moments of the entries a
gradient touches. Ember has no sparse tensors, so every gradient is dense, which SparseAdam refuses as torch's
does; the class exists for its signature, validation and that error."""
from .optimizer import Optimizer, _check_betas, _check_lr, _check_nonnegative, _closure_loss

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """SparseAdam (torch.optim.SparseAdam): refuses dense gradients (all of Ember's) at step, as torch does."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_betas(betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)
        complex_params = [[i, j] for i, group in enumerate(self.param_groups) for j, p in enumerate(group["params"])
                          if p.is_complex()]
        if complex_params:
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not support complex "
                             f"parameters")

    def step(self, closure=None):
        """Run the closure, then refuse the (dense) gradients."""
        loss = _closure_loss(closure)
        if any(p.grad is not None for group in self.param_groups for p in group["params"]):
            raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        return loss
