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

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after "
         "they have already been freed). Saved intermediate values of the graph are freed when you call "
         ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph "
         "a second time or if you need to access saved tensors after calling backward.")


class Node:
    """A grad_fn. `next_functions` pairs each input with (its node, output index) or (None, 0)."""
    __slots__ = ("next_functions", "_saved", "_versions", "args", "_pre_hooks", "_hooks", "_trace", "__weakref__")
    n_outputs = 1

    def __init__(self):
        self._saved = self._versions = self._pre_hooks = self._hooks = self._trace = None
        self.args = None

    # --- saved tensors -------------------------------------------------------------
    def save(self, *tensors):
        """Keep tensors for backward; outputs are kept without a reference cycle (SavedOutput)."""
        self._saved = tensors
        self._versions = tuple(t._vc[0] if hasattr(t, "_vc") else None for t in tensors)

    @property
    def saved(self):
        saved = self._saved
        if saved is None:
            if self._versions == ():
                raise RuntimeError(FREED)
            return ()
        for t, v in zip(saved, self._versions):
            if v is not None and t._vc[0] != v:
                raise RuntimeError(_version_message(t, v))
        return tuple(t.unpack(self) if type(t) is SavedOutput else t for t in saved)

    saved_tensors = saved

    def _release(self):
        if self._saved is not None:
            self._saved, self._versions = None, ()

    # --- torch.autograd.graph.Node API ---------------------------------------------
    def name(self):
        return type(self).__name__

    def register_hook(self, fn):
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        return self._add_pre_hook(0, fn)

    def _add_pre_hook(self, output_nr, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return _Handle(hooks, fn)

    @property
    def metadata(self):
        return {}

    def __call__(self, *grads):
        return self.backward(*grads)

    def backward(self, *grads):
        raise NotImplementedError(f"{self.name()} has no backward")

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


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
        Node.__init__(self)
        self.variable = variable
        self.next_functions = ()

    def name(self):
        return "torch::autograd::AccumulateGrad"


class _Handle:
    __slots__ = ("_list", "_fn")

    def __init__(self, lst, fn):
        self._list, self._fn = lst, fn

    def remove(self):
        if self._fn in self._list:
            self._list.remove(self._fn)


def _version_message(t, expected):
    from .._dtype import legacy_type_name
    desc = f"[{legacy_type_name(t._dtype)} [{', '.join(map(str, t._data.shape))}]]"
    node = getattr(t, "grad_fn", None) if not isinstance(t, SavedOutput) else None
    where = f", which is output {t._output_nr} of {node.name()}," if node is not None else ""
    return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{desc}{where} is at version {t._vc[0]}; expected version {expected} instead. Hint: enable anomaly "
            "detection to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True).")


def edge(t):
    """The graph edge a tensor contributes as an input: its grad_fn, or its leaf's AccumulateGrad."""
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if not t._rg:
        return (None, 0)
    acc = t._acc() if t._acc is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return (acc, 0)


def record(node_cls, outputs, inputs, args=None):
    """Attach a new `node_cls` node to `outputs` if grad mode is on and any input requires grad.
    Returns the node (to save tensors on) or None."""
    if not state.enabled:
        return None
    for t in inputs:
        if t is not None and t._rg:
            break
    else:
        return None
    node = node_cls()
    node.next_functions = tuple(edge(t) if t is not None else (None, 0) for t in inputs)
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
    """Propagate `grads` from the `roots` edges. With `inputs` (edges), return the gradients that
    reach them; with accumulate=True, leaves' `.grad` receive theirs (only `inputs`' if given)."""
    buffers = {}
    for (node, nr), g in zip(roots, grads):
        if node is None:
            continue
        buf = buffers.setdefault(node, [None] * node.n_outputs)
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    targets = {} if inputs is None else {e: None for e in inputs}
    wanted = None
    if inputs is not None:
        wanted = _nodes_leading_to({n for n, _ in inputs}, roots)
    given = {id(g) for g in grads}
    prev = (state.enabled, state.inference)
    state.enabled, state.inference = create_graph, False
    try:
        for node in _topological_order([n for n, _ in roots]):
            buf = buffers.pop(node, None)
            if buf is None or (wanted is not None and node not in wanted):
                continue
            if node._pre_hooks:
                for nr, hooks in node._pre_hooks.items():
                    for hook in list(hooks):
                        out = hook(buf[nr]) if buf[nr] is not None else None
                        if out is not None:
                            buf[nr] = out
            if targets:
                for nr in range(node.n_outputs):
                    if (node, nr) in targets:
                        targets[(node, nr)] = buf[nr]
            if type(node) is AccumulateGrad:
                if accumulate and (inputs is None or (node, 0) in targets):
                    _accumulate(node, buf[0], create_graph, given)
                continue
            if inputs is not None and not any(n in wanted for n, _ in node.next_functions):
                continue
            grads_in = node.backward(*buf)
            if type(grads_in) is not tuple:
                grads_in = (grads_in,)
            if node._hooks:
                for hook in node._hooks:
                    out = hook(grads_in, tuple(buf))
                    if out is not None:
                        grads_in = tuple(out)
            if state.anomaly:
                _check_anomaly(node, grads_in)
            if not retain_graph:
                node._release()
            for (nxt, nr), g in zip(node.next_functions, grads_in):
                if nxt is None or g is None:
                    continue
                buf = buffers.get(nxt)
                if buf is None:
                    buf = buffers[nxt] = [None] * nxt.n_outputs
                buf[nr] = g if buf[nr] is None else buf[nr] + g
    finally:
        state.enabled, state.inference = prev
    return targets


def _nodes_leading_to(targets, roots):
    """Nodes from which some target is reachable (so that autograd.grad does only needed work)."""
    memo = {}
    order = _topological_order([n for n, _ in roots])
    for node in reversed(order):
        memo[node] = node in targets or any(nxt is not None and memo.get(nxt, False) for nxt, _ in node.next_functions)
    return {n for n, ok in memo.items() if ok}


def _accumulate(node, g, create_graph, given):
    var = node.variable
    if g is None:
        return
    if var._meta is not None and var._meta.get("hooks"):
        for hook in var._meta["hooks"]:
            out = hook(g)
            if out is not None:
                g = out
    if var.grad is None:
        if not create_graph:
            g = g.detach()
            # Steal the buffer only if nothing else can see it: another leaf, a view, the caller.
            if id(g) in given or not g._data.flags.owndata or g._data.shape != var._data.shape:
                g = g.clone() if g._data.shape == var._data.shape else g.expand(var.shape).clone()
            given.add(id(g))
        var.grad = g
    elif create_graph or var.grad._rg:
        var.grad = var.grad + g
    else:
        var.grad._data += g._data
        var.grad._vc[0] += 1
    post = var._meta.get("post_hooks") if var._meta is not None else None
    if post:
        for hook in post:
            hook(var)


def _check_anomaly(node, grads):
    for i, g in enumerate(grads):
        if g is not None and g.dtype.is_floating_point and bool(g.isnan().any()):
            msg = f"Function '{node.name()}' returned nan values in its {i}th output."
            if node._trace:
                warnings.warn("Error detected in " + node.name() + ". Traceback of forward call that caused the error:\n"
                              + node._trace, RuntimeWarning)
            raise RuntimeError(msg)
