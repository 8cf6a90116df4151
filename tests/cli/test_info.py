"""`ember info`: versions, BLAS, threads, devices (the devices as PyTorch sees them on this machine)."""
import importlib.metadata

import numpy
import torch

from ember import __version__


def test_info(ember):
    result = ember("info")
    assert result.returncode == 0, result.stderr
    rows = {key: value.strip() for key, value in (line.split(":", 1) for line in result.stdout.splitlines())}
    assert rows["Ember"] == __version__
    assert rows["NumPy"] == numpy.__version__
    assert rows["BLAS"] and rows["backend"].startswith("numpy")
    assert rows["kernels"] == "numba " + importlib.metadata.version("numba")
    assert int(rows["threads"]) >= 1
    assert rows["CUDA available"] == str(torch.cuda.is_available())
    assert rows["MPS available"] == str(torch.backends.mps.is_available())


def test_help_lists_the_commands(ember):
    result = ember("--help")
    assert result.returncode == 0
    for command in ("ember run SCRIPT", "ember demo", "ember info"):
        assert command in result.stdout
