"""DataPipes (torch.utils.data.datapipes.datapipe): datasets built by chaining small stages.

`IterableWrapper(range(10)).map(f).filter(g).batch(4)` builds a graph of IterDataPipes; each stage
holds its source and does its one thing when iterated. Every stage class registered with
`functional_datapipe(name)` becomes a method of the pipes of its kind (`functions`), which is how
`.map`, `.batch`, `.shuffle`, ... exist. MapDataPipes are the indexable kind (`pipe[i]`).
"""
import functools
import inspect

from ..dataset import Dataset, IterableDataset

__all__ = ["DataChunk", "DFIterDataPipe", "IterDataPipe", "MapDataPipe"]


class _Functional:
    """What the two kinds share: the registry of functional forms, looked up by attribute."""
    functions: dict = {}
    getstate_hook = None
    reduce_ex_hook = None
    repr_hook = None
    str_hook = None

    def __getattr__(self, name):
        fn = type(self).functions.get(name)
        if fn is None:  # torch's message lacks the closing quote; kept, as programs may print it
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}")
        return functools.partial(fn, self)

    @classmethod
    def register_function(cls, function_name, function):
        cls.functions[function_name] = function

    @classmethod
    def register_datapipe_as_function(cls, function_name, cls_to_register):
        """`pipe.<function_name>(*args)` becomes `cls_to_register(pipe, *args)`."""
        if function_name in cls.functions:
            raise Exception(f"Unable to add DataPipe function name {function_name} as it is already taken")
        cls.functions[function_name] = functools.partial(_construct, cls_to_register)

    def __getstate__(self):
        if type(self).getstate_hook is not None:
            return type(self).getstate_hook(self)
        return self.__dict__

    def __reduce_ex__(self, *args, **kwargs):
        if type(self).reduce_ex_hook is not None:
            try:
                return type(self).reduce_ex_hook(self)
            except NotImplementedError:
                pass
        return super().__reduce_ex__(*args, **kwargs)

    @classmethod
    def set_getstate_hook(cls, hook_fn):
        if cls.getstate_hook is not None and hook_fn is not None:
            raise RuntimeError("Attempt to override existing getstate_hook")
        cls.getstate_hook = hook_fn

    @classmethod
    def set_reduce_ex_hook(cls, hook_fn):
        if cls.reduce_ex_hook is not None and hook_fn is not None:
            raise RuntimeError("Attempt to override existing reduce_ex_hook")
        cls.reduce_ex_hook = hook_fn

    def __repr__(self):
        return type(self).repr_hook(self) if type(self).repr_hook is not None else type(self).__qualname__

    def __str__(self):
        return type(self).str_hook(self) if type(self).str_hook is not None else type(self).__qualname__

    def __dir__(self):
        return list(super().__dir__()) + list(type(self).functions)


def _construct(cls, source, *args, **kwargs):
    return cls(source, *args, **kwargs)


class IterDataPipe(_Functional, IterableDataset):
    """torch.utils.data.IterDataPipe: an iterable stage of a DataPipe graph. An exception raised while a
    stage yields names the stage and its arguments, as torch's do."""
    functions: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fn = cls.__dict__.get("__iter__")
        if fn is not None and inspect.isgeneratorfunction(fn):
            cls.__iter__ = _naming_errors(fn)

    def reset(self):
        """Called when a new iteration starts; stages with state override it."""


def _naming_errors(generator_function):
    @functools.wraps(generator_function)
    def __iter__(self):
        try:
            yield from generator_function(self)
        except Exception as e:
            _add_stage(e, self)
            raise
    return __iter__


def _add_stage(error, pipe):
    """Append 'This exception is thrown by __iter__ of Stage(arg=value, ...)' to the error's message
    (once: the innermost stage names itself)."""
    where = "thrown by __iter__ of"
    params = set(inspect.signature(type(pipe)).parameters)
    args = ", ".join(f"{name}={value.__name__ if inspect.isfunction(value) else repr(value)}"
                     for name, value in inspect.getmembers(pipe) if name in params)
    note = f"\nThis exception is {where} {type(pipe).__name__}({args})"
    if not error.args or not isinstance(error.args[0], str):
        error.args = (note,)
    elif where not in error.args[0]:
        error.args = (error.args[0] + note,) + error.args[1:]


class DFIterDataPipe(IterDataPipe):
    """torch.utils.data.DFIterDataPipe: the marker class of DataFrame pipes (Ember has no DataFrame
    stages; the class exists so programs that test for it run)."""

    def _is_dfpipe(self):
        return True


class MapDataPipe(_Functional, Dataset):
    """torch.utils.data.MapDataPipe: an indexable stage of a DataPipe graph."""
    functions: dict = {}


class DataChunk(list):
    """torch.utils.data.DataChunk: the list a batching stage yields."""

    def __init__(self, items):
        super().__init__(items)
        self.items = items

    def as_str(self, indent=""):
        return indent + "[" + ", ".join(str(i) for i in iter(self)) + "]"

    def __iter__(self):
        yield from super().__iter__()

    def raw_iterator(self):
        yield from self.items
