"""Modules imported on first use. `import scipy.special` takes about 0.3 s and most programs call none of
its functions, so the ops that are defined by them name them through `deferred("scipy.special")`."""
import importlib
import sys


class deferred:
    """Stands for module `name`: `m.f` is the module's f once the module is imported, and before that a
    callable that imports it on its first call."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):  # called only for names not yet kept on the instance
        module = sys.modules.get(self._name)
        if module is None:
            return _Function(self._name, attr)
        value = getattr(module, attr)
        setattr(self, attr, value)  # found directly from now on (a batch-1 sigmoid's whole op is ~4 us)
        return value


class _Function:
    __slots__ = ("_module", "_attr", "_fn")

    def __init__(self, module, attr):
        self._module, self._attr, self._fn = module, attr, None

    def __call__(self, *args, **kwargs):
        fn = self._fn
        if fn is None:
            fn = self._fn = getattr(importlib.import_module(self._module), self._attr)
        return fn(*args, **kwargs)

    def __repr__(self):
        return f"<{self._module}.{self._attr}, imported on first call>"
