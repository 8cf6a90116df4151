"""Whole-module pickles: torch.save(model) / torch.load(weights_only=False) across the two frameworks,
weights_only=True with safe_globals, and every Ember class under PyTorch's module path."""
import importlib
import inspect
import io
import os
import pickle
import pickletools
import subprocess
import sys
import zipfile

import pytest
import torch

import ember
from ember import serialization as S

PROGRAM = os.path.join(os.path.dirname(__file__), "whole_module_program.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args, ember_run=False):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "src"), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable] + (["-m", "ember", "run"] if ember_run else []) + [PROGRAM, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("whole")
    run("save", str(d / "torch.pt"))
    run("save", str(d / "ember.pt"), ember_run=True)
    return d


def test_each_framework_loads_the_others_whole_models(files):
    by_torch = run("check", str(files / "ember.pt"))
    by_ember = run("check", str(files / "torch.pt"), ember_run=True)
    assert by_ember == by_torch
    lines = by_torch.splitlines()
    assert lines[0] == "UnpicklingError names ['torch.nn.modules.linear.Linear']"
    assert len(lines) == 9 and all(line.endswith("same output gradients") for line in lines[1:8]), by_torch
    assert lines[-1] == "safe_globals: Net True"


def globals_of(path):
    with zipfile.ZipFile(path) as z:
        data = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
    return {tuple(arg.split(" ", 1)) for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"}


def test_ember_files_name_only_pytorch_globals(files):
    names = globals_of(files / "ember.pt")
    assert names >= {("torch.nn.modules.rnn", "LSTM"), ("torch.nn.modules.activation", "MultiheadAttention"),
                     ("torch.nn.modules.linear", "NonDynamicallyQuantizableLinear"), ("torch.nn.functional", "relu"),
                     ("__main__", "Net")}
    for module, name in names - {("__main__", "Net")}:
        assert module.split(".")[0] in ("torch", "collections", "__builtin__"), (module, name)
        if module == "__builtin__":  # protocol 2's name for builtins
            continue
        obj = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)  # every name exists in PyTorch itself
    assert names == globals_of(files / "torch.pt")  # and they are the very names torch writes


def small_model(nn):
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU())


def saved(lib, obj):
    buf = io.BytesIO()
    lib.save(obj, buf)
    buf.seek(0)
    return buf


def test_default_weights_only_refuses_a_module_as_torch_does():
    errors = []
    for lib in (torch, ember):
        with pytest.raises(pickle.UnpicklingError) as info:
            lib.load(saved(lib, small_model(lib.nn)))
        errors.append(str(info.value))
    t, e = errors
    assert e.startswith(t) and e[len(t):].startswith(" (while loading"), e


@pytest.mark.parametrize("how", ["context", "add"])
def test_safe_globals_allow_ember_classes(how):
    buf = saved(ember, small_model(ember.nn))
    allowed = [ember.nn.Sequential, ember.nn.Linear, ember.nn.ReLU]
    if how == "context":
        with S.safe_globals(allowed):
            model = ember.load(buf)
        assert S.get_safe_globals() == []
    else:
        S.add_safe_globals(allowed)
        try:
            assert S.get_safe_globals() == allowed
            model = ember.load(buf)
        finally:
            S.clear_safe_globals()
    assert type(model) is ember.nn.Sequential and model(ember.ones(1, 2)).shape == (1, 3)
    with S.safe_globals(allowed[:2]), pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules."
                                                                                   "activation.ReLU was not"):
        ember.load(saved(ember, small_model(ember.nn)))


def test_roundtrip_keeps_registries_hooks_and_attributes():
    model = ember.nn.Sequential(ember.nn.Linear(2, 3), ember.nn.BatchNorm1d(3))
    model[1].register_buffer("scratch", ember.zeros(1), persistent=False)
    model.eval()
    loaded = ember.load(saved(ember, model), weights_only=False)
    assert not loaded.training and list(loaded.state_dict()) == list(model.state_dict())
    assert loaded[1]._non_persistent_buffers_set == {"scratch"} and loaded[1].scratch is loaded[1]._buffers["scratch"]
    loaded[0].weight = ember.nn.Parameter(ember.zeros(3, 2))  # registries still mirror into attributes
    assert loaded[0]._parameters["weight"] is loaded[0].weight
    handle = loaded.register_forward_hook(lambda m, i, o: o * 0)
    assert loaded(ember.ones(2, 2)).abs().sum().item() == 0
    handle.remove()


def public_classes():
    """(ember namespace, name) of every public class that torch has in the same namespace."""
    found = []
    for ns in ("nn", "optim", "optim.lr_scheduler", "utils.data"):
        e, t = importlib.import_module("ember." + ns), importlib.import_module("torch." + ns)
        for name in dir(e):
            obj = getattr(e, name)
            if not name.startswith("_") and inspect.isclass(obj) and obj.__module__.startswith("ember.") and \
                    inspect.isclass(getattr(t, name, None)) and obj is not ember.Tensor:
                found.append((ns, name))
    return found


@pytest.mark.parametrize("ns,name", public_classes())
def test_classes_live_at_pytorchs_module_path(ns, name):
    e_cls, t_cls = getattr(importlib.import_module("ember." + ns), name), getattr(importlib.import_module("torch." + ns),
                                                                                 name)
    assert S._torch_global(e_cls) == (t_cls.__module__, t_cls.__qualname__)
    home = importlib.import_module("ember" + t_cls.__module__[len("torch"):])
    assert getattr(home, t_cls.__qualname__) is e_cls
