"""torch.profiler on Ember: `profile` times every op Ember dispatches, by the names PyTorch gives them
(aten::addmm, aten::relu, ... and the backward nodes under autograd::engine::evaluate_function).

While a profile records, Ember's op functions (wherever Ember binds them), Tensor's methods and operators
and the backward nodes are swapped for timing wrappers; the originals return when it stops, so code
outside a profile runs at full speed. An op reached through another entry of the same name (F.relu
calling ember.relu) is timed once."""
import enum
import functools
import os
import socket
import threading
import time

from .._swap import Swap, resolve
from .._tensor import Tensor
from .events import EventList, FunctionEvent

_active = [None]  # the recording profile, if any

# Ember entry points whose aten name differs from theirs
_ATEN_NAMES = {"cross_entropy": "cross_entropy_loss", "__getitem__": "index", "__setitem__": "index_put_",
               "__truediv__": "div", "__rtruediv__": "div", "__itruediv__": "div_", "__floordiv__": "floor_divide",
               "__rfloordiv__": "floor_divide", "__ifloordiv__": "floor_divide_", "__mod__": "remainder",
               "__rmod__": "remainder", "__and__": "bitwise_and", "__or__": "bitwise_or", "__xor__": "bitwise_xor",
               "__invert__": "bitwise_not", "__abs__": "abs", "__neg__": "neg", "__rmatmul__": "matmul",
               "__rpow__": "pow", "__rsub__": "rsub"}


def _aten_name(name):
    if name in _ATEN_NAMES:
        return "aten::" + _ATEN_NAMES[name]
    if name.startswith("__") and name.endswith("__"):
        core = name[2:-2]
        if core.startswith("i") and core[1:] in ("add", "sub", "mul", "pow", "and", "or", "xor", "matmul"):
            return "aten::" + core[1:] + "_"
        if core.startswith("r") and core[1:] in ("add", "sub", "mul", "and", "or", "xor"):
            return "aten::" + core[1:]
        return "aten::" + core
    return "aten::" + name


def _shape_of(x):
    if isinstance(x, Tensor):
        return list(x._data.shape)
    if isinstance(x, (list, tuple)) and x and all(isinstance(y, Tensor) for y in x):
        return [list(y._data.shape) for y in x]
    return []


def _nbytes(out):
    if isinstance(out, Tensor):
        return out._data.nbytes
    if isinstance(out, (list, tuple)):
        return sum(_nbytes(o) for o in out)
    return 0


class _Recording:
    """The events of one recording span: a stack of open calls and the list of all, in start order."""

    def __init__(self, record_shapes, profile_memory):
        self.record_shapes, self.profile_memory = record_shapes, profile_memory
        self.stack, self.events = [], []
        self.origin = time.perf_counter_ns()

    def open(self, name, args=(), user=False):
        evt = FunctionEvent(name, 0.0, 0.0, [_shape_of(a) for a in args] if self.record_shapes else [], user,
                            threading.get_ident() % 100000)
        if self.stack:
            evt.cpu_parent = self.stack[-1]
            self.stack[-1].cpu_children.append(evt)
        self.stack.append(evt)
        self.events.append(evt)
        evt.start_us = (time.perf_counter_ns() - self.origin) / 1000.0
        return evt

    def close(self, evt, out=None):
        evt.end_us = (time.perf_counter_ns() - self.origin) / 1000.0
        if self.profile_memory:
            evt.cpu_memory_usage = _nbytes(out) + sum(c.cpu_memory_usage for c in evt.cpu_children)
        if self.stack and self.stack[-1] is evt:
            self.stack.pop()

    def call(self, fn, name, args, kwargs):
        if self.stack and self.stack[-1].name == name:  # the same op through a second entry point
            return fn(*args, **kwargs)
        evt = self.open(name, args)
        out = None
        try:
            out = fn(*args, **kwargs)
            return out
        finally:
            self.close(evt, out)


def _timed(fn, name):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        rec = _active[0]
        if rec is None:
            return fn(*args, **kwargs)
        return rec.call(fn, name, args, kwargs)
    return run


def _timing_table():
    """id(original function) -> (it, its aten name): every ember.<op>, nn.functional function and Tensor op."""
    from .. import _ops
    from ..nn import functional as F
    table = {}
    for name, fn in _ops.FUNCTIONS.items():
        fn = resolve(fn)
        for f in (fn, getattr(fn, "__wrapped__", None)):  # the out= wrapper and the method it wraps
            if callable(f) and id(f) not in table:
                table[id(f)] = (f, _aten_name(name))
    for name, fn in vars(F).items():
        fn = resolve(fn)
        if callable(fn) and not isinstance(fn, type) and not name.startswith("_") and id(fn) not in table \
                and getattr(fn, "__module__", "").startswith("ember."):
            table[id(fn)] = (fn, _aten_name(name))
    for name, fn in vars(Tensor).items():
        fn = resolve(fn)
        if type(fn) is type(_timing_table) and id(fn) not in table and fn.__module__.startswith("ember._ops"):
            table[id(fn)] = (fn, _aten_name(name))
    return table


_swap = Swap(_timing_table, _timed, classes=(Tensor,))


