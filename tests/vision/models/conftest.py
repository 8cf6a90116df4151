"""Fixtures of the model tests."""
import urllib.error
import urllib.request

import pytest


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty hub cache under a temporary TORCH_HOME, and no network."""
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network in this test")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    path = tmp_path / "torch_home" / "hub" / "checkpoints"
    path.mkdir(parents=True)
    return path
