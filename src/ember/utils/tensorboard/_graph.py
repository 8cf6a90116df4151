"""add_graph: one traced forward of a module as a TensorBoard GraphDef.

The forward runs once in eval mode with grad recording on; forward hooks on every submodule tell
which module each recorded op (grad_fn) was made in, and one backward pass through the recorded
graph (autograd.grad, nothing accumulated) gives each op's output shapes. Nodes are named by their
module scope as PyTorch's tracer names them: `Net/Sequential[features]/Conv2d[0]/convolution`.
"""
import inspect
import re

import ember

_BACKWARD = re.compile(r"Backward\d*$")
_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def op_type(node, aliases=()):
    """'aten::max_pool2d_with_indices' for a MaxPool2DWithIndicesBackward0 node."""
    if node in aliases:
        return "aten::alias"
    name = _BACKWARD.sub("", type(node).__name__)
    return "aten::" + _WORD.sub("_", name).lower()


def _tensors(value):
    """The tensors in a forward's argument or result (nested tuples, lists and dicts)."""
    if isinstance(value, ember.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


class _Tracer:
    """Records, for every grad_fn made during one forward, the scope of the module it was made in.

    At each module's entry and exit, nodes not yet claimed and reachable from the tensors at hand
    were made since the previous entry or exit, so inside the module then innermost: they get its scope."""

    def __init__(self, model):
        self.scope_of = {}   # grad_fn -> scope
        self.stack = []
        self.entered = []     # per active module: its input tensors with their grad_fn at entry
        self.aliases = set()  # the nodes of modules that returned their input, shown as aten::alias
        self.scopes = {}     # module -> scope (first name wins for a module shared under two names)
        self.params = {}     # id(parameter or buffer) -> node name
        root = type(model).__name__
        for name, module in model.named_modules():
            scope = root if not name else f"{self.scopes[_parent(model, name)]}/{type(module).__name__}[{name.rsplit('.', 1)[-1]}]"
            self.scopes.setdefault(module, scope)
            for pname, p in list(module._parameters.items()) + list(module._buffers.items()):
                if p is not None:
                    self.params.setdefault(id(p), f"{self.scopes[module]}/{pname}")
        self.handles = [h for m in self.scopes for h in (m.register_forward_pre_hook(self.enter),
                                                           m.register_forward_hook(self.exit))]

    def claim(self, tensors):
        scope = self.stack[-1]
        todo = [t.grad_fn for t in tensors if t.grad_fn is not None]
        while todo:
            node = todo.pop()
            if node in self.scope_of or type(node).__name__ == "AccumulateGrad":
                continue
            self.scope_of[node] = scope
            todo.extend(n for n, _ in node.next_functions if n is not None)

    def enter(self, module, args):
        tensors = _tensors(args)
        if self.stack:
            self.claim(tensors)
        self.stack.append(self.scopes[module])
        self.entered.append([(t, t.grad_fn) for t in tensors])

    def exit(self, module, args, result):
        entered = self.entered.pop()
        if isinstance(result, ember.Tensor) and result.requires_grad and \
                any(result is t and result.grad_fn is fn for t, fn in entered):
            # the module handed its input back untouched (Dropout in eval mode): an alias keeps it in the graph
            result = result.view_as(result)
            self.aliases.add(result.grad_fn)
        self.claim(_tensors(result))
        self.stack.pop()
        return result

    def remove(self):
        for h in self.handles:
            h.remove()


def _parent(model, name):
    return model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model


def _input_names(model, n):
    """The forward's parameter names for n positional inputs (input.1, ... past a *args)."""
    try:
        params = [p for p in inspect.signature(model.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[i].name if i < len(params) else f"input.{i + 1}" for i in range(n)]


def _shape_attr(shapes):
    from tensorboard.compat.proto.attr_value_pb2 import AttrValue
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    protos = [TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in s]) if s is not None
              else TensorShapeProto(unknown_rank=True) for s in shapes]
    return AttrValue(list=AttrValue.ListValue(shape=protos))


def _node_def(name, op, inputs=(), attr="", shapes=None):
    from tensorboard.compat.proto.attr_value_pb2 import AttrValue
    from tensorboard.compat.proto.node_def_pb2 import NodeDef
    attrs = {"attr": AttrValue(s=attr.encode())}
    if shapes is not None:
        attrs["_output_shapes"] = _shape_attr(shapes)
    return NodeDef(name=name, op=op, input=list(inputs), attr=attrs)


def _is_leaf(node):
    return type(node).__name__ == "AccumulateGrad"


