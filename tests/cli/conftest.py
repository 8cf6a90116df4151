"""Helpers for the `ember` command's tests: run it in a subprocess, in the test's own folder."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

LAUNCHERS = {"python -m ember": (sys.executable, "-m", "ember"),
             "ember": (str(Path(sys.executable).with_name("ember")),)}  # pip's console script beside python


def _run(*args, cwd, launcher="python -m ember", env=None, timeout=180):
    # one BLAS/OpenMP thread: pytest -n 2 already keeps both cores busy, and oversubscribed threads crawl
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([*LAUNCHERS[launcher], *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def run_ember():
    """run_ember(*args, cwd=..., launcher=..., env=...) -> CompletedProcess (text, captured)."""
    return _run


@pytest.fixture
def ember(tmp_path):
    """`run_ember` in the test's own tmp_path."""
    return lambda *args, **kw: _run(*args, cwd=kw.pop("cwd", tmp_path), **kw)
