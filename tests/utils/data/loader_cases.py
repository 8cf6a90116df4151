"""Run failing_loader.py once per case, each in a forked child of this one interpreter (so the library
is imported once for all cases), and print a JSON line per case: its exit code, its stderr, whether it
hung, and which of its processes outlived it.

argv: library, JSON list of [place, num_workers, persistent], timeout in seconds."""
import importlib
import json
import os
import runpy
import signal
import sys
import tempfile
import time

from procs import group_members  # beside this file (its directory is sys.path[0])

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "failing_loader.py")


def run_case(lib, place, workers, persistent, timeout):
    err = tempfile.TemporaryFile()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the program: its uncaught error leaves through the interpreter's own exit, as in `python x.py`
        os.setpgid(0, 0)
        os.dup2(err.fileno(), 2)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        sys.argv = [SCRIPT, lib, place, str(workers), str(int(persistent))]
        runpy.run_path(SCRIPT, run_name="__main__")
        sys.exit(0)
    deadline, status = time.monotonic() + timeout, None
    while status is None and time.monotonic() < deadline:
        done, code = os.waitpid(pid, os.WNOHANG)
        status = code if done else None
        time.sleep(0.02)
    hung = status is None
    if hung:
        os.killpg(pid, signal.SIGKILL)
        status = os.waitpid(pid, 0)[1]
    left_deadline = time.monotonic() + 5  # a terminated worker may take a moment to vanish
    while (left := group_members(pid)) and time.monotonic() < left_deadline:
        time.sleep(0.05)
    if left:
        os.killpg(pid, signal.SIGKILL)
    err.seek(0)
    return {"code": os.waitstatus_to_exitcode(status), "stderr": err.read().decode(), "hung": hung, "left": left}


if __name__ == "__main__":
    library, cases, limit = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
    importlib.import_module(library + ".utils.data")
    for case in cases:
        print(json.dumps([case, run_case(library, *case, limit)]), flush=True)
