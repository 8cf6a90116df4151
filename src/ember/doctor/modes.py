"""Checks of the model's calls: train/eval mode, grad mode, the scale of its inputs.

Ids: eval-mode-missing, train-mode-missing, eval-without-no-grad, functional-dropout-in-eval,
unnormalized-input."""
import weakref

import numpy as np

from ..autograd.grad_mode import state as grad_state
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.dropout import _DropoutNd
from ..nn.modules.loss import _Loss
from ..nn import functional as F
from ..nn.modules.module import Module
from .._tensor import Tensor
from .session import where

WASTED = 3          # forward passes whose graphs died unused before eval-without-no-grad
INPUT_CHECKS = 2    # first calls of each model whose input scale is measured
# inputs with a root-mean-square above this are far from unit scale; the course's raw Pima features (up to
# ~120 in a batch of the real CSV) train well enough that the course uses them so: no finding
RMS_LIMIT = 300.0


class _ModelState:
    __slots__ = ("mode_layers", "calls", "watched", "wasted", "wasted_in_training", "trained_in_train_mode",
                 "__weakref__")

    def __init__(self, model):
        # the layers whose behaviour depends on train/eval: Dropout with p > 0 and BatchNorm
        self.mode_layers = [(name, m) for name, m in model.named_modules()
                            if (isinstance(m, _DropoutNd) and m.p > 0) or isinstance(m, _BatchNorm)]
        self.calls = 0
        self.watched = set()  # weak references to the graphs of its outputs, called back when they die
        self.wasted = self.wasted_in_training = 0
        self.trained_in_train_mode = False


def install(doctor):
    doctor.model_states = weakref.WeakKeyDictionary()
    doctor.pending_forwards = []   # (model, state, in eval-mode layers?, place) since the last step
    doctor.depth = 0
    doctor.no_grad_in_training = []   # (place, evidence) of passes under no_grad in training mode since the last step

    def make_call(call):
        def __call__(self, *args, **kwargs):
            if doctor.depth or isinstance(self, _Loss):
                return call(self, *args, **kwargs)
            doctor.depth, doctor.running = 1, self
            try:
                out = call(self, *args, **kwargs)
            finally:
                doctor.depth, doctor.running = 0, None
            doctor.safely(_after_forward, doctor, self, args, out)
            return out
        return __call__
    doctor.patch(Module, "__call__", make_call)
    doctor.running = None  # the top-level module being called

    def make_dropout(dropout):
        def observed(input, p=0.5, training=True, inplace=False):
            model = doctor.running
            if training and p > 0 and model is not None and not model.training:
                doctor.report("functional-dropout-in-eval",
                              f"{dropout.__name__}(p={p}) ran with training=True inside {type(model).__name__}, "
                              "which is in eval mode")
            return dropout(input, p, training, inplace)
        return observed
    for name in ("dropout", "dropout1d", "dropout2d", "dropout3d"):
        doctor.patch(F, name, make_dropout)

    from ..optim import optimizer as optimizer_module
    before = optimizer_module.register_optimizer_step_pre_hook(lambda *a: doctor.safely(_before_step, doctor))
    doctor.hooks.append(before)


def uninstall(doctor):
    pass


def finish(doctor):
    if doctor.no_grad_in_training:
        _report_no_grad_in_training(doctor)


def _after_forward(doctor, model, args, out):
    st = doctor.model_states.get(model)
    if st is None:
        st = doctor.model_states[model] = _ModelState(model)
        doctor.models[id(model)] = model
    st.calls += 1
    training_layers = [(n, m) for n, m in st.mode_layers if m.training]
    if not grad_state.enabled:
        if training_layers:
            _no_grad_in_training_mode(doctor, model, training_layers)
        return
    if st.calls <= INPUT_CHECKS and args and isinstance(args[0], Tensor):
        _check_scale(doctor, args[0])
    at = where()
    fn = getattr(out, "grad_fn", None)
    saved = getattr(fn, "__dict__", {})
    if saved.get("_saved") is not None:
        # backward() frees what a node saved; a graph that dies with its saved tensors was never used
        in_training, retained, name = bool(training_layers), doctor.retained, type(model).__name__

        def gone(ref):
            st.watched.discard(ref)
            if saved.get("_saved") is not None and doctor.retained == retained:
                doctor.safely(_graph_unused, doctor, name, st, in_training, at)
        st.watched.add(weakref.ref(fn, gone))
    if st.mode_layers and len(doctor.pending_forwards) < 64:  # a step has a few; inference needs none kept
        doctor.pending_forwards.append((model, st, len(training_layers) < len(st.mode_layers), at))


def _no_grad_in_training_mode(doctor, model, training_layers):
    """A pass under no_grad in training mode is an evaluation unless a step follows it (a GAN making its
    fakes under no_grad trains right after): certain at the second such pass in a row, or at the end."""
    name, layer = training_layers[0]
    doctor.no_grad_in_training.append((where(), f"under no_grad, {type(model).__name__} ran with "
                                                 f"{len(training_layers)} layer(s) in training mode, e.g. '{name}' "
                                                 f"= {layer}"))
    if len(doctor.no_grad_in_training) >= 2:
        _report_no_grad_in_training(doctor)


def _report_no_grad_in_training(doctor):
    at, evidence = doctor.no_grad_in_training[0]
    n = len(doctor.no_grad_in_training)
    doctor.report("eval-mode-missing", evidence + (f" ({n} such passes with no optimizer step between them)"
                                                   if n > 1 else " (and no optimizer step came after it)"), at)
    doctor.no_grad_in_training.clear()


def _graph_unused(doctor, name, st, in_training, at):
    st.wasted += 1
    st.wasted_in_training += in_training
    if st.wasted >= WASTED:
        doctor.report("eval-without-no-grad", f"{st.wasted} calls of {name} built autograd graphs that were "
                                              "freed without any backward() through them (grad mode was on)", at)
    if st.wasted_in_training >= WASTED:
        doctor.report("eval-mode-missing", f"{st.wasted_in_training} calls of {name} whose outputs were never "
                                           f"trained on ran with {len(st.mode_layers)} Dropout/BatchNorm layer(s) "
                                           "in training mode", at)


def _before_step(doctor):
    doctor.no_grad_in_training.clear()
    for model, st, some_in_eval, at in doctor.pending_forwards:
        if not some_in_eval:
            st.trained_in_train_mode = True
        elif st.trained_in_train_mode:
            names = [n for n, m in st.mode_layers if not m.training]
            doctor.report("train-mode-missing", f"{type(model).__name__} trained in train mode before, but this step's "
                                                f"forward ran with {len(names)} layer(s) in eval mode, e.g. "
                                                f"'{names[0]}'", at)
    doctor.pending_forwards.clear()


def _check_scale(doctor, x):
    if not x.is_floating_point() or x.numel() == 0:
        return
    a = np.asarray(x._data)
    sample = a.reshape(-1)[:100_000]
    rms = float(np.sqrt(np.mean(np.square(sample, dtype=np.float64))))
    pixels = sample.min() >= 0 and 100 < sample.max() <= 255 and np.array_equal(sample, np.round(sample))
    if rms > RMS_LIMIT or pixels:
        doctor.report("unnormalized-input", f"the input {tuple(x.shape)} has values from {sample.min():.4g} to "
                                            f"{sample.max():.4g} (root mean square {rms:.3g})"
                      + ("; whole numbers 0..255 look like raw pixel bytes" if pixels else ""))
