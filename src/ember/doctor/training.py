"""Checks of the training step: backward, zero_grad, step, the lr schedule, the loss's course.

Ids: no-zero-grad, zero-grad-after-backward, no-step, detached-loss, frozen-params-in-optimizer,
lr-schedule-before-step, diverging-loss, loss-graph-kept, optimizer-in-loop; draws --graph."""
import collections
import math
import statistics
import weakref

from ..autograd import graph
from ..nn.modules.module import Module
from ..optim import lr_scheduler, optimizer as optimizer_module
from ..optim.optimizer import Optimizer
from .._tensor import Tensor
from .session import where

KEPT_STEPS = 3      # loss graphs alive this many backward passes later count as kept...
KEPT_REPEATS = 3    # ...this many times in a row before the finding is certain
GROWTH = 100.0      # losses this many times the first ones (and above 10) are diverging...
SPAN = 5            # ...compared as the medians of the first and the latest this many (one spike is no trend)


class _OptimizerState:
    __slots__ = ("name", "where", "steps", "backwards_at_step", "cleared_at", "cleared_where", "params")

    def __init__(self, opt, at):
        self.name = type(opt).__name__
        self.where = at
        self.steps = 0
        self.backwards_at_step = 0   # doctor.backwards when it last stepped
        self.cleared_at = -1         # doctor.backwards when its gradients were last cleared
        self.cleared_where = None
        self.params = [p for g in opt.param_groups for p in g["params"]]