def _ops_in_order(outputs):
    """Every node reachable from the outputs' grad_fns, each after the nodes it reads."""
    order, seen = [], set()
    stack = [(o.grad_fn, False) for o in reversed(outputs) if o.grad_fn is not None]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((n, False) for n, _ in reversed(node.next_functions) if n is not None and n not in seen)
    return order


def _output_shapes(order, outputs):
    """{op node: its outputs' shapes}, from one backward through the recorded graph (autograd.grad,
    nothing accumulated): the gradients reaching a node have the shapes of its outputs."""
    shapes = {}

    def record(node):
        return lambda grads: shapes.__setitem__(node, [None if g is None else tuple(g.shape) for g in grads])

    handles = [node.register_prehook(record(node)) for node in order if not _is_leaf(node)]
    roots = [o for o in outputs if o.grad_fn is not None and o.is_floating_point()]
    leaves = [node.variable for node in order if _is_leaf(node)]
    try:
        if roots and leaves:
            ember.autograd.grad(roots, leaves, grad_outputs=[ember.ones_like(o) for o in roots], allow_unused=True)
    except Exception:  # an op without a gradient rule: the graph still shows, without those shapes
        pass
    finally:
        for h in handles:
            h.remove()
    return shapes


def graph(model, args, verbose=False):
    """(GraphDef, RunMetadata) of one forward of `model` on `args` (a tensor or a tuple of arguments)."""
    from tensorboard.compat.proto.config_pb2 import RunMetadata
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
    from tensorboard.compat.proto.versions_pb2 import VersionDef

    args = () if args is None else tuple(args) if isinstance(args, (tuple, list)) else (args,)
    # leaf copies of the float inputs, so that ops on them are recorded even in a model without parameters
    inputs = tuple(a.detach().requires_grad_(a.is_floating_point()) if isinstance(a, ember.Tensor) else a for a in args)
    modes = {m: m.training for m in model.modules()}
    tracer = _Tracer(model)
    try:
        model.eval()
        with ember.enable_grad():
            outputs = _tensors(model(*inputs))
    finally:
        tracer.remove()
        for m, training in modes.items():
            m.training = training
    root = type(model).__name__
    input_name = {id(t): f"input/{n}" for t, n in zip(inputs, _input_names(model, len(inputs)))
                  if isinstance(t, ember.Tensor)}
    order = _ops_in_order(outputs)
    shapes = _output_shapes(order, outputs)

    names, used = {}, set()
    for node in order:
        if _is_leaf(node):
            var = node.variable
            name = input_name.get(id(var)) or tracer.params.get(id(var)) or f"{root}/tensor"
        else:
            name = f"{tracer.scope_of.get(node, root)}/{op_type(node, tracer.aliases)[6:]}"
        unique, k = name, 0
        while unique in used:
            k += 1
            unique = f"{name}.{k}"
        used.add(unique)
        names[node] = unique

    def edge(node, k):  # TensorFlow's convention: 'name:k' is output k of a node with several outputs
        return names[node] if k == 0 else f"{names[node]}:{k}"

    in_graph = set(names.values())  # inputs that ops read are leaves of the graph, written below
    nodes = [_node_def(input_name[id(t)], "IO Node", shapes=[tuple(t.shape)]) for t in inputs
             if isinstance(t, ember.Tensor) and input_name[id(t)] not in in_graph]
    for node in order:
        name = names[node]
        if not _is_leaf(node):
            inputs_of = [edge(n, k) for n, k in node.next_functions if n is not None]
            nodes.append(_node_def(name, op_type(node, tracer.aliases), inputs_of, "{}", shapes.get(node)))
        elif name.startswith("input/"):
            nodes.append(_node_def(name, "IO Node", shapes=[tuple(node.variable.shape)]))
        else:
            op = "prim::GetAttr" if node.variable is not None and id(node.variable) in tracer.params else "prim::Constant"
            nodes.append(_node_def(name, op, attr=f"{{ name :  {name.rsplit('/', 1)[-1]} }}",
                                   shapes=[tuple(node.variable.shape)]))
    for i, o in enumerate(outputs):
        source = [edge(o.grad_fn, o.output_nr)] if o.grad_fn is not None else [input_name[id(o)]] \
            if id(o) in input_name else []
        nodes.append(_node_def(f"output/output.{i + 1}", "IO Node", source, shapes=[tuple(o.shape)]))
    graph_def = GraphDef(node=nodes, versions=VersionDef(producer=22))
    if verbose:
        print(graph_def)
    return graph_def, RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
