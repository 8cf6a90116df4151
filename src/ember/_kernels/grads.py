"""Compiled (numba) loops over gradients: an embedding's scatter-add of rows, and gradient norms.

- `index_add_rows`: np.add.at adds element by element through NumPy's generic indexed loop (~15 ns
  an element); this loop adds whole rows (vectorised), in the same order, so the sums are the same
  to the bit.
- `sum_squares`: one pass over a float32 or float64 array accumulated in float64, without the
  float64 copy np.linalg.norm(x.astype(float64)) makes.
"""
import functools

from . import threads as _threads
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

    @_jit
    def sum_squares(x):
        """Σ x² of a flat array, in float64 (four partial sums: the loop vectorises)."""
        s0 = s1 = s2 = s3 = 0.0
        n = x.size - x.size % 4
        for i in range(0, n, 4):
            a, b, c, d = x[i] * 1.0, x[i + 1] * 1.0, x[i + 2] * 1.0, x[i + 3] * 1.0  # * 1.0: in float64
            s0 += a * a
            s1 += b * b
            s2 += c * c
            s3 += d * d
        for i in range(n, x.size):
            v = x[i] * 1.0
            s0 += v * v
        return (s0 + s1) + (s2 + s3)

    return index_add_rows, sum_squares


def _kernels():
    with _lock:
        return _compile()


def index_add_rows(out, index, rows):
    """out[index[k]] += rows[k] for each k, in order."""
    _kernels()[0](out, index, rows)


def sum_squares(x):
    """Σ x² of a C-contiguous float array, in float64; a large one shared between the threads."""
    kernel = _kernels()[1]
    flat = x.reshape(-1)
    if x.nbytes <= _threads.BLOCK_BYTES:  # split's one slice, called directly (a model's many small gradients)
        return float(kernel(flat))
    parts = {}
    _threads.split(lambda s: parts.__setitem__(s.start, kernel(flat[s])), flat.size, x.nbytes)
    return float(sum(parts[k] for k in sorted(parts)))  # the slices' order, whichever thread ran them
