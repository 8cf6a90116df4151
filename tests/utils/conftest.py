"""Shared helpers for the ember.utils tests: compare an Ember result with PyTorch's."""
import collections.abc
import os

import pytest
import torch

import ember
from tests.utils.data.procs import processes


def assert_same(e, t, path="batch"):
    """`e` (Ember's) has the structure, container types, dtypes, shapes and values of `t` (torch's)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{path}: {type(e).__name__} where torch has a Tensor"
        assert str(e.dtype) == str(t.dtype), f"{path}: dtype {e.dtype} != {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{path}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        assert e.tolist() == t.tolist(), f"{path}: values differ"
        return
    if isinstance(t, tuple) and hasattr(t, "_fields"):
        assert type(e).__name__ == type(t).__name__ and e._fields == t._fields, path
    else:
        assert type(e) is type(t), f"{path}: {type(e).__name__} != {type(t).__name__}"
    if isinstance(t, collections.abc.Mapping):
        assert list(e) == list(t), f"{path}: keys {list(e)} != {list(t)}"
        for k in t:
            assert_same(e[k], t[k], f"{path}[{k!r}]")
    elif isinstance(t, collections.abc.Sequence) and not isinstance(t, (str, bytes)):
        assert len(e) == len(t), f"{path}: length {len(e)} != {len(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_same(a, b, f"{path}[{i}]")
    else:
        assert e == t, f"{path}: {e!r} != {t!r}"


def same_error(make):
    """Run make(torch) and make(ember): both must raise the same exception type with the same message."""
    errors = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            make(lib)
        errors.append(info.value)
    t, e = errors
    assert type(e).__name__ == type(t).__name__, f"{type(e).__name__}: {e} != {type(t).__name__}: {t}"
    assert str(e) == str(t)
    return e


def child_pids():
    """Processes whose parent is this one (zombies included): workers left behind show up here."""
    me = os.getpid()
    return [pid for pid, _, ppid, _ in processes() if ppid == me]
