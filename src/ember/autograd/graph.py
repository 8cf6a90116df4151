"""The autograd graph and engine: nodes (grad_fn), saved tensors, and one backward loop.

A recorded op is a `Node` subclass named as PyTorch names it (`MulBackward0`). It holds the
edges to the nodes of its inputs (`next_functions`), the tensors its gradient rule needs
(`saved`, checked against in-place changes), and a `backward(*grads)` written with Ember's own
ops, so that running it with grad mode on (create_graph=True) records higher-order graphs.
"""
import traceback
import warnings
import weakref

from .grad_mode import state
from .._kernels import threads as _threads

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after "
         "they have already been freed). Saved intermediate values of the graph are freed when you call "
         ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph "
         "a second time or if you need to access saved tensors after calling backward.")
_NO_EDGE = (None, 0)
_RELEASED = ()  # the `_versions` of a node whose saved tensors were freed by a backward


class Node:
    """A grad_fn (torch.autograd.graph.Node). `next_functions` pairs each input with (its node,
    output index), or (None, 0) for an input that needs no gradient.

    Attributes live in the instance dict with class-level defaults, so recording a node sets
    only what it uses; hooks, anomaly traces and saved tensors cost nothing when absent."""
    n_outputs = 1
    next_functions = ()
    args = None
    _saved = _versions = None
    _pre_hooks = None       # {output_nr: [tensor hook(grad) -> grad | None]}
    _retain = None          # {output_nr: retain_grad callback}, run after the tensor hooks
    _node_pre_hooks = None  # [hook(grad_outputs) -> grad_outputs | None]
    _hooks = None           # [hook(grad_inputs, grad_outputs) -> grad_inputs | None]
    _trace = None           # the forward stack, kept in anomaly mode
    _hooked = False         # any of the pre-hooks above is set
    _v = None               # for a view's node: the storage version it was made at (see current_fn)

    # --- saved tensors -------------------------------------------------------------
    def save(self, *tensors):
        """Keep tensors for backward with their versions; an op's own output is saved as
        SavedOutput, which avoids an output -> grad_fn -> output reference cycle."""
        if state.inference_tensors:
            _refuse_inference_tensors(tensors)
        self._saved = tensors
        try:
            self._versions = [t._vc[0] for t in tensors]
        except AttributeError:  # None (or a non-tensor) among them
            self._versions = [t._vc[0] if hasattr(t, "_vc") else None for t in tensors]

    @property
    def saved(self):
        """The saved tensors, after checking that none was modified in place since."""
        saved = self._saved
        if saved is None:
            if self._versions is _RELEASED:
                raise RuntimeError(FREED)
            return ()
        out = []
        for t, v in zip(saved, self._versions):
            if type(t) is SavedOutput:
                if t._vc[0] != v:
                    raise RuntimeError(_version_message(t, v, self))
                t = t.unpack(self)
            elif v is not None and t._vc[0] != v:
                raise RuntimeError(_version_message(t, v, t.grad_fn))
            out.append(t)
        return tuple(out)

    saved_tensors = saved

    def _release(self):
        if self._saved is not None:
            self._saved, self._versions = None, _RELEASED

    # --- torch.autograd.graph.Node API ---------------------------------------------
    def name(self):
        return type(self).__name__

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node's backward; a returned tuple replaces grad_inputs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node's backward; a returned tuple replaces grad_outputs."""
        if self._node_pre_hooks is None:
            self._node_pre_hooks = []
            self._hooked = True
        self._node_pre_hooks.append(fn)
        return _Handle(self._node_pre_hooks, fn)

    def _add_pre_hook(self, output_nr, fn):
        """A tensor hook for output `output_nr` (Tensor.register_hook on a non-leaf)."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
            self._hooked = True
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return _Handle(hooks, fn)

    def _add_retain_hook(self, output_nr, fn):
        if self._retain is None:
            self._retain = {}
            self._hooked = True
        self._retain[output_nr] = fn

    @property
    def metadata(self):
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self.__dict__["_metadata"] = {}
        return d

    def __call__(self, *grads):
        return self.backward(*grads)

    def backward(self, *grads):
        raise NotImplementedError(f"{self.name()} has no backward")

    def __repr__(self):
        return f"<{self.name().rsplit('::', 1)[-1]} object at {hex(id(self))}>"


