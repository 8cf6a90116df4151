"""What a recurrent layer computes: one time step of RNN, LSTM and GRU, and one direction of a
layer over a whole sequence.

A step is a small function of Ember ops (`STEPS`), so autograd, including higher-order gradients,
comes from the ops; `over_time` runs a step along a (possibly packed) sequence. `layer` computes
the same as `over_time` for a whole unpacked sequence as ONE autograd node (torch's
MkldnnRnnLayerBackward0 for LSTM): every step's input projection in one GEMM, one small GEMM per
step for the state's projection, the gates in one compiled pass each way (ember._kernels.rnn), and
the weight gradients of all steps in one GEMM each. Its backward under create_graph=True recomputes
the layer with the step ops, so double backward still works.
"""
import numpy as np

from ... import _dtype as D
from ...autograd.graph import record, SavedOutput
from ...autograd.grad_mode import state, enable_grad
from ..._ops.registry import node_class, wrap
from ..._ops.shape import cat
from ..._kernels import loops as _loops, threads as _threads
from .linear import linear

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---------------------------------------------------------------------- one time step, as ops
def _rnn_step(relu):
    def step(gx, h, w_hh, b_hh, w_hr=None):
        pre = gx + linear(h, w_hh, b_hh)
        return pre.relu() if relu else pre.tanh()
    return step


def _lstm_step(gx, state, w_hh, b_hh, w_hr=None):
    h, c = state
    i, f, g, o = (gx + linear(h, w_hh, b_hh)).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return (h if w_hr is None else linear(h, w_hr)), c


def _gru_step(gx, h, w_hh, b_hh, w_hr=None):
    rx, zx, nx = gx.chunk(3, -1)
    rh, zh, nh = linear(h, w_hh, b_hh).chunk(3, -1)
    r, z = (rx + rh).sigmoid(), (zx + zh).sigmoid()
    n = (nx + r * nh).tanh()
    return n + z * (h - n)  # = (1 - z) * n + z * h


STEPS = {"RNN_TANH": _rnn_step(False), "RNN_RELU": _rnn_step(True), "LSTM": _lstm_step, "GRU": _gru_step}


def over_time(mode, gx, sizes, initial, weights, reverse):
    """One direction over time with the step ops: gx holds each step's input projection (sizes[t]
    rows at step t, sequences sorted longest first), initial the state tuple, weights (w_hh, b_hh,
    w_hr). A sequence's state stops changing after its last step. Returns the output rows of all
    steps and the final state tuple."""
    step, lstm = STEPS[mode], mode == "LSTM"
    state_, done, outs = None, [], []
    for t in (reversed(range(len(sizes))) if reverse else range(len(sizes))):
        n = sizes[t]
        if state_ is None:
            state_ = tuple(s[:n] for s in initial)
        elif n < state_[0].shape[0]:  # sequences that ended keep their last state
            done.append(tuple(s[n:] for s in state_))
            state_ = tuple(s[:n] for s in state_)
        elif n > state_[0].shape[0]:  # (reversed) sequences that start here begin from the initial state
            state_ = tuple(cat([s, s0[s.shape[0]:n]]) for s, s0 in zip(state_, initial))
        new = step(gx[t], state_ if lstm else state_[0], *weights)
        state_ = new if lstm else (new,)
        outs.append(state_[0])
    if reverse:
        outs.reverse()
    final = tuple(cat([s] + [d[i] for d in reversed(done)]) if done else s for i, s in enumerate(state_))
    return cat(outs), final


def _layer_ops(mode, x, initial, w_ih, w_hh, b_ih, b_hh, reverse):
    """`layer` computed with the step ops (what its node's double backward differentiates)."""
    T, B = x.shape[0], x.shape[1]
    gx = linear(x.reshape(T * B, x.shape[2]), w_ih, b_ih).split([B] * T)
    out, final = over_time(mode, gx, [B] * T, initial, (w_hh, b_hh, None), reverse)
    return (out.reshape(T, B, out.shape[-1]),) + final


