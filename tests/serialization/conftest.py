"""Helpers for the checkpoint tests: build the same tensor in Ember and PyTorch, compare them in full."""
import numpy as np
import pytest
import torch

import ember

# every Ember dtype, by name (the names are PyTorch's)
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128"]


def sample(dtype, shape=(3, 4), seed=0):
    """Values of `dtype` as a nested list (exactly representable in every float type)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(-100, 100, size=shape)
    if dtype == "bool":
        return (a > 0).tolist()
    if dtype == "uint8":
        return np.abs(a).tolist()
    if dtype.startswith("float") or dtype == "bfloat16":
        return (a / 4).tolist()
    if dtype.startswith("complex"):
        return (a / 4 + 1j * (a % 7) / 8).tolist()
    return a.tolist()


def pair(dtype, shape=(3, 4), seed=0):
    """The same tensor in Ember and in PyTorch."""
    vals = np.array(sample(dtype, shape, seed)).reshape(-1).tolist()  # flat, so empty shapes survive
    return (ember.tensor(vals, dtype=getattr(ember, dtype)).reshape(shape),
            torch.tensor(vals, dtype=getattr(torch, dtype)).reshape(shape))


def assert_same(e, t):
    """Two tensors (Ember's or PyTorch's, in any mix) agree in values, dtype, shape, strides and storage offset."""
    assert isinstance(e, (ember.Tensor, torch.Tensor)) and isinstance(t, (ember.Tensor, torch.Tensor)), (e, t)
    assert str(e.dtype) == str(t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    assert e.stride() == t.stride()
    assert e.storage_offset() == t.storage_offset()
    assert e.requires_grad == t.requires_grad
    assert e.tolist() == t.tolist()


def assert_tree_same(e, t):
    """Nested containers (from Ember or PyTorch) hold the same things in the same places."""
    if isinstance(t, (torch.Tensor, ember.Tensor)):
        assert_same(e, t)
    elif isinstance(t, dict):
        assert type(e).__name__ == type(t).__name__ and list(e) == list(t)
        for k in t:
            assert_tree_same(e[k], t[k])
    elif isinstance(t, (torch.Size, ember.Size)):
        assert type(e).__name__ == "Size" and tuple(e) == tuple(t)
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            assert_tree_same(a, b)
    elif isinstance(t, (torch.dtype, torch.device, ember.dtype, ember.device)):
        assert str(e) == str(t)
    else:
        assert type(e) is type(t) and e == t


@pytest.fixture
def ckpt(tmp_path):
    return tmp_path / "model.pt"
