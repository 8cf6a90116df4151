"""An exception anywhere in a DataLoader ends the program with that error, promptly and with no
process left behind: failing_loader.py is run as a program (loader_cases.py forks one child per
case) under Ember and torch and its exits compared. A hang fails at the timeout, never blocks."""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
TIMEOUT = 60  # per program, generous on a loaded machine; a hang still ends there

# the error each place raises, as the program's last line of output
PLACES = {
    "sampler": "IndexError: sampler ran dry",
    "getitem": "ValueError: bad sample 5",
    "collate": "TypeError: cannot collate",
    "init": "OSError: worker start-up failed",
    "iter": "KeyError: 'stream broke'",
    "main": "RuntimeError: the training step failed",
}
CASES = [(place, 2, persistent) for place in PLACES for persistent in (False, True)] + \
    [("sampler", 0, False), ("getitem", 0, False), ("init", 0, False)]
TORCH_CASES = [("sampler", 2, False), ("getitem", 2, False), ("init", 2, False), ("main", 2, False)]


def run_all(lib, cases):
    """{case: result} for every case, from one run of loader_cases.py."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "src"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, os.path.join(HERE, "loader_cases.py"), lib, json.dumps(cases), str(TIMEOUT)],
                          capture_output=True, text=True, env=env, timeout=TIMEOUT * (len(cases) + 1))
    assert done.returncode == 0, done.stderr
    return {tuple(case): result for case, result in map(json.loads, done.stdout.splitlines())}


@pytest.fixture(scope="module")
def ember_exits():
    return run_all("ember", CASES)


def last_line(result):
    lines = result["stderr"].strip().splitlines()
    return lines[-1] if lines else ""


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}workers{'-persistent' * c[2]}")
def test_loader_error_ends_the_program(ember_exits, case):
    place, workers, persistent = case
    result = ember_exits[case]
    assert not result["hung"], result["stderr"]
    assert result["left"] == [], "processes outlived the program"
    if place == "init" and not workers:  # worker_init_fn runs only in workers, as in torch: no error
        assert (result["code"], result["stderr"]) == (0, "")
        return
    assert result["code"] == 1, result["stderr"]
    assert last_line(result) == PLACES[place], result["stderr"]
    if workers and place not in ("sampler", "main"):  # raised in a worker: re-raised with the worker's traceback
        kind = PLACES[place].split(":")[0]
        before, _, original = result["stderr"].partition("Original Traceback (most recent call last):")
        assert f"{kind}: Caught {kind} in DataLoader worker process" in before, result["stderr"]
        assert "failing_loader.py" in original, "the worker's frames are missing"


def test_loader_error_exits_match_torch(ember_exits):
    torch_exits = run_all("torch", TORCH_CASES)
    for case in TORCH_CASES:
        t, e = torch_exits[case], ember_exits[case]
        assert (e["code"], last_line(e), e["left"]) == (t["code"], last_line(t), t["left"]), case
        marker = "in DataLoader worker process 0."
        assert (marker in e["stderr"]) == (marker in t["stderr"]), case
