"""How an op becomes `ember.name`, `Tensor.name`, `Tensor.name_` and an operator, from one definition.

    @op()                       # ember.exp and Tensor.exp
    def exp(input): ...

    @op(inplace=True)           # also Tensor.exp_, written through `commit_inplace`
    ...

Node classes (grad_fn types) are made with `node_class("ExpBackward0", backward)`.
"""
import inspect

from .._backend import xp
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd import graph
from ..autograd.grad_mode import state

FUNCTIONS = {}   # name -> function exported as ember.<name>
_INT_BOUNDS = {d: (int(xp.iinfo(d.np).min), int(xp.iinfo(d.np).max)) for d in (D.uint8, D.int8, D.int16, D.int32)}


def op(name=None, *, method=True, function=True, inplace=False, aliases=()):
    """Register `fn` as ember.<name> and/or Tensor.<name>; with inplace=True also Tensor.<name>_."""
    def deco(fn):
        n = name or fn.__name__
        exported = fn if not function or "out" in inspect.signature(fn).parameters else with_out(fn, n)
        for key in (n,) + tuple(aliases):
            if function:
                FUNCTIONS[key] = exported
            if method:
                setattr(Tensor, key, fn)
            if inplace:
                setattr(Tensor, key + "_", inplace_variant(fn, key + "_"))
        return fn
    return deco


def with_out(fn, name):
    """ember.<name> taking torch's `out=` keyword (methods have none, so Tensor.<name> stays `fn` itself)."""
    def function(*args, out=None, **kwargs):
        res = fn(*args, **kwargs)
        return res if out is None else write_out(out, res, name)
    function.__name__ = function.__qualname__ = name
    function.__doc__, function.__wrapped__ = fn.__doc__, fn
    function.__signature__ = _signature_with_out(fn)
    return function


