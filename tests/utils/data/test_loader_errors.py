"""An exception anywhere in a DataLoader ends the program with that error, promptly and with no
process left behind: failing_loader.py is run as a program under torch and Ember and its exit
compared. A hang fails the test at its timeout instead of blocking the suite."""
import functools
import os
import signal
import subprocess
import sys
import time

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "failing_loader.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
TIMEOUT = 60  # generous on a loaded machine; a hang still ends here


def group_members(pgid):
    """Processes still alive (not zombies) in process group pgid."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry))
    return found


@functools.lru_cache(maxsize=None)
def run(lib, place, workers, persistent):
    """Run the program; return (exit code, last line of stderr, whole stderr). Fails on a hang or a survivor."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "src"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, SCRIPT, lib, place, str(workers), str(int(persistent))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{lib} hung: {place}, num_workers={workers}, persistent_workers={persistent}")
    deadline = time.monotonic() + 5  # a terminated worker may take a moment to vanish
    while (left := group_members(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"{lib} left processes {left} behind: {place}, num_workers={workers}")
    lines = err.strip().splitlines()
    return proc.returncode, lines[-1] if lines else "", err


# the error each place raises, as the program's last line of output
PLACES = {
    "sampler": "IndexError: sampler ran dry",
    "getitem": "ValueError: bad sample 5",
    "collate": "TypeError: cannot collate",
    "init": "OSError: worker start-up failed",
    "iter": "KeyError: 'stream broke'",
    "main": "RuntimeError: the training step failed",
}


def expected_exit(place, workers):
    """Where the error happens in a worker, torch re-raises it as 'Caught X in DataLoader worker process N'."""
    error = PLACES[place]
    if workers and place not in ("sampler", "main"):
        kind = error.split(":")[0]
        return kind, f"Caught {kind} in DataLoader worker process", error
    return error.split(":")[0], None, error


# without workers the error simply propagates in-process: two places suffice there
CASES = [(place, workers, persistent) for place in PLACES for workers, persistent in ((2, False), (2, True))] + \
    [("sampler", 0, False), ("getitem", 0, False)]


@pytest.mark.parametrize("place,workers,persistent", CASES)
def test_loader_error_ends_the_program(place, workers, persistent):
    code, last, err = run("ember", place, workers, persistent)
    kind, caught, original = expected_exit(place, workers)
    assert code == 1, err
    assert "finished" not in err
    if caught:
        assert f"{kind}: {caught}" in err and "Original Traceback (most recent call last):" in err, err
        assert last == original, err  # the worker's own error closes its traceback
        assert "failing_loader.py" in err.split("Original Traceback")[1], "the worker's frames are missing"
    else:
        assert last == original, err


@pytest.mark.parametrize("place", ["sampler", "getitem", "init", "main"])
def test_loader_error_exit_matches_torch(place):
    # torch is the oracle for the exit code and the closing lines of the report
    (t_code, t_last, t_err), (e_code, e_last, e_err) = run("torch", place, 2, False), run("ember", place, 2, False)
    assert (e_code, e_last) == (t_code, t_last)
    marker = "in DataLoader worker process 0."
    assert (marker in e_err) == (marker in t_err)


def test_worker_init_fn_is_not_called_without_workers():
    # torch calls worker_init_fn only in workers: with num_workers=0 the program runs to its end
    assert run("ember", "init", 0, False)[:2] == (0, "")
