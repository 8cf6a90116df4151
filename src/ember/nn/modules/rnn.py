"""Recurrent layers (torch.nn.modules.rnn): RNN, LSTM, GRU and their one-step cells.

What a step and a layer compute is in ember.nn._functional.rnn: a whole unpacked sequence runs as
one node per layer and direction (`layer`), packed sequences and projections step by step with the
step ops (`over_time`). Parameters are named and laid out as in torch (weight_ih_l{k}[_reverse],
gates stacked i|f|g|o for LSTM and r|z|n for GRU).
"""
import math
import numbers
import warnings

from ..._ops.creation import empty, zeros
from ..._ops.shape import stack, cat
from ..parameter import Parameter
from .. import init
from .. import functional as F
from .._functional import rnn as R
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

def _reset_uniform(module):
    """torch's default for recurrent layers: every parameter ~ U(-1/sqrt(hidden), 1/sqrt(hidden))."""
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for w in module.parameters():
        init.uniform_(w, -stdv, stdv)


# ---------------------------------------------------------------------- the sequence layers
class RNNBase(Module):
    """The parameters and the time loop shared by RNN, LSTM and GRU (torch.nn.RNNBase)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be an integer greater than zero" if isinstance(hidden_size, int)
                             else f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be an integer greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gate_size = R.GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(dirs):
                layer_in = input_size if layer == 0 else real_hidden * dirs
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_in)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(empty(*shape, dtype=dtype)))
                    names.append(name + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def __getstate__(self):
        state = super().__getstate__()
        state["_flat_weights"] = self._flat_weights  # torch's RNNs keep this list as an attribute
        return state

    def __setstate__(self, state):
        # torch's cached weight lists: a property here, always read from the parameters
        super().__setstate__({k: v for k, v in state.items() if k not in ("_flat_weights", "_flat_weight_refs")})

    def flatten_parameters(self):
        """A no-op kept for API compatibility (there is no cuDNN weight buffer to compact)."""

    def reset_parameters(self):
        _reset_uniform(self)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---------------------------------------------------------------- forward
    def _check_input(self, input, packed=False):
        if input.dim() not in ((2,) if packed else (2, 3)):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")

    def _check_hidden(self, hx, expected, label):
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"Expected {label} size {expected}, got [{', '.join(map(str, hx.shape))}]")

    def _initial(self, hx, batch, dtype, batched):
        """Initial states as a tuple (h0,) or (h0, c0), each (layers·dirs, N, size)."""
        dirs = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        sizes = (real_hidden, self.hidden_size) if self.mode == "LSTM" else (real_hidden,)
        if hx is None:
            return tuple(zeros(self.num_layers * dirs, batch, s, dtype=dtype) for s in sizes)
        states = tuple(hx) if self.mode == "LSTM" else (hx,)
        want = 3 if batched else 2
        if any(s.dim() != want for s in states):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            if self.mode == "LSTM":
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({states[0].dim()}-D, {states[1].dim()}-D) tensors")
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {states[0].dim()}-D tensor")
        if not batched:
            states = tuple(s.unsqueeze(1) for s in states)
        for i, (s, size) in enumerate(zip(states, sizes)):
            label = f"hidden[{i}]" if self.mode == "LSTM" else "hidden"
            self._check_hidden(s, (self.num_layers * dirs, batch, size), label)
        return states

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            self._check_input(data, packed=True)
            sizes = batch_sizes.tolist()
            states = self._initial(hx, sizes[0], data.dtype, True)
            if sorted_indices is not None:  # the states follow the sequences into length order
                states = tuple(st.index_select(1, sorted_indices) for st in states)
        else:
            self._check_input(input)
            batched = input.dim() == 3
            x = input if batched else input.unsqueeze(1)
            if self.batch_first and batched:
                x = x.transpose(0, 1)
            states = self._initial(hx, x.shape[1], input.dtype, batched)
            whole = R.fits(x, self.proj_size)  # a whole sequence: one node per layer and direction
            data, sizes = (x, None) if whole else (x.reshape(x.shape[0] * x.shape[1], x.shape[2]),
                                                   [x.shape[1]] * x.shape[0])
        out, finals = self._layers(data, sizes, states)
        finals = tuple(stack(f, 0) for f in zip(*finals))  # (h_n,) or (h_n, c_n)
        if packed:
            if unsorted_indices is not None:
                finals = tuple(f.index_select(1, unsorted_indices) for f in finals)
            output = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        else:
            output = out if whole else out.reshape(x.shape[0], x.shape[1], out.shape[-1])
            if self.batch_first and batched:
                output = output.transpose(0, 1)
            if not batched:
                output = output.squeeze(1)
                finals = tuple(f.squeeze(1) for f in finals)
        return (output, finals) if self.mode == "LSTM" else (output, finals[0])

    def _layers(self, data, sizes, states):
        """Run every layer and direction over data: a whole sequence (T, N, features) when sizes is
        None, else rows (Σ sizes, features) whose step t holds sizes[t] rows (sequences sorted longest
        first). Returns the last layer's output and the final state tuple of each layer and direction."""
        dirs = 2 if self.bidirectional else 1
        per_layer = [st.unbind(0) for st in states]
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(dirs):
                k = layer * dirs + direction
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)
                b_ih, b_hh = (getattr(self, "bias_ih" + sfx), getattr(self, "bias_hh" + sfx)) if self.bias else (None, None)
                initial = tuple(p[k] for p in per_layer)
                if sizes is None:
                    out, final = R.layer(self.mode, data, initial, w_ih, w_hh, b_ih, b_hh, bool(direction))
                else:
                    gx = F.linear(data, w_ih, b_ih).split(sizes)  # every step's input projection in one GEMM
                    weights = (w_hh, b_hh, getattr(self, "weight_hr" + sfx) if self.proj_size else None)
                    out, final = R.over_time(self.mode, gx, sizes, initial, weights, bool(direction))
                outs.append(out)
                finals.append(final)
            data = outs[0] if dirs == 1 else cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                data = F.dropout(data, self.dropout, True)
        return data, finals


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) (or relu) (torch.nn.RNN)."""

    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory; returns output, (h_n, c_n) (torch.nn.LSTM); proj_size projects h."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit; returns output, h_n (torch.nn.GRU)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# ---------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """weight_ih, weight_hh, bias_ih, bias_hh of one step (torch.nn.RNNCellBase)."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, hx, n_states):
        """Batched input and states (zeros when hx is None), with torch's checks."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        states = (hx if isinstance(hx, (tuple, list)) else (hx,)) if hx is not None else None
        if states is not None and any(s.dim() not in (1, 2) for s in states):
            raise ValueError(f"{type(self).__name__}: Expected hidden to be 1D or 2D, got {states[0].dim()}D "
                             "instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        if states is None:
            states = tuple(zeros(x.shape[0], self.hidden_size, dtype=input.dtype) for _ in range(n_states))
        elif not batched:
            states = tuple(s.unsqueeze(0) for s in states)
        for i, s in enumerate(states):
            if s.shape[0] != x.shape[0]:
                raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{i} batch size {s.shape[0]}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {s.shape[1]}, expected "
                                   f"{self.hidden_size}")
        return x, states, batched


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (torch.nn.RNNCell)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        step = R.STEPS["RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"]
        out = step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns (h', c') (torch.nn.LSTMCell)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        x, state, batched = self._prepare(input, hx, 2)
        h, c = R.STEPS["LSTM"](F.linear(x, self.weight_ih, self.bias_ih), state, self.weight_hh, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (torch.nn.GRUCell)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        out = R.STEPS["GRU"](F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)
