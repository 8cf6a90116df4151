"""torch.utils.data's submodules are reachable as attributes, as after `import torch`."""
import importlib

import pytest
import torch.utils.data

import ember.utils.data


@pytest.mark.parametrize("name", ["distributed", "dataloader", "dataset", "sampler"])
def test_submodule_is_an_attribute(name):
    assert getattr(torch.utils.data, name).__name__ == f"torch.utils.data.{name}"
    assert getattr(ember.utils.data, name) is importlib.import_module(f"ember.utils.data.{name}")
