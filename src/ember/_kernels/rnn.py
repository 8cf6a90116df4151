"""Compiled (numba) time steps of the recurrent layers: one pass over a step's gates each way.

A step of an LSTM as Ember ops is a dozen NumPy passes and autograd nodes over a (batch, 4·hidden)
array; here the gate nonlinearities, the cell update and their derivatives are one loop per step
(the LSTM's with the exp of ember._kernels.vmath, which vectorises in float32),
called by ember.nn._functional.rnn between the step's matrix products (BLAS). Each loop takes
float32 or float64 arrays, C-contiguous; gate blocks are stacked as in torch (i|f|g|o for LSTM,
r|z|n for GRU).

Forward loops save what the backward loops need: the activated gates (and the new cell state, and
for GRU the recurrent part of n's pre-activation).
"""
import functools
import math

import numpy as np

from .loops import _jit, _lock


@functools.lru_cache(maxsize=None)
def _compile():
    from .vmath import exp
    one, two = np.float32(1), np.float32(2)  # float32 constants: a float32 loop stays in float32

    @_jit
    def lstm_step(gx, gh, c, gates, c_new, tanh_c, h_new):
        """From the step's pre-activations gx + gh (B, 4H) (the input's and the state's projections):
        gates = σ(i), σ(f), tanh(g), σ(o); c_new = σ(f)·c + σ(i)·tanh(g); tanh_c = tanh(c_new);
        h_new = σ(o)·tanh_c. σ(x) = 1 / (1 + e^-x) and tanh(x) = 2σ(2x) - 1, with vmath's exp."""
        B, H = c.shape
        for b in range(B):
            x, s, a, cb, nb, tb, hb = gx[b], gh[b], gates[b], c[b], c_new[b], tanh_c[b], h_new[b]
            for j in range(2 * H):  # four simple loops, each vectorised (one loop over all four is not)
                a[j] = one / (one + exp(-(x[j] + s[j])))
            for j in range(2 * H, 3 * H):
                a[j] = two / (one + exp(-two * (x[j] + s[j]))) - one
            for j in range(3 * H, 4 * H):
                a[j] = one / (one + exp(-(x[j] + s[j])))
            for j in range(H):
                v = a[H + j] * cb[j] + a[j] * a[2 * H + j]
                nb[j] = v
                t = two / (one + exp(-two * v)) - one
                tb[j] = t
                hb[j] = a[3 * H + j] * t

    @_jit
    def lstm_step_backward(dh, dc, gates, c_prev, tanh_c, dpre):
        """dh (B, H) = dL/dh_t; dc (B, H) = dL/dc_t from later steps, replaced by dL/dc_{t-1};
        dpre (B, 4H) = dL/d(pre-activations), from the saved gates and tanh(c_t)."""
        B, H = dh.shape
        for b in range(B):
            a, d, tc, cp, gh_, gc = gates[b], dpre[b], tanh_c[b], c_prev[b], dh[b], dc[b]
            for j in range(H):
                i, f, g, o, t = a[j], a[H + j], a[2 * H + j], a[3 * H + j], tc[j]
                dcell = gc[j] + gh_[j] * o * (1 - t * t)
                d[j] = dcell * g * i * (1 - i)
                d[H + j] = dcell * cp[j] * f * (1 - f)
                d[2 * H + j] = dcell * i * (1 - g * g)
                d[3 * H + j] = gh_[j] * t * o * (1 - o)
                gc[j] = dcell * f

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

    kernels = {"lstm_step": lstm_step, "lstm_step_backward": lstm_step_backward, "gru_step": gru_step,
               "gru_step_backward": gru_step_backward, "rnn_step": rnn_step, "rnn_step_backward": rnn_step_backward}
    globals().update(kernels)  # later lookups find them directly, without __getattr__
    return kernels


def __getattr__(name):
    try:
        with _lock:
            return _compile()[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
