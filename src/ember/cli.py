"""The `ember` command (also `python -m ember`): run, demo, info, launch, bench."""
import argparse
import importlib
import os
import platform
import runpy
import sys
import traceback

USAGE = """\
ember run SCRIPT [ARGS...]     run a program written for PyTorch on Ember, unchanged
ember run -m MODULE [ARGS...]  the same for a module, like `python -m MODULE`
ember doctor [--graph FILE] SCRIPT [ARGS...]
                               run it as `ember run` does and name the mistakes that make it train badly
ember demo [--epochs N] [--data DIR] [--out DIR] [--seed S]
                               train the MNIST ConvNet on the digits shipped with Ember
ember info                     versions, BLAS, threads and devices
ember launch --nproc-per-node N SCRIPT [ARGS...]
                               run N ranks of a torch.distributed program over MPI
ember bench [--compare ember,torch]
                               time the seeds' workloads (seconds per training step)
"""


# commands that take every argument after their name as their own (a script's arguments, say)
OWN_ARGUMENTS = {"run": "ember.cli:run", "doctor": "ember.doctor:main", "launch": "ember.distributed.launch:main", "bench": "ember.bench:main"}


def main(argv=None):
    """Entry point of the `ember` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in OWN_ARGUMENTS:
        module, _, function = OWN_ARGUMENTS[argv[0]].partition(":")
        return getattr(importlib.import_module(module), function)(argv[1:]) or 0
    parser = argparse.ArgumentParser(prog="ember", description="Ember: PyTorch's API on NumPy.\n\n" + USAGE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="{run,demo,info,launch,bench}")
    commands.add_parser("run", help="run a program written for PyTorch on Ember")
    commands.add_parser("launch", help="run N ranks of a torch.distributed program over MPI (ember launch --help)")
    commands.add_parser("bench", help="seconds per training step of the seeds' workloads (ember bench --help)")
    demo = commands.add_parser("demo", help="train the book chapter's MNIST ConvNet on the digits shipped with Ember")
    demo.add_argument("--epochs", type=int, default=2, help="training epochs (default 2)")
    demo.add_argument("--data", metavar="DIR", help="use the MNIST under DIR/MNIST/raw/ (torchvision's layout) "
                                                    "instead of the 4,000/1,000 sample shipped with Ember")
    demo.add_argument("--out", metavar="DIR", default="ember-demo-out",
                      help="where the checkpoint and the PNG go (default ./ember-demo-out)")
    demo.add_argument("--seed", type=int, default=0, help="ember.manual_seed (default 0)")
    demo.add_argument("--tensorboard", metavar="DIR", help="also log the run (loss, accuracy, test digits, the graph) "
                                                          "to DIR for `tensorboard --logdir DIR`")
    demo.add_argument("--limit", type=int, help=argparse.SUPPRESS)  # first N digits only: quick runs in tests
    commands.add_parser("info", help="print versions, BLAS, threads and devices")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import main as train
        train(epochs=args.epochs, data=args.data, out=args.out, seed=args.seed, limit=args.limit,
              tensorboard=args.tensorboard)
        return 0
    if args.command == "info":
        print(info())
        return 0
    parser.print_help()
    return 2


def run(argv):
    """`ember run [-m] target args...`: run it as __main__ with torch and torchvision resolved to Ember."""
    from . import compat
    if not argv or argv[0] in ("-h", "--help") or argv == ["-m"]:
        print("usage: ember run SCRIPT [ARGS...]\n       ember run -m MODULE [ARGS...]\n\n"
              "Runs a program written for PyTorch with `torch` and `torchvision` (and their submodules)\n"
              "resolved to Ember; sys.argv is [SCRIPT, ARGS...] and __name__ is '__main__'.")
        return 0 if argv else 2
    try:
        if argv[0] == "-m":
            compat.run_module(argv[1], argv[2:])
        else:
            compat.run_path(argv[0], argv[1:])
    except SystemExit:
        raise
    except BaseException as e:
        # show the traceback from the user's program down, as `python script.py` would
        ours = {__file__, compat.__file__, runpy.__file__}
        tb = e.__traceback__
        while tb is not None and (tb.tb_frame.f_code.co_filename in ours
                                  or tb.tb_frame.f_code.co_filename.startswith("<frozen runpy")):
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb)
        return 130 if isinstance(e, KeyboardInterrupt) else 1
    return 0


def _blas():
    """NumPy's BLAS as 'name version' (numpy.show_config), with threadpoolctl's view when installed."""
    import numpy
    try:
        blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        text = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # NumPy < 1.26 has no mode="dicts"
        text = "unknown (see numpy.show_config())"
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return text
    pools = [f"{p['internal_api']} {p['version']} ({p['num_threads']} threads)"
             for p in threadpool_info() if p.get("user_api") == "blas"]
    return ", ".join(pools) or text


def _kernels_version():
    """What compiles ember._kernels.loops: 'numba <version>'."""
    from importlib.metadata import version, PackageNotFoundError
    try:
        return f"numba {version('numba')}"
    except PackageNotFoundError:
        return "numba not installed"


def info():
    """The text `ember info` prints."""
    import numpy
    import ember
    from ember import _backend
    rows = [
        ("Ember", ember.__version__),
        ("Python", platform.python_version()),
        ("NumPy", numpy.__version__),
        ("BLAS", _blas()),
        ("kernels", _kernels_version()),
        ("backend", f"{_backend.xp.__name__} (CPU)"),
        ("threads", str(ember.get_num_threads())),
        ("CPU cores", str(os.cpu_count())),
        ("CUDA available", str(ember.cuda.is_available())),
        ("MPS available", str(ember.backends.mps.is_available())),
    ]
    return "\n".join(f"{k + ':':<16}{v}" for k, v in rows)


if __name__ == "__main__":
    sys.exit(main())
