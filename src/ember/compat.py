"""Run programs written for PyTorch on Ember, unchanged: `ember run script.py [args...]`.

`install()` puts a finder first on `sys.meta_path` that answers every import of `torch`,
`torch.*`, `torchvision` and `torchvision.*` with Ember (`torch` -> `ember`,
`torchvision` -> `ember.vision`). Each such module is a thin alias of Ember's module that
looks names up in it; a name Ember lacks fails at the first lookup with an error naming the
PyTorch API (`torch.sparse is not implemented in Ember`), never later and deeper inside.
"""
import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import sys
from types import ModuleType

__all__ = ["install", "run_path", "run_module", "stand_in", "NotImplementedInEmber", "ModuleNotImplementedInEmber"]

# PyTorch's top-level names and Ember's, the longer prefix first
ALIASES = (("torchvision", "ember.vision"), ("torch", "ember"))
_MISSING = object()


class NotImplementedInEmber(AttributeError, NotImplementedError):
    """A PyTorch attribute Ember does not provide (an AttributeError, so `hasattr` probes still work)."""


class ModuleNotImplementedInEmber(ModuleNotFoundError, NotImplementedError):
    """A PyTorch module Ember does not provide (a ModuleNotFoundError, so `except ImportError` still works)."""


def _rename(name, pairs):
    """`name` with its leading package renamed by the first matching (old, new) pair, else None."""
    for old, new in pairs:
        if name == old or name.startswith(old + "."):
            return new + name[len(old):]
    return None


def ember_name(torch_name):
    """'torch.nn.functional' -> 'ember.nn.functional', 'torchvision.models' -> 'ember.vision.models'."""
    return _rename(torch_name, ALIASES)


def torch_name(ember_name):
    """The inverse of `ember_name`: the PyTorch name under which an Ember module is shown."""
    return _rename(ember_name, [(new, old) for old, new in ALIASES])


def _is_missing(error, name):
    """True when a ModuleNotFoundError says that `name` (or a package above it) does not exist."""
    return error.name is not None and (name == error.name or name.startswith(error.name + "."))


def _lookup(owner, attr):
    """owner.attr, importing the submodule owner.attr if need be (as `torch.utils.data` is
    there after `import torch`); _MISSING when Ember has no such thing."""
    try:
        return getattr(owner, attr)
    except AttributeError:
        pass
    except ModuleNotFoundError as e:  # ember's lazy __getattr__ imports ember.<attr>
        if not _is_missing(e, f"{owner.__name__}.{attr}"):
            raise
    if isinstance(owner, ModuleType) and not attr.startswith("__"):
        submodule = f"{owner.__name__}.{attr}"
        try:
            return importlib.import_module(submodule)
        except ModuleNotFoundError as e:
            if not _is_missing(e, submodule):
                raise  # a dependency missing inside Ember is a real error, not a missing API
    return _MISSING


def _resolve(name):
    """The Ember object (module, or module-like namespace such as backends.cudnn) called `name`."""
    root, *parts = name.split(".")
    obj = importlib.import_module(root)
    for part in parts:
        obj = _lookup(obj, part)
        if obj is _MISSING:
            return None
    return obj


class TorchModule(ModuleType):
    """A PyTorch module name bound to Ember's module: `torch.nn` under `ember run`.

    Lookups go to Ember's module (functions and classes are then cached here, so a hot
    `F.relu` costs one dict lookup); assignments go through to it as well."""

    def __init__(self, name, target):
        super().__init__(name, getattr(target, "__doc__", None))
        self.__ember__ = target
        if hasattr(target, "__file__"):
            self.__file__ = target.__file__

    def __getattr__(self, attr):
        target = self.__ember__
        value = _lookup(target, attr)
        if value is _MISSING:
            if attr.startswith("__"):
                raise AttributeError(f"module '{self.__name__}' has no attribute '{attr}'")
            raise NotImplementedInEmber(f"{self.__name__}.{attr} is not implemented in Ember", name=attr, obj=self)
        if isinstance(value, ModuleType) and torch_name(value.__name__):
            return importlib.import_module(torch_name(value.__name__))
        if callable(value):
            self.__dict__[attr] = value
        return value

    def __setattr__(self, attr, value):
        super().__setattr__(attr, value)
        # the import system records its bookkeeping (dunders, child aliases) here; the rest is the user's
        if not attr.startswith("__") and not isinstance(value, TorchModule):
            setattr(self.__ember__, attr, value)

    def __dir__(self):
        return sorted(set(dir(self.__ember__)) | set(self.__dict__))

    def __repr__(self):
        return f"<module '{self.__name__}' (Ember's {getattr(self.__ember__, '__name__', '?')})>"


class TorchFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of torch, torchvision and their submodules with Ember's modules."""

    def find_spec(self, fullname, path=None, target=None):
        name = ember_name(fullname)
        if name is None:
            return None
        if _resolve(name) is None:
            # named after Ember's module: were it `fullname`, `from torch.x import y` would swallow this message
            raise ModuleNotImplementedInEmber(f"{fullname} is not implemented in Ember", name=name)
        # every alias is a package, so `import torch.x.y` always comes back here rather than to the file system
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        return TorchModule(spec.name, _resolve(ember_name(spec.name)))

    def exec_module(self, module):
        pass  # Ember's module is already imported


def install():
    """From now on in this process, `import torch...` and `import torchvision...` give Ember."""
    if not any(isinstance(f, TorchFinder) for f in sys.meta_path):
        stale = [m for m in sys.modules if ember_name(m) and not isinstance(sys.modules[m], TorchModule)]
        if stale:
            raise RuntimeError(f"PyTorch is already imported in this process ({stale[0]}); "
                               "Ember can only stand in for it before the first `import torch`")
        sys.meta_path.insert(0, TorchFinder())
        _install_in_spawned_children()


class _InstallOnLoad:
    """Unpickling this calls install(): it rides in a spawned child's start-up data (see below)."""

    def __reduce__(self):
        return install, ()


def _install_in_spawned_children():
    # a 'spawn'/'forkserver' child re-imports the program in a fresh interpreter: it must resolve torch to
    # Ember before that, so the start-up data multiprocessing sends it carries an install() call
    import multiprocessing.spawn as spawn
    original = spawn.get_preparation_data
    if getattr(original, "_ember", False):
        return

    def get_preparation_data(name):
        data = original(name)
        data["ember_install"] = _InstallOnLoad()
        return data
    get_preparation_data._ember = True
    spawn.get_preparation_data = get_preparation_data


def run_path(path, args=()):
    """Run the script at `path` as __main__ with sys.argv == [path, *args], torch resolved to Ember."""
    install()
    sys.argv[:] = [path, *args]
    sys.path[0] = os.path.dirname(os.path.abspath(path))  # as `python path` does
    runpy.run_path(path, run_name="__main__")


def run_module(module, args=()):
    """Run `module` as __main__ (like `python -m module args...`), torch resolved to Ember."""
    install()
    sys.argv[:] = [module, *args]
    sys.path[0] = os.getcwd()  # as `python -m module` does
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def stand_in(name):
    """Called by a local `torch.py` (or `torchvision.py`) while Python imports it as `name`:
    swaps that file for Ember's alias, so `python script.py` next to it runs on Ember."""
    del sys.modules[name]
    install()
    sys.modules[name] = importlib.import_module(name)
