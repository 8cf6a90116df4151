"""ember.optim.swa_utils (torch.optim.swa_utils): stochastic weight averaging (Izmailov et al., 2018) and
exponential moving averages of a model's weights — AveragedModel keeps the average, SWALR anneals the
learning rate to a constant SWA value, update_bn recomputes BatchNorm statistics for the averaged weights."""
import itertools
import math
from copy import deepcopy

import ember
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _format_param

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
           "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _is_float(t):
    return t.is_floating_point() or t.is_complex()


def get_ema_multi_avg_fn(decay=0.999):
    """An update of a list of averages in place: W_ema ← decay·W_ema + (1 − decay)·W_model."""
    _check_decay(decay)

    @ember.no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        for a, c in zip(ema_param_list, current_param_list):
            a.lerp_(c, 1 - decay) if _is_float(ema_param_list[0]) else a.copy_(a * decay + c * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An update of a list of averages in place: the running mean W_swa ← W_swa + (W_model − W_swa) / (n + 1)."""
    @ember.no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if _is_float(averaged_param_list[0]):
            weight = float(1 / (num_averaged + 1))  # for a tensor count, a float32 weight as in torch
            for a, c in zip(averaged_param_list, current_param_list):
                a.lerp_(c, weight)
        else:
            for a, c in zip(averaged_param_list, current_param_list):
                a.add_((c - a) / (num_averaged + 1) if isinstance(num_averaged, ember.Tensor)
                       else (c - a) * (1.0 / (num_averaged + 1)))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """The new average of one tensor: decay·W_ema + (1 − decay)·W_model."""
    _check_decay(decay)

    @ember.no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The new average of one tensor: W_swa + (W_model − W_swa) / (n + 1)."""
    @ember.no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of `model` whose parameters (and, with use_buffers, buffers) hold an average of the weights passed
    to update_parameters: the running mean by default (SWA), or what avg_fn / multi_avg_fn compute (e.g. EMA).
    The count lives in the buffer n_averaged; forward runs the averaged copy (torch.optim.swa_utils.AveragedModel)."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", ember.tensor(0, dtype=ember.long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, model):
        """(averaged, source) tensor pairs, detached: parameters, and buffers too with use_buffers."""
        if self.use_buffers:
            return zip(itertools.chain(self.module.parameters(), self.module.buffers()),
                       itertools.chain(model.parameters(), model.buffers()))
        return zip(self.parameters(), model.parameters())

    def update_parameters(self, model):
        """Fold model's current weights into the average (the first call copies them)."""
        pairs = [(a.detach(), m.detach().to(a.device)) for a, m in self._averaged(model)]
        n = int(self.n_averaged)
        with ember.no_grad():
            if n == 0:
                for a, m in pairs:
                    a.copy_(m)
            elif self.multi_avg_fn is not None:
                for group in _by_dtype(pairs):  # one call per dtype, as torch groups its foreach calls
                    self.multi_avg_fn([a for a, _ in group], [m for _, m in group], self.n_averaged)
            else:  # torch's CPU path: one tensor at a time (the running mean by default)
                avg_fn = self.avg_fn or get_swa_avg_fn()
                for a, m in pairs:
                    a.copy_(avg_fn(a, m, self.n_averaged))
            if not self.use_buffers:  # buffers (BatchNorm statistics) follow the source model
                for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                    b_avg.detach().copy_(b_model.detach().to(b_avg.device))
            self.n_averaged += 1


def _by_dtype(pairs):
    groups = {}
    for a, m in pairs:
        groups.setdefault(a.dtype, []).append((a, m))
    return groups.values()


@ember.no_grad()
def update_bn(loader, model, device=None):
    """Recompute every BatchNorm's running mean and variance as the plain average over one pass of `loader`
    (for weights that were averaged rather than trained); a batch that is a list/tuple feeds its first item."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None  # a cumulative average over the batches
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to its swa_lr over anneal_epochs steps ('cos' or 'linear'), then hold it
    (torch.optim.swa_utils.SWALR)."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for value, group in zip(_format_param("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        """The lr the schedule started from, recovered from the current lr at annealing fraction alpha."""
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        self._warn_get_lr()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha) for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self):
        """Every attribute except the optimizer and the annealing function (rebuilt from its name on load)."""
        return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
