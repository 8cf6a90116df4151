"""The compatibility corpus: complete PyTorch programs run under PyTorch and under `ember run`.

Each program is one file written for PyTorch (`import torch`), small by default so a run takes
seconds. Its last line reads `final key=value ...`; its header names what must agree:

    # corpus: tolerance acc=0.1 loss=0.5      Ember's value within that of PyTorch's
    # corpus: expect acc>=0.8                 both runs reach it (the program learns)

Every other line must agree with PyTorch's once floats are masked (random streams differ).
"""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.examples.conftest import write_mnist_sample

PROGRAMS = Path(__file__).resolve().parent

# torchvision's C++ ops cannot load beside the CPU build of torch; its Python parts work without them
UNDER_TORCH = ("import runpy, sys, types; "
               "sys.modules['torchvision._meta_registrations'] = types.ModuleType('torchvision._meta_registrations'); "
               "sys.argv = sys.argv[1:]; sys.path[0] = __import__('os').path.dirname(sys.argv[0]); "
               "runpy.run_path(sys.argv[0], run_name='__main__')")


def program_names():
    """The corpus programs: every .py here but the harness and tests."""
    return sorted(p.stem for p in PROGRAMS.glob("*.py") if not p.name.startswith(("test_", "conftest", "_")))


def header(name):
    """{'tolerance': {key: tol}, 'expect': [(key, op, value)]} from the program's `# corpus:` lines."""
    spec = {"tolerance": {}, "expect": []}
    for line in (PROGRAMS / f"{name}.py").read_text().splitlines():
        m = re.match(r"#\s*corpus:\s*(tolerance|expect)\s+(.*)", line)
        if m and m.group(1) == "tolerance":
            spec["tolerance"].update((k, float(v)) for k, v in re.findall(r"(\w+)=([-\d.e]+)", m.group(2)))
        elif m:
            spec["expect"] += [(k, op, float(v)) for k, op, v in re.findall(r"(\w+)(>=|<=)([-\d.e]+)", m.group(2))]
    return spec


def skeleton(text):
    """The output with floats, addresses and temporary paths masked: what must not depend on random values."""
    text = re.sub(r"0x[0-9a-f]+", "0x?", text)
    text = re.sub(r"/tmp/\S*", "<tmp>", text)
    text = re.sub(r"-?\d+\.\d*(?:e[+-]?\d+)?|nan|inf", "#", text)
    return [" ".join(line.split()) for line in text.splitlines()]


def final_metrics(text):
    lines = [line for line in text.splitlines() if line.startswith("final ")]
    assert lines, "the program printed no `final ...` line"
    return {k: float(v) for k, v in re.findall(r"(\w+)=(-?[\d.]+(?:e[+-]?\d+)?|nan|inf)", lines[-1])}


def write_mnist(root, n_train=1000, n_test=200):
    """The first digits of the shipped sample in torchvision's layout (root/MNIST/raw, .gz and plain)."""
    return write_mnist_sample(root, n_train, n_test)


def run_program(name, framework, cwd, data_root, timeout=300, **env):
    """Runs tests/programs/<name>.py under 'ember' or 'torch' in `cwd`; returns (CompletedProcess, seconds)."""
    script = str(PROGRAMS / f"{name}.py")
    command = ([sys.executable, "-m", "ember", "run", script] if framework == "ember"
               else [sys.executable, "-c", UNDER_TORCH, script])
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "CORPUS_DATA": str(data_root),
           **{k: str(v) for k, v in env.items()}}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return result, time.perf_counter() - start


@pytest.fixture(scope="session")
def corpus_data(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("corpus-data"))


@pytest.fixture(scope="session")
def corpus():
    """This module: the harness's functions, for the tests and tools/corpus_table.py."""
    return sys.modules[__name__]