def _refuse_inference_tensors(tensors):
    for t in tensors:
        if getattr(t, "_meta", None) is not None and t._meta.get("inference"):
            raise RuntimeError("Inference tensors cannot be saved for backward. Please do not use Tensors created in "
                               "inference mode in computation tracked by autograd. To work around this, you can make "
                               "a clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` "
                               "instead of `torch.inference_mode()`.")


class SavedOutput:
    """An op's own output, saved without keeping the output tensor (and so its grad_fn) alive."""
    __slots__ = ("_data", "_dtype", "_vc", "output_nr")

    def __init__(self, t):
        self._data, self._dtype, self._vc, self.output_nr = t._data, t._dtype, t._vc, t._output_nr

    def unpack(self, node):
        from .._tensor import Tensor
        t = Tensor._make(self._data, self._dtype)
        t._vc = self._vc
        t.grad_fn, t._rg, t._output_nr = node, True, self.output_nr
        return t


class AccumulateGrad(Node):
    """The node at a leaf that requires grad: adds the incoming gradient to `variable.grad`."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"


class _Handle:
    """What register_hook returns: `.remove()` unregisters the hook."""
    __slots__ = ("_list", "_fn")

    def __init__(self, lst, fn):
        self._list, self._fn = lst, fn

    def remove(self):
        if self._fn in self._list:
            self._list.remove(self._fn)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _short_name(node):
    """How torch names a node in the version-counter message: ExpBackward0 -> Exp, PowBackward1 -> Pow1."""
    n = node.name()
    return n[:-9] if n.endswith("Backward0") else n.replace("Backward", "", 1)


def _version_message(t, expected, node):
    from .._dtype import legacy_type_name
    desc = f"[{legacy_type_name(t._dtype)} [{', '.join(map(str, t._data.shape))}]]"
    nr = t.output_nr if type(t) is SavedOutput else t._output_nr
    # a view whose base changed is, to torch, the output of a regenerated as_strided
    name = "AsStrided" if type(t) is not SavedOutput and t._base is not None else _short_name(node) if node else ""
    where = f", which is output {nr} of {name}," if node is not None else ""
    hint = ("Hint: the backtrace further above shows the operation that failed to compute its gradient. The variable "
            "in question was changed in there or anywhere later. Good luck!" if state.anomaly else
            "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False).")
    return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{desc}{where} is at version {t._vc[0]}; expected version {expected} instead. {hint}")


def _leaf_edge(t):
    acc = t._acc() if t._acc is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return (acc, 0)


def current_fn(t):
    """t.grad_fn; for a view whose base changed in place since, a regenerated one."""
    fn = t.grad_fn
    if fn is not None and fn._v is not None and fn._v != t._vc[0] and t._base is not None:
        from .._ops.shape import regenerate_view
        fn = regenerate_view(t)
    return fn


def edge(t):
    """The graph edge a tensor contributes as an input: its grad_fn, or its leaf's AccumulateGrad."""
    fn = current_fn(t)
    if fn is not None:
        return (fn, t._output_nr)
    if not t._rg:
        return _NO_EDGE
    return _leaf_edge(t)


