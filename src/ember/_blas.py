"""The BLAS library's thread count (NumPy's bundled OpenBLAS), for kernels that share work among
their own threads: each thread then calls a single-threaded BLAS instead of all threads
contending for one multi-threaded call."""
import contextlib
import ctypes
import glob
import os
import threading

from ._backend import xp, num_threads

__all__ = ["single_threaded", "threads_for_split"]


def _find():
    """(set_num_threads, get_num_threads) of the OpenBLAS NumPy loaded, or None."""
    here = os.path.dirname(xp.__file__)
    paths = glob.glob(os.path.join(here, "..", "numpy.libs", "*openblas*")) + \
        glob.glob(os.path.join(here, ".dylibs", "*openblas*"))
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas{}64_", "openblas{}64_", "scipy_openblas{}", "openblas{}"):
            try:
                set_n, get_n = getattr(lib, name.format("_set_num_threads")), getattr(lib, name.format(
                    "_get_num_threads"))
            except AttributeError:
                continue
            set_n.argtypes, set_n.restype, get_n.restype = [ctypes.c_int], None, ctypes.c_int
            return set_n, get_n
    return None


_api = _find()
_lock = threading.Lock()
_depth = [0, 1]  # [callers inside single_threaded, thread count to restore]


def threads_for_split():
    """How many threads a kernel may split its work into: 1 when the BLAS threads cannot be
    controlled (splitting would oversubscribe the cores)."""
    return num_threads() if _api is not None else 1


@contextlib.contextmanager
def single_threaded():
    """BLAS calls made inside (from any thread) use one thread each; nests and restores."""
    with _lock:
        if _depth[0] == 0:
            _depth[1] = _api[1]()
            _api[0](1)
        _depth[0] += 1
    try:
        yield
    finally:
        with _lock:
            _depth[0] -= 1
            if _depth[0] == 0:
                _api[0](_depth[1])
