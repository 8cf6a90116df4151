"""Compiled (numba) time steps of the recurrent layers: one pass over a step's gates each way.

A step of an LSTM as Ember ops is a dozen NumPy passes and autograd nodes over a (batch, 4·hidden)
array; here the gate nonlinearities, the cell update and their derivatives are one loop per step
(the LSTM's with the exp of ember._kernels.vmath, which vectorises in float32),
called by ember.nn._functional.rnn between the step's matrix products (BLAS). Each loop takes
float32 or float64 arrays, C-contiguous; gate blocks are stacked as in torch (i|f|g|o for LSTM,
r|z|n for GRU).

Forward loops save what the backward loops need: the activated gates (and the new cell state, and
for GRU the recurrent part of n's pre-activation).

An LSTM layer runs its whole recurrence in one compiled call (`lstm_forward`, `lstm_backward`): each
step's product with W_hh is a BLAS call from the loop itself (ember._kernels.spin's matrix-product
job), so no step goes back to Python. The batch rows are independent of each other, so each thread
runs the whole sequence for its block of rows, and the threads never wait for each other.
"""
import functools
import math

import numpy as np

from . import threads as _threads
from .loops import _jit, _lock


@functools.lru_cache(maxsize=None)
def _compile():
    # the loops that other loops call are globals, not closure cells (see fused._vmath_globals)
    global gemm, exp, lstm_cell, lstm_cell_backward, lstm_step, lstm_step_backward
    from .spin import gemm
    from .vmath import exp
    one, two = np.float32(1), np.float32(2)  # float32 constants: a float32 loop stays in float32

    @_jit
    def lstm_cell(x, s, a, c, c_new, tanh_c, h_new):
        """One batch row of a step, from its pre-activations x + s (4H) (the input's and the state's
        projections): a = σ(i), σ(f), tanh(g), σ(o); c_new = σ(f)·c + σ(i)·tanh(g); tanh_c = tanh(c_new);
        h_new = σ(o)·tanh_c. σ(x) = 1 / (1 + e^-x) and tanh(x) = 2σ(2x) - 1, with vmath's exp."""
        H = c.size
        for j in range(2 * H):  # four simple loops, each vectorised (one loop over all four is not)
            a[j] = one / (one + exp(-(x[j] + s[j])))
        for j in range(2 * H, 3 * H):
            a[j] = two / (one + exp(-two * (x[j] + s[j]))) - one
        for j in range(3 * H, 4 * H):
            a[j] = one / (one + exp(-(x[j] + s[j])))
        for j in range(H):
            v = a[H + j] * c[j] + a[j] * a[2 * H + j]
            c_new[j] = v
            t = two / (one + exp(-two * v)) - one
            tanh_c[j] = t
            h_new[j] = a[3 * H + j] * t

    @_jit
    def lstm_cell_backward(dh, dc, a, c_prev, tanh_c, dpre):
        """One batch row: dh (H) = dL/dh_t; dc (H) = dL/dc_t from later steps, replaced by dL/dc_{t-1};
        dpre (4H) = dL/d(pre-activations), from the saved gates a and tanh(c_t)."""
        H = dh.size
        for j in range(H):
            i, f, g, o, t = a[j], a[H + j], a[2 * H + j], a[3 * H + j], tanh_c[j]
            dcell = dc[j] + dh[j] * o * (1 - t * t)
            dpre[j] = dcell * g * i * (1 - i)
            dpre[H + j] = dcell * c_prev[j] * f * (1 - f)
            dpre[2 * H + j] = dcell * i * (1 - g * g)
            dpre[3 * H + j] = dh[j] * t * o * (1 - o)
            dc[j] = dcell * f

    @_jit
    def lstm_step(gx, gh, c, gates, c_new, tanh_c, h_new):
        """A step over the batch: gx + gh (B, 4H) → gates (B, 4H), c_new, tanh_c, h_new (B, H)."""
        for b in range(c.shape[0]):
            lstm_cell(gx[b], gh[b], gates[b], c[b], c_new[b], tanh_c[b], h_new[b])

    @_jit
    def lstm_step_backward(dh, dc, gates, c_prev, tanh_c, dpre):
        """A step over the batch: dh, dc (B, H) → dpre (B, 4H), dc replaced by dL/dc_{t-1}."""
        for b in range(dh.shape[0]):
            lstm_cell_backward(dh[b], dc[b], gates[b], c_prev[b], tanh_c[b], dpre[b])

    @_jit
    def lstm_sequence(jobs, gx, gh, cs, gates, tanh_c, out, r0, reverse):
        """Batch rows r0:r0+len(gh) of an LSTM layer's whole forward pass: at each step jobs[s] (a
        matrix-product job of ember._kernels.spin) computes gh = h_prev[rows] @ W_hhᵀ, then the cells
        update (cs (T+1, B, H) holds the cell states as `lstm_step` reads and writes them)."""
        T = gx.shape[0]
        for s in range(T):
            t = T - 1 - s if reverse else s
            gemm(jobs[s])
            for k in range(gh.shape[0]):
                b = r0 + k
                lstm_cell(gx[t, b], gh[k], gates[t, b], cs[t + reverse, b], cs[t + 1 - reverse, b], tanh_c[t, b],
                          out[t, b])

    @_jit
    def lstm_sequence_backward(jobs, gout, dh, dc, gates, cs, tanh_c, dgx, r0, reverse):
        """Batch rows r0:r0+len(dh) of an LSTM layer's backward pass over time: dh, dc (rows, H) come in as
        the gradients of the final state and leave as those of the initial one; gout (T, B, H) is the
        gradient of the output (or empty); jobs[s] computes dh = dgx[t, rows] @ W_hh."""
        T = gates.shape[0]
        for s in range(T):
            t = s if reverse else T - 1 - s
            for k in range(dh.shape[0]):
                b = r0 + k
                if gout.shape[0]:
                    for j in range(dh.shape[1]):
                        dh[k, j] += gout[t, b, j]
                lstm_cell_backward(dh[k], dc[k], gates[t, b], cs[t + reverse, b], tanh_c[t, b], dgx[t, b])
            gemm(jobs[s])

    @_jit
    def gru_step(gx, gh, h, gates, h_new):
        """gx, gh (B, 3H) = the input's and the state's projections (with their biases); gates (B, 3H)
        = σ(r), σ(z), tanh(n) with n = gx_n + r·gh_n; h_new = n + z·(h - n)."""
        B, H = h.shape
        for b in range(B):
            x, s, a = gx[b], gh[b], gates[b]
            for j in range(H):
                r = 1.0 / (1.0 + math.exp(-(x[j] + s[j])))
                z = 1.0 / (1.0 + math.exp(-(x[H + j] + s[H + j])))
                n = math.tanh(x[2 * H + j] + r * s[2 * H + j])
                a[j], a[H + j], a[2 * H + j] = r, z, n
                h_new[b, j] = n + z * (h[b, j] - n)

    @_jit
    def gru_step_backward(dh, gates, gh, h_prev, dgx, dgh, dh_prev):
        """dh (B, H) = dL/dh_t; dgx, dgh (B, 3H) = dL/d(the projections); dh_prev = the direct part of
        dL/dh_{t-1} (the part through z); the part through gh is dgh @ W_hh, added by the caller."""
        B, H = dh.shape
        for b in range(B):
            a, s, dx, ds = gates[b], gh[b], dgx[b], dgh[b]
            for j in range(H):
                r, z, n = a[j], a[H + j], a[2 * H + j]
                d = dh[b, j]
                dn = d * (1.0 - z) * (1.0 - n * n)
                dz = d * (h_prev[b, j] - n) * z * (1.0 - z)
                dr = dn * s[2 * H + j] * r * (1.0 - r)
                dx[j], dx[H + j], dx[2 * H + j] = dr, dz, dn
                ds[j], ds[H + j], ds[2 * H + j] = dr, dz, dn * r
                dh_prev[b, j] = d * z

    @_jit
    def rnn_step(gx, gh, relu, h_new):
        """h_new = tanh(gx + gh), or relu(gx + gh)."""
        B, H = h_new.shape
        for b in range(B):
            for j in range(H):
                v = gx[b, j] + gh[b, j]
                h_new[b, j] = (0.0 if v < 0 else v) if relu else math.tanh(v)

    @_jit
    def rnn_step_backward(dh, h, relu, dpre):
        """dpre = dh·tanh'(pre) = dh·(1 - h²), or dh where h > 0."""
        B, H = dh.shape
        for b in range(B):
            for j in range(H):
                v = h[b, j]
                dpre[b, j] = (dh[b, j] if v > 0 else 0.0) if relu else dh[b, j] * (1.0 - v * v)

    kernels = {"lstm_step": lstm_step, "lstm_step_backward": lstm_step_backward, "lstm_sequence": lstm_sequence,
               "lstm_sequence_backward": lstm_sequence_backward, "gru_step": gru_step,
               "gru_step_backward": gru_step_backward, "rnn_step": rnn_step, "rnn_step_backward": rnn_step_backward}
    globals().update(kernels)  # later lookups find them directly, without __getattr__
    return kernels


