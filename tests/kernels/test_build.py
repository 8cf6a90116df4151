"""A first run on a machine builds the compiled loops in a background process and takes the NumPy
paths meanwhile; the next run finds them built (ember._kernels.build)."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("numba")

SCRIPT = r"""
import json, sys, time
import numpy as np
import ember
from ember._kernels import build, loops
x = np.zeros(3, np.float32)
first = loops.fits(x)
ready = build.wait(float(sys.argv[1]))
print(json.dumps({"first": first, "ready": ready, "after": loops.fits(x)}))
"""


def run(tmp_path, timeout):
    env = {k: v for k, v in os.environ.items() if k != "EMBER_KERNELS"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(timeout)], env=env, capture_output=True, text=True,
                         timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_first_run_builds_in_background_then_later_runs_use_the_loops(tmp_path):
    first = run(tmp_path, 500)
    assert first == {"first": False, "ready": True, "after": True}  # NumPy paths until the build is done
    files = os.listdir(tmp_path / "ember")
    assert len(files) == 1 and files[0].startswith("kernels-")  # the stamp, no lock or temporary left
    assert run(tmp_path, 0) == {"first": True, "ready": True, "after": True}


def test_sync_mode_compiles_in_the_calling_process(tmp_path):
    from ember._kernels import build
    assert os.environ["EMBER_KERNELS"] == "sync" and build.ready()
