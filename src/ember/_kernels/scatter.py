"""Compiled (numba) scatter-add of rows: an embedding's gradient, the rows of g added into a table.

np.add.at adds element by element through NumPy's generic indexed loop (~15 ns an element); this
loop adds whole rows (vectorised), in the same order, so the sums are the same to the bit.
"""
import functools

from .loops import _jit, _lock


@functools.lru_cache(maxsize=None)
def _compile():
    @_jit
    def index_add_rows(out, index, rows):
        """out[index[k]] += rows[k] for each k in order (out (num, D), index (K,), rows (K, D))."""
        for k in range(index.shape[0]):
            dst, src = out[index[k]], rows[k]
            for j in range(src.shape[0]):
                dst[j] += src[j]

    kernels = {"index_add_rows": index_add_rows}
    globals().update(kernels)
    return kernels


def __getattr__(name):
    try:
        with _lock:
            return _compile()[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