def _kernel(name):
    with _lock:
        return _compile()[name]


def __getattr__(name):
    try:
        return _kernel(name)
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


# ---------------------------------------------------------------------- a whole LSTM sequence
def _gemm_table(first, w, c, addresses):
    """The matrix-product jobs c = a_s @ w, one per step s: a_s has first's shape and strides and lies at
    addresses[s] (None when the BLAS cannot be called from a compiled loop)."""
    job = _threads._gemm_job(first, w, c)
    if job is None:
        return None
    table = np.array([job] * len(addresses), np.int64)
    table[:, 6] = addresses
    return table


def _parts(B):
    """The batch split into one block of rows per thread: LSTM rows are independent of each other. Blocks
    of 8 rows or more are whole multiples of 4: OpenBLAS's small products take rows 4 at a time
    (here a step's 10×200 @ 200×800 took 120 µs, 12 rows 94 µs and 8 rows 91 µs)."""
    n = max(1, min(_threads.get_num_threads(), B))
    step = -(-B // n)
    step = -(-step // 4) * 4 if step >= 8 else step
    return [(r, min(r + step, B)) for r in range(0, B, step)]


def lstm_forward(gx, whh, h0, cs, gates, tanh_c, out, reverse):
    """An LSTM layer's recurrence in compiled loops (lstm_sequence), each thread running the whole
    sequence for its rows of the batch: gx (T, B, 4H) the input projections with both biases, whh (4H, H),
    h0 (B, H) C-contiguous, cs[0 or T] the initial cell state; fills gates, cs, tanh_c, out. False (nothing
    done) when the BLAS cannot be called from the loops: then the caller steps in Python."""
    T, B, G = gx.shape
    H = whh.shape[1]
    size = gx.itemsize
    before = [t + 1 if reverse else t - 1 for t in (range(T - 1, -1, -1) if reverse else range(T))]
    jobs = []
    for r0, r1 in _parts(B):
        gh = np.empty((r1 - r0, G), gx.dtype)
        rows = (np.array(before[1:], np.int64) * B + r0) * H * size + out.ctypes.data
        table = _gemm_table(h0[r0:r1], whh.T, gh, [h0[r0:r1].ctypes.data] + rows.tolist())
        if table is None:
            return False
        jobs.append((table, gh, r0))
    kernel = _kernel("lstm_sequence")
    _threads.run(lambda share: [kernel(table, gx, gh, cs, gates, tanh_c, out, r0, int(reverse))
                                for table, gh, r0 in share], jobs)
    return True


def lstm_backward(gout, dh, dc, whh, gates, cs, tanh_c, dgx, reverse):
    """The backward pass of lstm_forward's recurrence (lstm_sequence_backward), split the same way: dh, dc
    (B, H) the final state's gradients, replaced by the initial state's; gout (T, B, H) or None; fills
    dgx (T, B, 4H) = dL/d(pre-activations). False (nothing done) as lstm_forward."""
    T, B, G = dgx.shape
    size = dgx.itemsize
    order = range(T) if reverse else range(T - 1, -1, -1)
    gout = np.empty((0, 0, 0), dgx.dtype) if gout is None else np.ascontiguousarray(gout)
    jobs = []
    for r0, r1 in _parts(B):
        rows = (np.array(order, np.int64) * B + r0) * G * size + dgx.ctypes.data
        table = _gemm_table(dgx[0, r0:r1], whh, dh[r0:r1], rows.tolist())
        if table is None:
            return False
        jobs.append((table, r0, r1))
    kernel = _kernel("lstm_sequence_backward")
    _threads.run(lambda share: [kernel(table, gout, dh[r0:r1], dc[r0:r1], gates, cs, tanh_c, dgx, r0, int(reverse))
                                for table, r0, r1 in share], jobs)
    return True