def install(doctor):
    doctor.optimizers = weakref.WeakKeyDictionary()   # optimizer -> _OptimizerState
    doctor.optimizer_states = []   # every optimizer's state, kept after the optimizer is gone for finish()
    doctor.consumed = {}     # id(param) -> the gradient a step applied to it
    doctor.stale = {}        # id(param) -> (grad, backward place): a new backward added onto a consumed gradient
    doctor.losses = {}       # backward place -> (its first losses, its latest losses)
    doctor.loss_nodes = collections.deque(maxlen=KEPT_STEPS + 1)
    doctor.kept_in_a_row = 0
    doctor.drawn = False
    doctor.retained = 0      # backward passes that kept their graph (retain_graph=True)

    def state_of(opt):
        st = doctor.optimizers.get(opt)
        if st is None:
            st = doctor.optimizers[opt] = _OptimizerState(opt, ("<unknown>", 0))
            doctor.optimizer_states.append(st)
        return st

    def make_init(init):
        def __init__(self, *args, **kwargs):
            init(self, *args, **kwargs)
            st = doctor.optimizers[self] = _OptimizerState(self, where())
            doctor.safely(_check_recreated, doctor, self, st)
            doctor.optimizer_states.append(st)
        return __init__
    doctor.patch(Optimizer, "__init__", make_init)

    def make_backward(backward):
        def backward_(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
            doctor.safely(_before_backward, doctor, self)
            doctor.retained += bool(retain_graph or create_graph)
            return backward(self, gradient, retain_graph, create_graph, inputs)
        return backward_
    doctor.patch(Tensor, "backward", make_backward)

    def make_accumulate(accumulate):
        consumed, stale = doctor.consumed, doctor.stale

        def _accumulate(var, g, create_graph, given):
            old = var.grad
            if old is not None and consumed.get(id(var)) is old:
                del consumed[id(var)]
                if old._data.any():  # still holds the batch a step already applied
                    stale[id(var)] = (old, doctor.backward_where)
            return accumulate(var, g, create_graph, given)
        return _accumulate
    doctor.patch(graph, "_accumulate", make_accumulate)

    def cleared(params, at):
        ids = _IdSet(params)
        for st in list(doctor.optimizers.values()):
            if any(p in ids for p in st.params):
                st.cleared_at, st.cleared_where = doctor.backwards, at
        for p in params:
            doctor.stale.pop(id(p), None)
            doctor.consumed.pop(id(p), None)

    def make_zero_grad(zero_grad):
        def zero_grad_(self, set_to_none=True):
            params = (list(self.parameters()) if isinstance(self, Module)
                      else [p for g in self.param_groups for p in g["params"]])
            doctor.safely(cleared, params, where())
            return zero_grad(self, set_to_none)
        return zero_grad_
    doctor.patch(Optimizer, "zero_grad", make_zero_grad)
    doctor.patch(Module, "zero_grad", make_zero_grad)

    def before(opt, args, kwargs):
        doctor.safely(_before_step, doctor, state_of(opt))

    def after(opt, args, kwargs):
        doctor.safely(_after_step, doctor, state_of(opt))
    doctor.hooks = [optimizer_module.register_optimizer_step_pre_hook(before),
                    optimizer_module.register_optimizer_step_post_hook(after)]

    def make_scheduler_step(step):
        def step_(self, *args, **kwargs):
            if not self._is_initial:
                opt_state = doctor.optimizers.get(self.optimizer)
                if opt_state is not None and opt_state.steps == 0:
                    doctor.report("lr-schedule-before-step",
                                  f"{type(self).__name__}.step() ran before any {type(self.optimizer).__name__}.step() "
                                  f"(learning rate now {self.optimizer.param_groups[0]['lr']:.3g})")
            return step(self, *args, **kwargs)
        return step_
    for cls in _subclasses(lr_scheduler.LRScheduler):
        if "step" in cls.__dict__:
            doctor.patch(cls, "step", make_scheduler_step)


def uninstall(doctor):
    for handle in doctor.hooks:
        handle.remove()


class _IdSet:
    """Membership by identity (tensors compare elementwise, so `in` a list would not do)."""
    def __init__(self, items):
        self.ids = {id(x) for x in items}

    def __contains__(self, x):
        return id(x) in self.ids


def _subclasses(cls):
    out = [cls]
    for sub in cls.__subclasses__():
        out.extend(_subclasses(sub))
    return out


def _check_recreated(doctor, opt, st):
    """optimizer-in-loop: a third optimizer over the same parameters, after the earlier ones stepped."""
    ids = {id(p) for p in st.params}
    earlier = [s for s in doctor.optimizer_states if s.name == st.name and {id(p) for p in s.params} == ids]
    stateful = st.name != "SGD" or any(g.get("momentum", 0) for g in opt.param_groups)
    if stateful and len(earlier) >= 2 and all(s.steps for s in earlier):
        doctor.report("optimizer-in-loop", f"this is {st.name} number {len(earlier) + 1} over the same "
                                           f"{len(ids)} parameters; the earlier ones made "
                                           f"{', '.join(str(s.steps) for s in earlier[-3:])} step(s) each, so its "
                                           "running state (momentum, averages) keeps starting from zero", st.where)


def _before_backward(doctor, loss):
    at = doctor.backward_where = where()
    doctor.backwards += 1
    if doctor.graph and not doctor.drawn and loss.grad_fn is not None:
        doctor.drawn = True
        from ..autograd.draw import draw_graph
        params = {}
        for model in list(doctor.models.values()):
            params.update(dict(model.named_parameters()))
        draw_graph(loss, doctor.graph, params=params)
    if loss.numel() != 1:
        return
    if loss.grad_fn is None and loss.requires_grad:
        doctor.report("detached-loss", f"the loss ({float(loss):.4g}) is a leaf tensor with requires_grad=True but no "
                                       "grad_fn: it was made anew, not computed from the model", at)
        return
    if loss.grad_fn is None:
        return
    _watch_graph(doctor, loss.grad_fn, at)
    value = float(loss)
    if not math.isfinite(value):
        doctor.report("diverging-loss", f"the loss is {value} at backward pass {doctor.backwards}"
                      + _first(doctor, at), at)
        return
    first, latest = doctor.losses.setdefault(at, ([], collections.deque(maxlen=SPAN)))
    if len(first) < SPAN:
        first.append(value)
    latest.append(value)
    if len(latest) == SPAN and len(doctor.losses[at][0]) == SPAN:
        before, now = statistics.median(first), statistics.median(latest)
        if before > 0 and now > GROWTH * before and now > 10:
            doctor.report("diverging-loss", f"the loss grew from {before:.4g} (median of the first {SPAN} steps) to "
                                            f"{now:.4g} (median of the last {SPAN}) at backward pass "
                                            f"{doctor.backwards}", at)


def _first(doctor, at):
    first = doctor.losses.get(at, ((),))[0]
    return "" if not first else f" (it was {first[0]:.4g} at the first step)"


def _watch_graph(doctor, node, at):
    """loss-graph-kept: the loss graphs of earlier steps should be gone a few steps later."""
    nodes = doctor.loss_nodes
    if len(nodes) == nodes.maxlen:
        old, old_at = nodes[0]
        doctor.kept_in_a_row = doctor.kept_in_a_row + 1 if old() is not None else 0
        if doctor.kept_in_a_row >= KEPT_REPEATS:
            alive = sum(ref() is not None for ref, _ in nodes)
            doctor.report("loss-graph-kept", f"the graphs of {doctor.kept_in_a_row} losses in a row were still alive "
                                             f"{KEPT_STEPS} backward passes later: something keeps the loss "
                                             "tensors, and with them everything they were computed from", old_at)
    nodes.append((weakref.ref(node), at))


def _before_step(doctor, st):
    at = where()
    if st.steps == 0:
        frozen = [p for p in st.params if not p.requires_grad]
        if frozen:
            doctor.report("frozen-params-in-optimizer",
                          f"{len(frozen)} of the optimizer's {len(st.params)} parameter tensors "
                          f"({sum(p.numel() for p in frozen):,} of {sum(p.numel() for p in st.params):,} values) "
                          f"have requires_grad=False, e.g. {doctor.param_name(frozen[0])}", st.where)
    new_backward = doctor.backwards > st.backwards_at_step
    if new_backward and st.cleared_at == doctor.backwards and st.cleared_where is not None:
        if all(p.grad is None or not p.grad._data.any() for p in st.params):
            doctor.report("zero-grad-after-backward",
                          f"backward() at line {doctor.backward_where[1]} made gradients, zero_grad() at line "
                          f"{st.cleared_where[1]} erased them, then step() at line {at[1]} found only "
                          "None/zero gradients", st.cleared_where)
    elif new_backward and all(p.grad is None for p in st.params):
        doctor.report("detached-loss", f"backward() ran ({doctor.backwards} times so far) yet none of the "
                                       f"optimizer's {len(st.params)} parameters has a .grad at step()",
                      doctor.backward_where)
    stale = doctor.stale
    if stale:
        for p in st.params:
            entry = stale.get(id(p))
            if entry is not None and entry[0] is p.grad:
                doctor.report("no-zero-grad",
                              f"at step {st.steps + 1}, the gradient of {doctor.param_name(p)} still held the "
                              "batch the previous step() applied when backward() added this batch onto it",
                              entry[1])
                break


def _after_step(doctor, st):
    st.steps += 1
    doctor.steps += 1
    st.backwards_at_step = doctor.backwards
    consumed, stale = doctor.consumed, doctor.stale
    for p in st.params:
        g = p.grad
        stale.pop(id(p), None)
        if g is not None:
            consumed[id(p)] = g


def finish(doctor):
    if doctor.backwards < 2:
        return
    stepped = {id(p) for st in doctor.optimizer_states if st.steps for p in st.params}
    for st in doctor.optimizer_states:
        # parameters with gradients that no optimizer ever applied (an unused spare optimizer is no mistake)
        idle = [p for p in st.params if p.grad is not None and id(p) not in stepped] if st.steps == 0 else []
        if idle:
            doctor.report("no-step", f"{doctor.backwards} backward passes ran and {st.name}.step() was never "
                                     f"called: {len(idle)} parameter tensors hold gradients that were never "
                                     "applied", st.where)
