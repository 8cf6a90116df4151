"""Checks of what goes into the loss functions (module losses call these same functions).

Ids: double-softmax, nll-without-log-softmax, sigmoid-bce, target-broadcast, labels-out-of-range."""
import functools

import numpy as np

from ..nn import functional as F

# losses comparing a prediction with a target of the same shape, elementwise
ELEMENTWISE = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
               "binary_cross_entropy_with_logits")
TOLERANCE = 1e-3   # a row sums to 1 (probabilities) or its logsumexp is 0 (log-probabilities) within this
VALUE_CHECKS = 5   # calls of each loss whose scores are looked at; the graph is looked at on every call
# sigmoid-bce: at least this share of wrong-side saturated predictions among at least this many (a few
# saturate now and then in a healthy run: up to 0.5% in the first epochs of the course's Pima MLP)
SATURATED, PREDICTIONS = 0.05, 500


def install(doctor):
    doctor.in_loss = False
    doctor.loss_calls = dict.fromkeys(("cross_entropy", "nll_loss"), 0)
    doctor.bce_predictions = doctor.bce_saturated = 0
    for name in ELEMENTWISE + ("cross_entropy", "nll_loss"):
        doctor.patch(F, name, lambda original, name=name: _observed(doctor, name, original))


def uninstall(doctor):
    pass


def finish(doctor):
    pass


def _observed(doctor, name, loss):
    check = CHECKS[name]

    @functools.wraps(loss)
    def observed(input, target, *args, **kwargs):
        if doctor.in_loss:  # a loss computed by another (cross_entropy through nll_loss)
            return loss(input, target, *args, **kwargs)
        doctor.in_loss = True
        try:
            doctor.safely(check, doctor, name, input, target, kwargs)
            return loss(input, target, *args, **kwargs)
        finally:
            doctor.in_loss = False
    doctor.loss_calls = dict.fromkeys(("cross_entropy", "nll_loss"), 0)
    doctor.bce_predictions = doctor.bce_saturated = 0
    return observed


def _grad_fn_name(t):
    fn = getattr(t, "grad_fn", None)
    return type(fn).__name__ if fn is not None else None


def _class_rows(x):
    """The class scores of x (N, C, ...) or (C,) as an array (rows, C)."""
    a = np.asarray(x._data, dtype=np.float64)
    if a.ndim == 1:
        return a[None]
    return np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])


def _looks_like(rows):
    """'probabilities', 'log-probabilities' or None for rows of class scores."""
    if rows.size == 0 or rows.shape[1] < 2:
        return None
    if (rows >= 0).all() and np.abs(rows.sum(1) - 1).max() < TOLERANCE:
        return "probabilities"
    if (rows <= 0).all() and np.abs(np.log(np.exp(rows).sum(1))).max() < TOLERANCE:
        return "log-probabilities"
    return None


def _counted(doctor, name):
    """Whether this call of the loss still gets its values looked at."""
    doctor.loss_calls[name] += 1
    return doctor.loss_calls[name] <= VALUE_CHECKS


def _check_labels(doctor, input, target, kwargs):
    if target.is_floating_point() or target.numel() == 0 or input.dim() == 0:
        return
    classes = input.shape[0] if input.dim() == 1 else input.shape[1]
    labels = np.asarray(target._data)
    labels = labels[labels != kwargs.get("ignore_index", -100)]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        doctor.report("labels-out-of-range", f"the labels run from {labels.min()} to {labels.max()} but the output "
                                             f"{tuple(input.shape)} has {classes} classes (0 .. {classes - 1})")


def _check_cross_entropy(doctor, name, input, target, kwargs):
    _check_labels(doctor, input, target, kwargs)
    made_by = _grad_fn_name(input)
    kind = {"SoftmaxBackward0": "probabilities", "LogSoftmaxBackward0": "log-probabilities"}.get(made_by)
    if not kind and _counted(doctor, name):
        kind = _looks_like(_class_rows(input))
    if kind:
        doctor.report("double-softmax", f"cross_entropy got {kind} {tuple(input.shape)}"
                      + (f" made by {made_by}" if made_by else "") + ", not raw scores (logits)")


def _check_nll(doctor, name, input, target, kwargs):
    _check_labels(doctor, input, target, kwargs)
    made_by = _grad_fn_name(input)
    if made_by == "LogSoftmaxBackward0" or not (made_by == "SoftmaxBackward0" or _counted(doctor, name)):
        return
    rows = _class_rows(input)
    kind = _looks_like(rows)
    if made_by == "SoftmaxBackward0" or kind == "probabilities":
        doctor.report("double-softmax", f"nll_loss got probabilities {tuple(input.shape)}"
                      + (f" made by {made_by}" if made_by else "") + " (all >= 0, rows summing to 1), "
                      "not log-probabilities")
    elif kind is None and rows.size and rows.shape[1] > 1:
        doctor.report("nll-without-log-softmax", f"nll_loss got scores {tuple(input.shape)} whose rows are not "
                                                 f"log-probabilities (largest value {rows.max():.3g}; exp of a row "
                                                 f"sums to {np.exp(rows[0]).sum():.3g}, not 1)")


def _check_elementwise(doctor, name, input, target, kwargs):
    shape, target_shape = tuple(getattr(input, "shape", ())), tuple(getattr(target, "shape", ()))
    if shape != target_shape:
        try:
            broadcast = np.broadcast_shapes(shape, target_shape)
        except ValueError:
            broadcast = None
        doctor.report("target-broadcast", f"{name} got input {shape} and target {target_shape}"
                      + (f", broadcast to {broadcast}: {int(np.prod(broadcast)):,} comparisons instead of "
                         f"{int(np.prod(shape)):,}" if broadcast is not None else ""))
    if name.startswith("binary_cross_entropy") and getattr(target, "numel", lambda: 0)():
        values = np.asarray(target._data)
        low, high = float(values.min()), float(values.max())
        if low < 0 or high > 1:  # BCELoss refuses these; BCEWithLogitsLoss computes a meaningless loss
            doctor.report("labels-out-of-range", f"{name} got targets from {low:g} to {high:g}; binary targets "
                                                 "are 0 or 1 (or probabilities between)")
    if name == "binary_cross_entropy" and _grad_fn_name(input) == "SigmoidBackward0" and shape == target_shape:
        p, y = np.asarray(input._data), np.asarray(target._data)
        doctor.bce_predictions += p.size
        doctor.bce_saturated += int(((p == 1) & (y == 0)).sum() + ((p == 0) & (y == 1)).sum())
        seen, wrong = doctor.bce_predictions, doctor.bce_saturated
        if seen >= PREDICTIONS and wrong >= SATURATED * seen:
            doctor.report("sigmoid-bce", f"{wrong:,} of the {seen:,} predictions so far were exactly 0.0 or 1.0 "
                                         "on the wrong side: each costs the clamped 100 and passes no gradient "
                                         "back through the Sigmoid")


CHECKS = {"cross_entropy": _check_cross_entropy, "nll_loss": _check_nll,
          **{name: _check_elementwise for name in ELEMENTWISE}}