def record(node_cls, outputs, inputs, args=None):
    """Attach a new `node_cls` node to `outputs` if grad mode is on and any input requires grad.
    Returns the node (to save tensors on) or None."""
    if not state.enabled:
        return None
    edges = []
    live = False
    for t in inputs:
        if t is None:
            edges.append(_NO_EDGE)
        elif t.grad_fn is not None:
            fn = t.grad_fn
            if fn._v is not None and fn._v != t._vc[0]:
                fn = current_fn(t)
            edges.append((fn, t._output_nr))
            live = True
        elif t._rg:
            edges.append(_leaf_edge(t))
            live = True
        else:
            edges.append(_NO_EDGE)
    if not live:
        return None
    node = node_cls()
    node.next_functions = tuple(edges)
    if args is not None:
        node.args = args
    if state.anomaly:
        node._trace = "".join(traceback.format_stack()[:-2])
    if type(outputs) is tuple:
        for i, o in enumerate(outputs):
            if o is not None:
                o.grad_fn, o._rg, o._output_nr = node, True, i
    else:
        outputs.grad_fn, outputs._rg = node, True
    return node


def _topological_order(roots):
    """Nodes reachable from roots, each before the nodes it feeds gradients into."""
    order, seen = [], set()
    for root in roots:
        if root is None or root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, it = stack[-1]
            for nxt, _ in it:
                if nxt is not None and nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, iter(nxt.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def run_backward(roots, grads, retain_graph=False, create_graph=False, inputs=None, accumulate=True):
    """Propagate `grads` from the `roots` edges through the graph, each node once, in topological
    order. With `inputs` (edges), only the part of the graph leading to them runs and the gradients
    reaching them are returned; with accumulate=True, leaves' `.grad` receive theirs."""
    buffers = {}
    for (node, nr), g in zip(roots, grads):
        if node is not None:
            buf = buffers.setdefault(node, [None] * node.n_outputs)
            buf[nr] = g if buf[nr] is None else buf[nr] + g
    order = _topological_order([n for n, _ in roots])
    targets = wanted = None
    if inputs is not None:
        targets = dict.fromkeys(inputs)
        wanted = _nodes_leading_to({n for n, _ in inputs}, order)
    given = {id(g) for g in grads}
    prev = (state.enabled, state.inference)
    state.enabled, state.inference = create_graph, False
    anomaly = state.anomaly
    try:
        for node in order:
            buf = buffers.pop(node, None)
            if buf is None or (wanted is not None and node not in wanted):
                continue
            if type(node) is AccumulateGrad:
                var = node.variable
                g = _run_leaf_hooks(var, buf[0]) if var._meta is not None else buf[0]
                if targets is None:
                    _accumulate(var, g, create_graph, given)
                elif (node, 0) in targets:
                    targets[(node, 0)] = g
                    if accumulate:
                        _accumulate(var, g, create_graph, given)
                continue
            if targets is not None:
                # torch's quirk: a node that also runs has its gradient captured before its hooks
                executes = any(n in wanted for n, _ in node.next_functions)
                if executes:
                    _capture(targets, node, buf)
            if node._hooked:
                _run_pre_hooks(node, buf)
            if targets is not None and not executes:
                _capture(targets, node, buf)
                continue
            grads_in = node.backward(*buf) if not anomaly else _backward_reporting(node, buf)
            if type(grads_in) is not tuple:
                grads_in = (grads_in,)
            if node._hooks is not None:
                for hook in node._hooks:
                    out = hook(grads_in, tuple(buf))
                    if out is not None:
                        grads_in = tuple(out)
            if anomaly and state.check_nan:
                _check_nan(node, grads_in)
            if not retain_graph and node._saved is not None:
                node._saved, node._versions = None, _RELEASED
            for (nxt, nr), g in zip(node.next_functions, grads_in):
                if nxt is None or g is None:
                    continue
                buf = buffers.get(nxt)
                if buf is None:
                    buf = buffers[nxt] = [None] * nxt.n_outputs
                if buf[nr] is None:
                    buf[nr] = g
                else:
                    _ready(buf[nr], g)  # a tied weight's two gradients: a worker may still be making one
                    buf[nr] = buf[nr] + g
    finally:
        state.enabled, state.inference = prev
        _threads.settle()  # the weights' gradients handed to the workers are all made before backward returns
    return targets


def _capture(targets, node, buf):
    for nr in range(node.n_outputs):
        if (node, nr) in targets:
            targets[(node, nr)] = buf[nr]


def _run_pre_hooks(node, buf):
    """Tensor hooks of each output, then retain_grad, then the node's own pre-hooks (torch's order)."""
    if node._pre_hooks is not None:
        for nr, hooks in node._pre_hooks.items():
            for hook in list(hooks):
                if buf[nr] is not None:
                    out = hook(buf[nr])
                    if out is not None:
                        buf[nr] = out
    if node._retain is not None:
        for nr, keep in node._retain.items():
            if buf[nr] is not None:
                keep(buf[nr])
    if node._node_pre_hooks is not None:
        for hook in list(node._node_pre_hooks):
            out = hook(tuple(buf))
            if out is not None:
                buf[:] = list(out)


def _nodes_leading_to(targets, order):
    """Nodes from which some target is reachable (so that autograd.grad does only needed work)."""
    memo = {}
    for node in reversed(order):
        memo[node] = node in targets or any(nxt is not None and memo.get(nxt, False) for nxt, _ in node.next_functions)
    return {n for n, ok in memo.items() if ok}


def _run_leaf_hooks(var, g):
    """A leaf's tensor hooks (Tensor.register_hook), run before its gradient is captured or accumulated."""
    for hook in list(var._meta.get("hooks", ())):
        out = hook(g)
        if out is not None:
            g = out
    return g


def _same_layout(a, b):
    """Whether two arrays have one shape and the same strides along every dim longer than 1."""
    return a.shape == b.shape and all(x == y for x, y, n in zip(a.strides, b.strides, a.shape) if n > 1)


def _like(a):
    """An empty array shaped and laid out as a when its strides are dense (a transposed leaf, say), else
    C-contiguous: where torch's AccumulateGrad puts a gradient."""
    import numpy as np
    out = np.empty_like(a, order="K")
    return out if _same_layout(out, a) else np.empty(a.shape, a.dtype)


def _ready(*grads):
    """Wait for the worker making any of these gradients (a weight's, handed over by a linear layer's
    backward: ember._kernels.threads.later) before reading them."""
    if _threads._handed and _threads.pending(*(g._data for g in grads)):
        _threads.settle()


def _accumulate(var, g, create_graph, given):
    """AccumulateGrad: add g into the leaf's `.grad` (in place when nobody else holds the buffer)."""
    if g is None:
        return
    if g._dtype is not var._dtype:  # e.g. sum(dtype=float64) of a float32 leaf: the leaf's grad keeps its dtype
        g = g.to(var._dtype)
    if var.grad is None:
        if not create_graph:
            g = g.detach()
            # Steal the buffer only if nothing else can see it (another leaf, a view, the caller) and it is
            # laid out as the leaf is; else copy it into the leaf's layout, as torch's AccumulateGrad does
            if id(g) in given or not g._data.flags.owndata or not _same_layout(g._data, var._data):
                _ready(g)
                g = g.expand(var.shape) if g._data.shape != var._data.shape else g
                if _same_layout(g._data, var._data):
                    data = g._data.copy(order="K")
                else:
                    data = _like(var._data)
                    data[...] = g._data
                g = type(g)._make(data, g._dtype)
            given.add(id(g))
        var.grad = g
    elif create_graph or var.grad._rg:
        var.grad = var.grad + g
    else:
        _ready(g)
        var.grad._data += g._data
        var.grad._vc[0] += 1
    post = var._meta.get("post_hooks") if var._meta is not None else None
    if post:
        for hook in post:
            hook(var)


def _backward_reporting(node, buf):
    """node.backward, naming the forward call that made the node if it fails (anomaly mode)."""
    try:
        return node.backward(*buf)
    except Exception:
        _warn_trace(node)
        raise


def _warn_trace(node):
    if node._trace:
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                      + node._trace, UserWarning)


def _check_nan(node, grads):
    for i, g in enumerate(grads):
        if g is not None and (g.dtype.is_floating_point or g.dtype.is_complex) and bool(g.isnan().any()):
            _warn_trace(node)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
