"""`ember launch --nproc-per-node N script.py [args]`: start N ranks of a program under MPI.

Each rank runs the script as `ember run` does (torch resolved to Ember), with torchrun's
environment (RANK, WORLD_SIZE, LOCAL_RANK, ...) set. Ranks run under `python -m mpi4py`, so an
exception in any rank aborts the whole job with that rank's traceback instead of hanging.
"""
import argparse
import os
import shutil
import subprocess
import sys


def _mpiexec():
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = here if os.path.exists(here) else shutil.which("mpiexec")
    if not found:
        raise SystemExit("ember launch: no mpiexec found; install the MPI runtime with pip install 'ember[distributed]'")
    return found


def main(argv=None):
    ap = argparse.ArgumentParser(prog="ember launch", description="Start N ranks of a PyTorch program on Ember (MPI)")
    ap.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1, dest="nproc",
                    help="ranks to start on each machine")
    ap.add_argument("--nnodes", type=int, default=1, help="machines taking part (listed in --hostfile)")
    ap.add_argument("--hostfile", help="MPI hostfile naming the machines (one 'host:slots' per line)")
    ap.add_argument("script")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    if a.nnodes > 1 and not a.hostfile:
        ap.error("--nnodes > 1 needs --hostfile listing the machines")
    cmd = [_mpiexec(), "-n", str(a.nproc * a.nnodes)]
    if a.hostfile:
        cmd += ["-f", a.hostfile, "-ppn", str(a.nproc)]
    cmd += [sys.executable, "-m", "mpi4py", "-m", "ember.distributed.launch", "--child", a.script] + a.args
    env = dict(os.environ)
    if a.nproc > 1 and "OMP_NUM_THREADS" not in env:  # as torchrun: ranks sharing a machine share its cores
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // a.nproc))
    return subprocess.call(cmd, env=env)


def child(argv):
    """One rank: export torchrun's variables, then run the script with torch resolved to Ember."""
    from . import _env_from_mpi
    from .. import compat
    _env_from_mpi()
    compat.run_path(argv[0], argv[1:])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    else:
        sys.exit(main())
