"""The tracer behind ember.onnx.export: hooks on the model's modules and temporary wrappers around a
few tensor functions turn one run of the model into ONNX nodes (see _ops.py for each conversion)."""
import contextlib
import inspect
import os
import warnings

import numpy as np

from .. import Tensor
from . import _ops

DEFAULT_OPSET = 18
MIN_OPSET = 13  # Softmax/LogSoftmax take one axis from opset 13 on, as torch's dim does

_exporting = False


def is_in_onnx_export():
    """True while ember.onnx.export is tracing a model (torch.onnx.is_in_onnx_export)."""
    return _exporting


class UnsupportedOperatorError(RuntimeError):
    """The model computes something the ONNX exporter cannot express (torch.onnx.errors.UnsupportedOperatorError)."""


class Graph:
    """The ONNX graph under construction: nodes, initializers, and the ONNX name of each traced tensor."""

    def __init__(self, model, opset):
        from onnx import helper, numpy_helper
        self.helper, self.numpy_helper, self.opset = helper, numpy_helper, opset
        self.nodes, self.initializers, self.inputs = [], [], []
        self.names = {}  # id(tensor) -> ONNX value name
        self.alive = []  # every named tensor stays referenced, so no id is reused while tracing
        self.state = {}  # id(parameter or buffer) -> (state_dict name, tensor)
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            self.state.setdefault(id(t), (name, t))
        self.stack = [""]  # qualified names of the modules being run
        self.pending = []  # the inputs of each recorded module call under way
        self.suppress = 0  # > 0 inside a recorded call: what it calls internally is not recorded
        self._count = 0

    # ------------------------------------------------------------------ values
    def bind(self, t, name):
        self.names[id(t)] = name
        self.alive.append(t)

    def fresh(self, op):
        self._count += 1
        scope = self.stack[-1].replace(".", "/")
        return f"/{scope}/{op}_output_{self._count}" if scope else f"/{op}_output_{self._count}"

    def name_of(self, t, like=None):
        """The ONNX value for an operand: a traced tensor, a parameter or buffer (an initializer under
        its state_dict name), a constant tensor or Python number (an initializer), never a tensor some
        unrecorded operation derived from the inputs."""
        if not isinstance(t, Tensor):
            if not isinstance(t, (bool, int, float)):
                raise UnsupportedOperatorError(f"ember.onnx.export: in module '{self.stack[-1] or '<model>'}', "
                                               f"an operand of type {type(t).__name__} cannot be exported")
            dtype = like._dtype.np if isinstance(like, Tensor) else np.float32
            return self.constant(np.asarray(t, dtype=dtype))
        name = self.names.get(id(t))
        if name is not None:
            return name
        if id(t) in self.state:
            name, p = self.state[id(t)]
            self._initializer(name, p)
            self.bind(p, name)
            return name
        if t.grad_fn is not None:
            raise UnsupportedOperatorError(
                f"ember.onnx.export: in module '{self.stack[-1] or '<model>'}', a tensor comes from an operation "
                f"the ONNX exporter does not support ({t.grad_fn.name()}); export supports the layers and "
                f"functions listed in ember.onnx")
        name = self.constant(t._data)
        self.bind(t, name)
        return name

    def _initializer(self, name, t):
        arr = np.array(t._data if isinstance(t, Tensor) else t, order="C")  # a copy that keeps 0-d as 0-d
        if arr.dtype.name == "bfloat16":
            raise UnsupportedOperatorError(f"ember.onnx.export: {name} is bfloat16, which the exporter does not "
                                           "write; convert the model with .float() first")
        self.initializers.append(self.numpy_helper.from_array(arr, name))

    def constant(self, array, hint="Constant"):
        self._count += 1
        name = f"onnx::{hint}_{self._count}"
        self._initializer(name, np.asarray(array))
        return name

    def int64s(self, values):
        return self.constant(np.asarray(values, dtype=np.int64))

    # ------------------------------------------------------------------ nodes
    def node(self, op, inputs, out, **attrs):
        """Add node `op`(inputs) whose result is the tensor `out` (or, given a str, a value of that name)."""
        name = out if isinstance(out, str) else self.fresh(op)
        self.nodes.append(self.helper.make_node(op, list(inputs), [name], name=name.replace("_output_", "_"),
                                                **{k: v for k, v in attrs.items() if v is not None}))
        if isinstance(out, Tensor):
            self.bind(out, name)
        return name

    def alias(self, out, source):
        """`out` is `source` unchanged (dropout in eval mode, contiguous, identity)."""
        self.bind(out, self.name_of(source))