# ---------------------------------------------------------------------- a whole sequence, one node
def fits(x, proj_size):
    """Whether `layer` runs this input: float32/float64 with the compiled loops at hand, no projection."""
    return proj_size == 0 and x._dtype in (D.float32, D.float64) and _loops.fits(x._data)


def layer(mode, x, initial, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """One direction of a recurrent layer over x (T, B, features) from the initial state tuple
    ((h0,) or (h0, c0), each (B, hidden)): the output (T, B, hidden) and the final state tuple."""
    from ..._kernels import rnn as K
    xa = np.ascontiguousarray(x._data)
    T, B, F = xa.shape
    wih, whh = w_ih._data, w_hh._data
    G, H = whh.shape
    dt = xa.dtype
    gx = _threads.matmul(xa.reshape(T * B, F), wih.T)
    if b_ih is not None:
        gx += b_ih._data
    if b_hh is not None and mode != "GRU":  # GRU's b_hh sits inside r·(h W_hnᵀ + b_hn)
        gx += b_hh._data
    gx = gx.reshape(T, B, G)
    h0 = np.ascontiguousarray(initial[0]._data)
    out = np.empty((T, B, H), dt)
    gh = np.empty((T, B, G) if mode == "GRU" else (B, G), dt)
    gates = np.empty((T, B, G), dt) if mode in ("LSTM", "GRU") else None
    cs = tanh_c = None
    if mode == "LSTM":  # cs[t + 1] is the cell state after time t (forward) and cs[t] before it (reverse)
        cs, tanh_c = np.empty((T + 1, B, H), dt), np.empty((T, B, H), dt)
        cs[T if reverse else 0] = initial[1]._data
    whh_t = whh.T
    h = h0
    steps = range(T - 1, -1, -1) if reverse else range(T)
    if mode == "LSTM" and K.lstm_forward(gx, whh, h0, cs, gates, tanh_c, out, reverse):
        steps = ()  # the whole sequence ran in the compiled loop
    for t in steps:
        if mode == "GRU":
            np.matmul(h, whh_t, out=gh[t])
            if b_hh is not None:
                gh[t] += b_hh._data
            K.gru_step(gx[t], gh[t], h, gates[t], out[t])
        else:
            np.matmul(h, whh_t, out=gh)
            if mode == "LSTM":
                K.lstm_step(gx[t], gh, cs[t + reverse], gates[t], cs[t + 1 - reverse], tanh_c[t], out[t])
            else:
                K.rnn_step(gx[t], gh, mode == "RNN_RELU", out[t])
        h = out[t]
    last = 0 if reverse else T - 1
    res = wrap(out, x._dtype)
    finals = (wrap(out[last].copy(), x._dtype),)
    if mode == "LSTM":
        finals += (wrap(cs[0 if reverse else T].copy(), x._dtype),)
    if state.enabled:
        node = record(_NODES[mode], (res,) + finals, (x, w_ih, w_hh, b_ih, b_hh) + tuple(initial),
                      (mode, reverse, gates, gh, cs, tanh_c))
        if node is not None:
            node.save(x, w_ih, w_hh, b_ih, b_hh, *initial, SavedOutput(res))
    return res, finals


def _layer_backward(self, g_out, *g_finals):
    *inputs, out = self.saved
    mode, reverse, gates, gh, cs, tanh_c = self.args
    x, w_ih, w_hh, b_ih, b_hh, *initial = inputs
    edges = self.next_functions
    if state.enabled:  # create_graph: differentiate the same layer written with the step ops
        return _recomputed_backward(mode, reverse, inputs, edges, (g_out,) + g_finals)
    from ..._kernels import rnn as K
    xa, oa = np.ascontiguousarray(x._data), out._data
    T, B, F = xa.shape
    whh, wih = w_hh._data, w_ih._data
    G, H = whh.shape
    dt = oa.dtype
    h0 = initial[0]._data
    dh = g_finals[0]._data.copy() if g_finals[0] is not None else np.zeros((B, H), dt)
    dc = None
    if mode == "LSTM":
        dc = g_finals[1]._data.copy() if g_finals[1] is not None else np.zeros((B, H), dt)
    gout = g_out._data if g_out is not None else None
    dgx = np.empty((T, B, G), dt)
    dgh = np.empty((T, B, G), dt) if mode == "GRU" else dgx
    direct = np.empty((B, H), dt)
    prev = np.empty((T, B, H), dt)  # the state each step started from
    if reverse:
        prev[-1], prev[:-1] = h0, oa[1:]
    else:
        prev[0], prev[1:] = h0, oa[:-1]
    steps = range(T) if reverse else range(T - 1, -1, -1)
    if mode == "LSTM" and K.lstm_backward(gout, dh, dc, whh, gates, cs, tanh_c, dgx, reverse):
        steps = ()  # the whole sequence ran in the compiled loop
    for t in steps:
        if gout is not None:
            dh += gout[t]
        if mode == "LSTM":
            K.lstm_step_backward(dh, dc, gates[t], cs[t + reverse], tanh_c[t], dgx[t])
            dh = dgx[t] @ whh
        elif mode == "GRU":
            K.gru_step_backward(dh, gates[t], gh[t], prev[t], dgx[t], dgh[t], direct)
            dh = dgh[t] @ whh
            dh += direct
        else:
            K.rnn_step_backward(dh, oa[t], mode == "RNN_RELU", dgx[t])
            dh = dgx[t] @ whh
    dgx2, dgh2 = dgx.reshape(T * B, G), dgh.reshape(T * B, G)
    want = [e[0] is not None for e in edges]
    pairs = []
    if want[0]:
        pairs.append((dgx2, wih))
    if want[1]:
        pairs.append((dgx2.T, xa.reshape(T * B, F)))
    if want[2]:
        pairs.append((dgh2.T, prev.reshape(T * B, H)))
    products = iter(_threads.products(pairs))
    dt_ = x._dtype
    grads = [wrap(next(products).reshape(T, B, F), dt_) if want[0] else None,
             wrap(next(products), dt_) if want[1] else None,
             wrap(next(products), dt_) if want[2] else None,
             wrap(dgx2.sum(0), dt_) if want[3] else None,
             wrap(dgh2.sum(0), dt_) if want[4] else None,
             wrap(dh, dt_) if want[5] else None]
    if mode == "LSTM":
        grads.append(wrap(dc, dt_) if want[6] else None)
    return tuple(grads)


def _recomputed_backward(mode, reverse, inputs, edges, grads):
    from ...autograd import grad as autograd_grad
    with enable_grad():
        outs = _layer_ops(mode, inputs[0], tuple(inputs[5:]), *inputs[1:5], reverse)
    pairs = [(o, g) for o, g in zip(outs, grads) if g is not None]
    wanted = [i for i, (t, e) in enumerate(zip(inputs, edges)) if t is not None and e[0] is not None]
    found = autograd_grad([o for o, _ in pairs], [inputs[i] for i in wanted], [g for _, g in pairs],
                          create_graph=True, allow_unused=True)
    result = [None] * len(inputs)
    for i, r in zip(wanted, found):
        result[i] = r
    return tuple(result)


# torch on a CPU records an LSTM layer as one MkldnnRnnLayerBackward0; its RNN and GRU layers stack
# the steps' outputs (StackBackward0)
_NODES = {mode: node_class(name, _layer_backward, n_outputs=3 if mode == "LSTM" else 2)
          for mode, name in (("LSTM", "MkldnnRnnLayerBackward0"), ("GRU", "StackBackward0"),
                             ("RNN_TANH", "StackBackward0"), ("RNN_RELU", "StackBackward0"))}