def _signature_with_out(fn):
    """fn's signature with torch's keyword-only `out=None` added (None where fn has no readable one)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if "out" in sig.parameters:
        return sig
    at = len(params) - (1 if params and params[-1].kind is inspect.Parameter.VAR_KEYWORD else 0)
    params.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    try:
        return sig.replace(parameters=params)
    except ValueError:  # e.g. out after **kwargs: leave it
        return None


def write_out(out, res, name):
    """torch's `out=` rules: no autograd through it, the result must cast to out's dtype, a wrong-shaped
    non-empty out is resized with a warning; the result is written into out, which is returned. An op with
    several results (max, sort, aminmax) takes a tuple of outs, one per result."""
    if isinstance(res, tuple) and isinstance(out, (tuple, list)) and len(out) == len(res):
        written = [write_out(o, r, name) for o, r in zip(out, res)]
        return tuple(written) if type(res) is tuple else type(res)(*written)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if state.enabled and (res._rg or out._rg):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if res._dtype is not out._dtype and not D.can_cast(res._dtype, out._dtype):
        raise RuntimeError(f"result type {D._LEGACY[res._dtype.name]} can't be cast to the desired output type "
                           f"{D._LEGACY[out._dtype.name]}")
    if out._data.shape != res._data.shape:
        if out._data.size:
            import warnings
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{shape_str(out._data.shape)}, which does not match the required output shape "
                          f"{shape_str(res._data.shape)}. This behavior is deprecated, and in a future PyTorch "
                          "release outputs will not be resized unless they have zero elements. You can explicitly "
                          "reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                          UserWarning, stacklevel=3)
        out.resize_(res._data.shape)
    out._data[...] = res._data
    out._vc[0] += 1
    return out


def inplace_variant(fn, name):
    def method_(self, *args, **kwargs):
        return commit_inplace(self, fn(self, *args, **kwargs))
    method_.__name__ = method_.__qualname__ = name
    return method_


def check_inplace(self):
    """In-place on a leaf that requires grad is refused while grad mode records."""
    if state.inference_tensors and not state.inference and self.is_inference():
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
                           "clone to get a normal tensor before doing inplace update.See "
                           "https://github.com/pytorch/rfcs/pull/17 for more details.")
    if not state.enabled:
        return
    if self._rg and self.grad_fn is None:
        raise RuntimeError(f"a {'view of a ' if self._base is not None else ''}leaf Variable that requires grad is "
                           "being used in an in-place operation.")
    base = self._base
    if base is not None and base._rg and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def commit_inplace(self, out):
    """Write `out` (computed out of place) into `self`, bump the version, and move self's history
    onto out's node: the in-place op becomes self's grad_fn, as in PyTorch."""
    check_inplace(self)
    if out._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the "
                           f"broadcast shape [{', '.join(map(str, out._data.shape))}]")
    if out._dtype is not self._dtype and not D.can_cast(out._dtype, self._dtype):
        raise RuntimeError(f"result type {D._LEGACY[out._dtype.name]} can't be cast to the desired output type "
                           f"{D._LEGACY[self._dtype.name]}")
    node = out.grad_fn
    if node is not None and node._saved is not None and any(s is self for s in node._saved):
        # the rule needs self's old value, which the write below destroys: keep a copy (as torch keeps
        # `original_self`); self saved in another role (x.mul_(x)'s `other`) stays, and fails at backward
        roles = getattr(node, "needs", None)
        old = self.detach().clone()
        mine = [s is self and (roles is None or roles[i] in ("a", "x")) for i, s in enumerate(node._saved)]
        node._saved = tuple(old if m else s for m, s in zip(mine, node._saved))
        node._versions = tuple(0 if m else v for m, v in zip(mine, node._versions))
    if not self._data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")
    self._data[...] = out._data
    self._vc[0] += 1
    if node is not None:
        if node._saved is not None:  # the saved output now lives in self
            node._saved = tuple(_rebind(s, self) for s in node._saved)
            node._versions = tuple(self._vc[0] if type(s) is graph.SavedOutput and s._vc is self._vc else v
                                   for s, v in zip(node._saved, node._versions))
        if self._base is not None:
            from .shape import rebase_view
            rebase_view(self, out)
        self.grad_fn, self._rg, self._output_nr = node, True, 0
    return self


def _rebind(s, target):
    if type(s) is graph.SavedOutput and s._vc is not target._vc:
        s._data, s._vc = target._data, target._vc
    return s


def node_class(name, backward, base=graph.Node, **attrs):
    """A grad_fn type named as PyTorch names it, whose backward(self, *grads) is `backward`."""
    return type(name, (base,), dict(__slots__=(), backward=backward, **attrs))


# ---------------------------------------------------------------------- operands and promotion
def cast(arr, dt):
    return arr if arr.dtype == dt.np else arr.astype(dt.np)


def scalar_for(value, dt):
    """A Python number as an operand of dtype dt (integers wrap like a C cast, as in torch)."""
    if dt._cat == 1 and dt is not D.int64 and isinstance(value, int):
        lo, hi = _INT_BOUNDS[dt]
        if not lo <= value <= hi:
            return xp.array(value).astype(dt.np)
    elif dt is D.bool_ and not isinstance(value, bool):
        return xp.array(value).astype(xp.bool_)
    return value


def broadcast_shape(sa, sb):
    """The shape sa and sb broadcast to, or torch's RuntimeError naming the first clash from the right."""
    n = len(sa) if len(sa) > len(sb) else len(sb)
    out = []
    for i in range(1, n + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {n - i}")
        out.append(x if y == 1 else y)
    return tuple(reversed(out))


def operands(a, b):
    """The arrays (or scalars) of a binary op in their common dtype, and that dtype."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        if a._data.shape != b._data.shape:
            broadcast_shape(a._data.shape, b._data.shape)
        if a._dtype is b._dtype:
            return a._data, b._data, a._dtype
        dt = D.result_type(a, b)
        return cast(a._data, dt), cast(b._data, dt), dt
    if ta:
        if a._dtype._cat == 2 and (type(b) is float or type(b) is int):  # a number never changes a float dtype
            return a._data, b, a._dtype
        check_scalar(b)
        dt = D.result_type(a, b)
        return cast(a._data, dt), scalar_for(b, dt), dt
    check_scalar(a)
    dt = D.result_type(a, b)
    return scalar_for(a, dt), cast(b._data, dt), dt


def check_scalar(x):
    if not isinstance(x, (int, float, complex, bool, xp.generic)):
        raise TypeError(f"unsupported operand type(s): expected Tensor or Number but got {type(x).__name__}")


def wrap(arr, dt):
    """A new tensor around the result of an array op (NumPy returns scalars for 0-d results)."""
    if type(arr) is not xp.ndarray:
        arr = xp.asarray(arr, dtype=dt.np)
    elif arr.dtype != dt.np:
        arr = arr.astype(dt.np)
    return Tensor._make(arr, dt)


def as_tensor(x, dtype=None):
    """x as a Tensor (numbers become 0-d tensors of the default promoted dtype)."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor
    return tensor(x, dtype=dtype)


def sum_to(g, shape):
    """Sum a broadcast gradient back to `shape` (the adjoint of broadcasting)."""
    gshape = g._data.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    if dims:
        g = g.sum(dims, keepdim=True)
    return g.reshape(shape) if g._data.shape != shape else g


def params_of(rule):
    """The names of the saved values a gradient rule asks for (its parameters after `g`)."""
    return tuple(inspect.signature(rule).parameters)[1:]


def shape_str(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


# ---------------------------------------------------------------------- ops torch records as one node
def fused(node_name, n_outputs=1, name_for=None, inputs=None):
    """For an op that torch records as ONE node (LerpBackward0, AddcmulBackward0, ...) and Ember
    computes from other ops: the composition runs without recording, then one node named as torch's
    takes its place, whose gradient differentiates the same composition again (recomputed in the
    backward, so higher-order gradients come free). Its edges are the parameters named in `inputs`
    (default: those given a Tensor), in signature order; `name_for(arguments)` picks the node's
    name where torch's depends on the overload (lerp's weight a Tensor or a Python number)."""
    nodes = {}

    def deco(composite):
        sig = inspect.signature(composite)
        params = [p.name for p in sig.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

        def f(*args, **kwargs):
            if not state.enabled or not any(isinstance(a, Tensor) and a._rg for a in (*args, *kwargs.values())):
                return composite(*args, **kwargs)
            state.enabled = False
            try:
                out = composite(*args, **kwargs)
            finally:
                state.enabled = True
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            keys = [k for k in params if (k in inputs if inputs else isinstance(bound.arguments[k], Tensor))]
            name = name_for(bound.arguments) if name_for else node_name
            if name not in nodes:
                nodes[name] = node_class(name, _fused_backward, n_outputs=n_outputs)
            node = graph.record(nodes[name], tuple(out) if isinstance(out, tuple) else out,
                                [bound.arguments[k] for k in keys])
            if node is not None:
                node.call = (composite, bound, keys)
                node.save(*[bound.arguments[k] for k in keys if bound.arguments[k] is not None])
            return out
        f.__name__ = f.__qualname__ = composite.__name__
        f.__doc__, f.__signature__ = composite.__doc__, sig
        return f
    return deco


def _fused_backward(self, *grads):
    """Differentiate the composition the node stands for, at its saved inputs."""
    from ..autograd import grad as autograd_grad
    composite, bound, keys = self.call  # keys: the parameters along next_functions
    create = state.enabled  # create_graph: differentiate the originals, so the new graph reaches them
    present = [k for k in keys if bound.arguments[k] is not None]
    fresh = {k: t if create else t.detach().requires_grad_(t._rg) for k, t in zip(present, self.saved)}
    state.enabled = True
    try:
        out = composite(**{**bound.arguments, **fresh})
    finally:
        state.enabled = create
    outs = out if isinstance(out, tuple) else (out,)
    pairs = [(o, g) for o, g in zip(outs, grads) if g is not None and o.requires_grad]
    wanted = [fresh[k] for k, (n, _) in zip(keys, self.next_functions) if n is not None]
    found = iter(autograd_grad([o for o, _ in pairs], wanted, [g for _, g in pairs], create_graph=create,
                               materialize_grads=True) if pairs else [None] * len(wanted))
    return tuple(next(found) if n is not None else None for n, _ in self.next_functions)


def holomorphic(backward):
    """A product's gradient rule made right for complex tensors: torch passes back g times the conjugated
    operands, which is conj(rule(conj(g))) for a rule linear in g and in each operand."""
    def rule(self, g):
        if g._dtype._cat != 3:
            return backward(self, g)
        grads = backward(self, g.conj())
        if type(grads) is not tuple:
            return grads.conj()
        return tuple(None if x is None else x.conj() for x in grads)
    return rule