@contextlib.contextmanager
def _tracing(model, graph):
    """Hooks on every module and wrappers around the recorded functions, removed on exit."""
    global _exporting
    handles, patched = [], []
    converters = _ops.module_converters()
    for path, module in model.named_modules():
        convert = next((c for cls, c in converters if isinstance(module, cls)), None)
        handles.append(module.register_forward_pre_hook(_pre_hook(graph, path, convert)))
        handles.append(module.register_forward_hook(_post_hook(graph, path, convert)))
    for owner, attr, convert in _ops.function_converters():
        orig = owner.__dict__.get(attr) if isinstance(owner, type) else getattr(owner, attr, None)
        try:
            sig = inspect.signature(orig)
        except (TypeError, ValueError):  # absent, or not a Python function whose arguments can be bound
            continue
        patched.append((owner, attr, orig))
        setattr(owner, attr, _traced(graph, orig, convert, sig))
    modes = [(m, m.training) for m in model.modules()]
    _exporting = True
    try:
        model.eval()
        yield
    finally:
        _exporting = False
        for m, mode in modes:
            m.training = mode
        for owner, attr, orig in reversed(patched):
            setattr(owner, attr, orig)
        for h in handles:
            h.remove()


def _pre_hook(graph, path, convert):
    def hook(module, args):
        graph.stack.append(path)
        if convert is not None:
            graph.suppress += 1
            graph.pending.append(args)
    return hook


def _post_hook(graph, path, convert):
    def hook(module, args, out):
        if convert is not None:
            graph.suppress -= 1
            inputs = graph.pending.pop()
            if not graph.suppress:
                convert(graph, module, inputs, out)
        if not graph.suppress:
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(t, Tensor) and id(t) not in graph.names and t.grad_fn is not None:
                    raise UnsupportedOperatorError(
                        f"ember.onnx.export: module '{path or '<model>'}' ({type(module).__name__}) computes its "
                        f"output with an operation the ONNX exporter does not support ({t.grad_fn.name()})")
        graph.stack.pop()
    return hook


def _traced(graph, orig, convert, sig):
    def traced(*args, **kwargs):
        if graph.suppress:
            return orig(*args, **kwargs)
        graph.suppress += 1
        try:
            out = orig(*args, **kwargs)
        finally:
            graph.suppress -= 1
        convert(graph, out, _arguments(sig, args, kwargs))
        return out
    return traced


def _arguments(sig, args, kwargs):
    """A call's arguments by parameter name, *args spread out (name0, name1, ...) and **kwargs merged in,
    so a wrapper like `add_(self, *args, **kwargs)` reads like `add_(self, other, alpha)`."""
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    found = {}
    for name, value in bound.arguments.items():
        kind = sig.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            found.update((f"{name}{i}", v) for i, v in enumerate(value))
        elif kind is inspect.Parameter.VAR_KEYWORD:
            found.update(value)
        else:
            found[name] = value
    return found


def _flat_outputs(out):
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat_outputs(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _flat_outputs(o)]
    raise UnsupportedOperatorError(f"ember.onnx.export: the model returned {type(out).__name__}, "
                                   "not tensors")


