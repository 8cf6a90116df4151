"""The decorators of DataPipe classes (torch.utils.data.functional_datapipe and friends)."""
import functools
import inspect

from .datapipe import IterDataPipe, MapDataPipe

__all__ = ["functional_datapipe", "guaranteed_datapipes_determinism", "non_deterministic", "argument_validation",
           "runtime_validation", "runtime_validation_disabled"]


class functional_datapipe:
    """Register a DataPipe class as the method `name` of every pipe of its kind."""

    def __init__(self, name, enable_df_api_tracing=False):
        self.name = name
        self.enable_df_api_tracing = enable_df_api_tracing

    def __call__(self, cls):
        if issubclass(cls, IterDataPipe):
            IterDataPipe.register_datapipe_as_function(self.name, cls)
        elif issubclass(cls, MapDataPipe):
            MapDataPipe.register_datapipe_as_function(self.name, cls)
        else:
            raise TypeError("`functional_datapipe` can only decorate IterDataPipe or MapDataPipe")
        return cls


_flags = {"determinism": False, "runtime_validation": True}


class _Setting:
    """A context that sets one of the flags above from construction (as torch's do) until it exits."""
    flag, value = None, None

    def __init__(self):
        self.prev = _flags[self.flag]
        _flags[self.flag] = self.value

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc_value, traceback):
        _flags[self.flag] = self.prev


class guaranteed_datapipes_determinism(_Setting):
    """Inside this context, constructing a DataPipe marked `non_deterministic` raises TypeError."""
    flag, value = "determinism", True


class non_deterministic:
    """Mark a DataPipe class (or, given a function of the arguments, some of its instances) as yielding
    in an order that is not reproducible."""

    def __init__(self, arg):
        if isinstance(arg, type):
            if not issubclass(arg, IterDataPipe):
                raise TypeError(f"Only `IterDataPipe` can be decorated with `non_deterministic`, but {arg.__name__} "
                                "is found")
            self.cls, self.deterministic_fn = arg, None
        elif callable(arg):
            self.cls, self.deterministic_fn = None, arg
        else:
            raise TypeError(f"{arg} can not be decorated by non_deterministic")

    def __call__(self, *args, **kwargs):
        if self.cls is not None:
            if _flags["determinism"]:
                raise TypeError(f"{self.cls.__name__} is non-deterministic, but you set "
                                "'guaranteed_datapipes_determinism'. You can turn off determinism for this "
                                "DataPipe if that is acceptable for your application")
            return self.cls(*args, **kwargs)
        cls = args[0]
        if not (isinstance(cls, type) and issubclass(cls, IterDataPipe)):
            raise TypeError(f"Only `IterDataPipe` can be decorated, but {cls.__name__} is found")
        self.cls = cls
        return self._deterministic_decorator

    def _deterministic_decorator(self, *args, **kwargs):
        res = self.deterministic_fn(*args, **kwargs)
        if not isinstance(res, bool):
            raise TypeError("deterministic_fn of `non_deterministic` decorator is required to return a boolean "
                            f"value, but {type(res)} is found")
        if _flags["determinism"] and res:
            raise TypeError(f"{self.cls.__name__} is non-deterministic with the inputs, but you set "
                            "'guaranteed_datapipes_determinism'. You can turn off determinism for this "
                            "DataPipe if that is acceptable for your application")
        return self.cls(*args, **kwargs)


def argument_validation(f):
    """Check the DataPipe arguments of `f` against its annotations (classes only: Ember does not check
    DataPipe element types)."""
    signature = inspect.signature(f)

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        for name, value in bound.arguments.items():
            hint = signature.parameters[name].annotation
            if isinstance(hint, type) and issubclass(hint, (IterDataPipe, MapDataPipe)) \
                    and not isinstance(value, hint):
                raise TypeError(f"Expected argument '{name}' as a {hint.__name__}, but found {type(value)}")
        return f(*args, **kwargs)
    return wrapper


class runtime_validation_disabled(_Setting):
    """Within this context, `runtime_validation` checks nothing."""
    flag, value = "runtime_validation", False


def runtime_validation(f):
    """Decorate a DataPipe's __iter__ (torch checks each yielded element against the pipe's type
    annotation; Ember's DataPipes carry no element types, so this only keeps torch's checks on use)."""
    if f.__name__ != "__iter__":
        raise TypeError(f"Can not decorate function {f.__name__} with 'runtime_validation'")

    @functools.wraps(f)
    def wrapper(self):
        yield from f(self)
    return wrapper
