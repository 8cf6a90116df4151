"""A first run on a machine builds the compiled loops in a background process and takes the NumPy
paths meanwhile; the next run finds them built (ember._kernels.build). A package whose folder numba
cannot write to (a read-only install) keeps them in the user's cache directory."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ember

pytest.importorskip("numba")

SCRIPT = r"""
import json, sys
import numpy as np
import ember
from ember._kernels import build, loops
x = np.zeros(3, np.float32)
first = loops.fits(x)
ready = build.wait(float(sys.argv[1]))
print(json.dumps({"first": first, "ready": ready, "after": loops.fits(x), "file": ember.__file__}))
"""


def _env(package_root, cache, **more):
    env = {k: v for k, v in os.environ.items() if k not in ("EMBER_KERNELS", "NUMBA_CACHE_DIR")}
    env.update(XDG_CACHE_HOME=str(cache), PYTHONPATH=str(package_root), PYTHONDONTWRITEBYTECODE="1", **more)
    return env


def run(package_root, cache, timeout):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(timeout)], env=_env(package_root, cache),
                         capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_first_run_builds_in_background_into_the_users_cache(tmp_path):
    root, cache = tmp_path / "site", tmp_path / "cache"
    shutil.copytree(Path(ember.__file__).parent, root / "ember", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "ember" / "_kernels" / "__pycache__").write_text("")  # numba cannot cache beside the sources
    first = run(root, cache, 500)
    assert first["file"].startswith(str(root))
    assert {k: first[k] for k in ("first", "ready", "after")} == {"first": False, "ready": True, "after": True}
    stamps = os.listdir(cache / "ember")
    assert len(stamps) == 1 and stamps[0].startswith("kernels-")  # the stamp; no lock or temporary left
    assert any(p.suffix == ".nbc" for p in (cache / "numba").rglob("*"))  # the machine code, in the user's cache
    second = run(root, cache, 0)
    assert {k: second[k] for k in ("first", "ready", "after")} == {"first": True, "ready": True, "after": True}
    # and a later process loads every loop the build compiled from the cache: it compiles (and saves) none.
    # (numba keys a loop's cache on its closure's values: a compiled function among them missed every time.)
    code = "from ember._kernels import build\nassert build.wait(0)\nbuild._exercise()"
    out = subprocess.run([sys.executable, "-c", code], env=_env(root, cache, NUMBA_DEBUG_CACHE="1"),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    saved = [line for line in (out.stdout + out.stderr).splitlines() if "data saved" in line]
    assert saved == []


def test_the_suite_compiles_in_process():
    from ember._kernels import build
    assert os.environ["EMBER_KERNELS"] == "sync" and build.ready()



def test_a_kernel_module_imported_while_loops_compile_neither_compiles_nor_waits_for_their_lock():
    # a module's compile imports vmath/spin under the loops' lock (held twice here: it is re-entrant), and
    # `from .loops import _jit` asks loops for __path__, which must not compile all of loops' kernels
    code = ("from ember._kernels import loops\nwith loops._lock:\n    with loops._lock:\n"
            "        from ember._kernels import vmath, spin\nprint(loops._compile.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "0", out.stderr