def _dynamic_dims(dynamic_axes, names):
    """{value name: {axis: symbolic name}} from torch's dynamic_axes forms (dicts or lists of axes)."""
    dims = {}
    for key, axes in (dynamic_axes or {}).items():
        if key not in names:
            warnings.warn(f"Provided key {key} for dynamic axes is not a valid input/output name")
            continue
        if isinstance(axes, dict):
            dims[key] = {int(a): str(n) for a, n in axes.items()}
        else:
            dims[key] = {int(a): f"{key}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
    return dims


def _value_info(helper, name, t, dims):
    shape = [dims.get(name, {}).get(i, n) for i, n in enumerate(t.shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(t._dtype.np), shape)


def export(model, args=(), f=None, *, kwargs=None, export_params=True, verbose=False, input_names=None,
           output_names=None, opset_version=None, dynamic_axes=None, do_constant_folding=True,
           training=None, keep_initializers_as_inputs=False, dynamo=False, **unused):
    """Export `model` run on `args` to an ONNX file `f` (a path or binary file object), as
    torch.onnx.export does. `input_names`/`output_names` name the graph's inputs and outputs,
    `dynamic_axes` ({name: {axis: 'batch'}} or {name: [axes]}) makes those dimensions symbolic.
    The model is traced in eval mode. Returns the onnx.ModelProto."""
    try:
        import onnx
    except ImportError:
        raise ImportError("ember.onnx.export needs the onnx package: pip install 'ember[onnx]'") from None
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(f"ember.onnx.export supports opset_version {MIN_OPSET} to "
                         f"{onnx.defs.onnx_opset_version()}, got {opset}")
    if not export_params:
        raise NotImplementedError("ember.onnx.export: export_params=False is not supported")
    args = args if isinstance(args, tuple) else (args,)
    if args and isinstance(args[-1], dict) and kwargs is None:
        args, kwargs = args[:-1], args[-1]
    kwargs = dict(kwargs or {})

    graph = Graph(model, opset)
    example = [a for a in list(args) + list(kwargs.values()) if isinstance(a, Tensor)]
    try:
        params = [p for p in inspect.signature(model.forward).parameters]
    except (TypeError, ValueError):
        params = []
    default_names = [params[i] if i < len(params) else f"input_{i}" for i in range(len(example))]
    input_names = list(input_names or []) + default_names[len(input_names or []):]

    from .. import enable_grad
    traced_args = {}
    for a, name in zip(example, input_names):
        # a float input gets a grad_fn, so any tensor derived from it by an unrecorded op is caught
        t = a.detach().requires_grad_(True) * 1 if a.dtype.is_floating_point else a.detach().clone()
        graph.bind(t, name)
        graph.inputs.append((name, t))
        traced_args[id(a)] = t
    call_args = [traced_args.get(id(a), a) for a in args]
    call_kwargs = {k: traced_args.get(id(v), v) for k, v in kwargs.items()}
    with enable_grad(), _tracing(model, graph):
        out = model(*call_args, **call_kwargs)
    outputs = _flat_outputs(out)
    names = list(output_names or [])
    names += ["output" if len(outputs) == 1 else f"output_{i}" for i in range(len(names), len(outputs))]
    dims = _dynamic_dims(dynamic_axes, set(input_names) | set(names))

    renamed = {}
    for t, name in zip(outputs, names):
        source = graph.name_of(t)
        producer = next((n for n in graph.nodes if source in n.output), None)
        if producer is not None and source not in renamed and not any(source == i for i, _ in graph.inputs):
            producer.output[list(producer.output).index(source)] = name
            for n in graph.nodes:
                for k, v in enumerate(n.input):
                    if v == source:
                        n.input[k] = name
            renamed[source] = name
        else:
            graph.node("Identity", [renamed.get(source, source)], name)

    h = onnx.helper
    g = h.make_graph(graph.nodes, getattr(model, "_get_name", lambda: type(model).__name__)(),
                     [_value_info(h, n, t, dims) for n, t in graph.inputs],
                     [_value_info(h, n, t, dims) for t, n in zip(outputs, names)],
                     initializer=graph.initializers)
    opsets = [h.make_opsetid("", opset)]
    proto = h.make_model(g, opset_imports=opsets, producer_name="ember", producer_version=_version(),
                         ir_version=h.find_min_ir_version_for(opsets))
    onnx.checker.check_model(proto)
    if verbose:
        print(h.printable_graph(proto.graph))
    if f is not None:
        data = proto.SerializeToString()
        if isinstance(f, (str, bytes, os.PathLike)):
            from ..serialization import _atomic_write
            _atomic_write(f, lambda fh: fh.write(data))
        elif hasattr(f, "write"):
            f.write(data)
        else:
            raise TypeError(f"ember.onnx.export: f must be a path or a binary file object, got {type(f).__name__}")
    return proto


def _version():
    from .. import __version__
    return __version__
