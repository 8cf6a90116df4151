"""ember.jit: torch.jit's entry points, run eagerly.

Ember has no TorchScript compiler: `script` and `trace` hand back the module or function itself (`trace`
runs it once on the example inputs, as torch does), so it gives the same numbers. `save` writes the
scripted module as a whole-module Ember checkpoint and `load` reads it back (not TorchScript archives)."""
import weakref

__all__ = ["script", "trace", "trace_module", "save", "load", "ignore", "unused", "export", "is_scripting",
           "is_tracing", "annotate", "freeze", "optimize_for_inference", "Final", "ScriptModule", "ScriptFunction",
           "Attribute", "interface", "fork", "wait"]

_scripted = weakref.WeakSet()  # modules script/trace returned: the ones `save` accepts


def _mark(obj):
    try:
        _scripted.add(obj)
    except TypeError:  # a builtin or other object without weak references
        pass
    return obj


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """torch.jit.script: the module or function unchanged (Ember runs it eagerly)."""
    if not callable(obj):
        raise RuntimeError(f"Type '{type(obj).__name__}' cannot be compiled since it inherits from nn.Module, "
                           "pass an instance instead" if isinstance(obj, type) else
                           f"Cannot script an object of type {type(obj).__name__}")
    return _mark(obj)


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-05,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """torch.jit.trace: runs `func` once on the example inputs, then returns it (Ember runs it eagerly)."""
    if example_inputs is None and example_kwarg_inputs is None:
        raise TypeError("torch.jit.trace needs example_inputs (or example_kwarg_inputs) to run the function on")
    from .autograd.grad_mode import no_grad
    with no_grad():
        if example_kwarg_inputs is not None:
            func(**example_kwarg_inputs)
        else:
            func(*(example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)))
    return _mark(func)


def trace_module(mod, inputs, **kwargs):
    """torch.jit.trace_module: runs each named method once on its inputs, then returns the module."""
    for name, args in inputs.items():
        trace(getattr(mod, name), args)
    return _mark(mod)


def save(m, f, _extra_files=None):
    """torch.jit.save for a module `script`/`trace` returned: a whole-module Ember checkpoint."""
    if m not in _scripted:
        raise AttributeError(f"'{type(m).__name__}' object has no attribute 'save_to_buffer' (torch.jit.save needs "
                             "the module torch.jit.script or torch.jit.trace returned)")
    from .serialization import save as _save
    _save(m, f)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """torch.jit.load for a file `save` wrote (TorchScript archives made by PyTorch are not readable)."""
    from .serialization import load as _load
    return _mark(_load(f, map_location=map_location, weights_only=False))


def ignore(drop=False, **kwargs):
    """torch.jit.ignore, as a decorator with or without arguments: leaves the function as it is."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def interface(obj):
    return obj


def is_scripting():
    """False: Ember never compiles TorchScript, code always runs in Python."""
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


class _Future:
    __slots__ = ("_value",)

    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value


def fork(func, *args, **kwargs):
    """torch.jit.fork: runs func now; `wait` returns its result."""
    return _Future(func(*args, **kwargs))


def wait(future):
    return future.wait()


class Attribute:
    """torch.jit.Attribute(value, type): the value itself outside TorchScript."""

    def __new__(cls, value, type=None):
        return value


def __getattr__(name):
    if name == "Final":
        import typing
        return typing.Final
    if name in ("ScriptModule", "RecursiveScriptModule", "TopLevelTracedModule"):
        from .nn import Module
        return Module
    if name == "ScriptFunction":
        import types
        return types.FunctionType
    raise AttributeError(f"module 'ember.jit' has no attribute '{name}'")