def _node_classes():
    from ..autograd import graph
    seen, todo = [], [graph.Node]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            seen.append(sub)
            todo.append(sub)
    return seen


def _timed_backward(cls, backward):
    outer, inner = "autograd::engine::evaluate_function: " + cls.__name__, cls.__name__

    def run(self, *grads):
        rec = _active[0]
        if rec is None:
            return backward(self, *grads)
        evt, node = rec.open(outer), rec.open(inner)  # torch lists no input shapes for either
        try:
            return backward(self, *grads)
        finally:
            rec.close(node)
            rec.close(evt)
    return run


class _BackwardSwap:
    """Each backward node class's `backward` timed under its own name while recording."""

    def __init__(self):
        self.saved = []

    def install(self):
        for cls in _node_classes():
            if "backward" in vars(cls) or hasattr(cls, "backward"):
                own = vars(cls).get("backward")
                self.saved.append((cls, own))
                cls.backward = _timed_backward(cls, own if own is not None else cls.backward)

    def uninstall(self):
        for cls, own in reversed(self.saved):
            if own is None:
                del cls.backward
            else:
                cls.backward = own
        self.saved = []


_backward_swap = _BackwardSwap()


# ---------------------------------------------------------------------- schedule
class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


def supported_activities():
    return {ProfilerActivity.CPU}


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """torch.profiler.schedule: step number -> ProfilerAction (skip_first steps, then cycles of wait,
    warmup and active steps, the last active step of each cycle saving; `repeat` cycles, 0 = forever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError("Invalid profiler schedule arguments")
    cycle = wait + warmup + active

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Invalid step number: {step}")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait and step < wait:  # the first cycle's wait is skipped
            pass
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        mod = step % cycle
        if mod < wait:
            return ProfilerAction.NONE
        if mod < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return schedule_fn


def _always_record(step):
    return ProfilerAction.RECORD


# ---------------------------------------------------------------------- profile
class profile:
    """torch.profiler.profile: a context manager timing Ember's ops on the CPU.

    Without a schedule the whole block is recorded; with one, `step()` moves through its actions, each
    active cycle ending in `on_trace_ready(prof)`. Results: `events()`, `key_averages()`, `export_chrome_trace`."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None):
        self.activities = set(activities) if activities else supported_activities()
        self.schedule = schedule if schedule is not None else _always_record
        self._has_schedule = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.step_num = 0
        self.current_action = self.schedule(0)
        self._recording = None
        self._step_event = None
        self.profiler = self  # torch's profile.profiler is the legacy profile holding the results
        self._events = EventList()

    # --- recording spans
    def _start_recording(self):
        if _active[0] is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        self._recording = _Recording(self.record_shapes, self.profile_memory)
        _swap.install()
        _backward_swap.install()
        _active[0] = self._recording
        if self._has_schedule:
            self._step_event = self._recording.open("ProfilerStep*", user=True)

    def _stop_recording(self):
        rec = self._recording
        if self._step_event is not None:
            rec.close(self._step_event)
            self._step_event = None
        _active[0] = None
        _backward_swap.uninstall()
        _swap.uninstall()
        for evt in rec.stack:  # calls still open (a record_function left open) end now
            rec.close(evt)
        self._events = EventList(rec.events, profile_memory=self.profile_memory, with_shapes=self.record_shapes)
        self._recording = None

    def _recording_action(self, action):
        return action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

    def start(self):
        if self._recording_action(self.current_action):
            self._start_recording()
        return self

    def stop(self):
        if self._recording is not None:
            self._stop_recording()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def step(self):
        """Mark the end of a training step: the schedule decides what the next one records."""
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        if self._recording is not None:
            if prev is ProfilerAction.RECORD_AND_SAVE or not self._recording_action(self.current_action):
                self.stop()
            else:  # the next step of the same active cycle
                self._recording.close(self._step_event)
                self._step_event = self._recording.open("ProfilerStep*", user=True)
                return
        if self._recording_action(self.current_action):
            self._start_recording()

    # --- results
    def events(self):
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self._events.key_averages(group_by_input_shape, group_by_stack_n)

    @property
    def self_cpu_time_total(self):
        return self._events.self_cpu_time_total

    def table(self, **kwargs):
        return self._events.table(**kwargs)

    def export_chrome_trace(self, path):
        self._events.export_chrome_trace(path)

    def __str__(self):
        return self._events.table()


class record_function:
    """torch.profiler.record_function(name): a labelled span in the profile (context manager or decorator)."""

    def __init__(self, name, args=None):
        self.name, self.args = name, args
        self._evt, self._rec = None, None

    def __enter__(self):
        rec = _active[0]
        if rec is not None:
            self._rec, self._evt = rec, rec.open(self.name, user=True)
        return self

    def __exit__(self, *exc):
        if self._evt is not None:
            self._rec.close(self._evt)
            self._evt = self._rec = None
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return run


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An on_trace_ready callback writing each trace to dir_name/<worker>.<ms>.pt.trace.json(.gz)."""
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        path = os.path.join(dir_name, f"{worker}.{time.time_ns() // 1_000_000}.pt.trace.json")
        prof.export_chrome_trace(path)
        if use_gzip:
            import gzip
            import shutil
            with open(path, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.remove(path)
    return handler
