"""`ember doctor [--graph FILE] script.py [args...]`: run a PyTorch training script unchanged on Ember
and name the mistakes that let it run but train badly (see findings.CATALOGUE for the ids).

Each family of checks is one module (training, losses, modes, data); `Doctor` patches their
observers into Ember's edges for the length of the run only."""
import sys

from .findings import CATALOGUE, Finding
from .session import Doctor

__all__ = ["Doctor", "Finding", "CATALOGUE", "main"]

USAGE = """\
usage: ember doctor [--graph FILE] SCRIPT [ARGS...]

Runs SCRIPT as `ember run` does and reports the mistakes that let training run but train badly,
each as soon as it is certain (on stderr), with a summary at the end.
  --graph FILE   draw the autograd graph of the first loss to FILE (.svg or .png)
ids: """ + ", ".join(CATALOGUE)


def main(argv):
    """Entry point of `ember doctor`; returns the script's exit status."""
    argv = list(argv)
    graph = None
    if argv[:1] == ["--graph"] and len(argv) >= 2:
        graph, argv = argv[1], argv[2:]
    elif argv[:1] and argv[0].startswith("--graph="):
        graph, argv = argv[0].partition("=")[2], argv[1:]
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    from ..cli import run
    doctor = Doctor(graph=graph).install()
    try:
        status = run(argv)
    finally:
        doctor.uninstall()
        doctor.finish()
    return status
