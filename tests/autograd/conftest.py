"""Shared helpers for the autograd tests: build the same inputs in Ember and PyTorch, run the same
function on both libraries, and compare outputs, grad_fn names and gradients."""
import warnings

import numpy as np
import pytest
import torch

import ember

TOL = {"float64": dict(rtol=1e-9, atol=1e-10), "float32": dict(rtol=2e-4, atol=2e-5)}


class Arg:
    """One input of a case: how to draw its values, its dtype and whether it requires grad.

    kind: 'normal' | 'pos' | 'unit' | 'prob' | 'big' (floats), 'int' (int64 in [lo, hi)), 'bool'.
    layout: 'c' contiguous, 't' transposed storage (a non-contiguous leaf), 'x' a stride-0 broadcast leaf."""

    def __init__(self, shape, kind="normal", grad=True, layout="c", lo=0, hi=3, dtype=None):
        self.shape, self.kind, self.layout, self.lo, self.hi = tuple(shape), kind, layout, lo, hi
        self.grad = grad and kind not in ("int", "bool")
        self.dtype = dtype

    def draw(self, rng):
        s = self.shape
        if self.kind == "int":
            return rng.integers(self.lo, self.hi, size=s).astype(np.int64)
        if self.kind == "bool":
            return rng.random(s) < 0.5
        return {"normal": lambda: rng.standard_normal(s) * 1.5,
                "pos": lambda: rng.uniform(0.5, 3.0, s),
                "unit": lambda: rng.uniform(-0.9, 0.9, s),
                "prob": lambda: rng.uniform(0.05, 0.95, s),
                "big": lambda: rng.uniform(1.1, 4.0, s),
                "perm": lambda: rng.permutation(int(np.prod(s))).reshape(s) * 0.37 - 2.0}[self.kind]()

    def make(self, lib, arr, dtype):
        dt = self.dtype or (dtype if self.kind not in ("int", "bool") else None)
        if self.layout == "t" and arr.ndim >= 2:  # stored transposed: same values, non-contiguous strides
            t = lib.tensor(np.ascontiguousarray(np.swapaxes(arr, -1, -2)))
            t = t.transpose(-1, -2)
        elif self.layout == "x":  # a leaf that is an expanded view of one row
            t = lib.tensor(arr[:1].copy()).expand(*arr.shape)
        else:
            t = lib.tensor(arr.copy())
        if dt is not None:
            t = t.to(getattr(lib, dt))
        return t.requires_grad_(True) if self.grad else t


def F(*shape, **kw):
    """A floating input that requires grad."""
    return Arg(shape, **kw)


def C(*shape, kind="normal", **kw):
    """A floating constant (no grad)."""
    return Arg(shape, kind=kind, grad=False, **kw)


def I(*shape, lo=0, hi=3):
    """An int64 input (an index), never differentiable."""
    return Arg(shape, kind="int", lo=lo, hi=hi)


def B(*shape):
    """A bool input (a mask), never differentiable."""
    return Arg(shape, kind="bool")


class Case:
    """An op call `fn(lib, *inputs)` run identically on Ember and PyTorch."""

    def __init__(self, id, fn, *args, double=True, gradcheck=True, versions=False):
        self.id, self.fn, self.args = id, fn, args
        self.double, self.gradcheck, self.versions = double, gradcheck, versions

    def inputs(self, dtype, seed=0):
        rng = np.random.default_rng(seed)
        arrays = [a.draw(rng) for a in self.args]
        return ([a.make(ember, x, dtype) for a, x in zip(self.args, arrays)],
                [a.make(torch, x, dtype) for a, x in zip(self.args, arrays)])

    def __repr__(self):
        return self.id


def tensors_of(out):
    """The tensors in an op's result (a tensor, a tuple of them, or a (values, indices) pair)."""
    if isinstance(out, (tuple, list)):
        return [o for o in out if isinstance(o, (ember.Tensor, torch.Tensor))]
    return [out]


def assert_close(e, t, dtype="float64", what="value"):
    """An Ember tensor equals a PyTorch tensor: shape, dtype and values."""
    assert isinstance(e, ember.Tensor), f"{what}: expected a Tensor, got {type(e).__name__}"
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != torch {tuple(t.shape)}"
    assert str(e.dtype) == str(t.dtype), f"{what}: dtype {e.dtype} != torch {t.dtype}"
    te = t.detach().numpy(force=True)  # force: torch may hand back an (unmaterialised) ZeroTensor
    np.testing.assert_allclose(e.detach().numpy().astype(np.float64) if e.dtype != ember.bool else e.detach().numpy(),
                               te.astype(np.float64) if te.dtype != bool else te,
                               err_msg=what, equal_nan=True, **TOL.get(dtype, TOL["float32"]))


def weights_for(outs, seed=1):
    """Random upstream gradients (so each output element gets a different weight), as numpy arrays."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(o.shape)) for o in outs]


def grad_fn_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def scalar_loss(lib, outs, weights):
    """sum_i (out_i * w_i).sum() over the outputs that require grad."""
    loss = None
    for o, w in zip(outs, weights):
        if o.requires_grad:
            term = (o * lib.tensor(w, dtype=o.dtype)).sum()
            loss = term if loss is None else loss + term
    return loss


def quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


class Scenarios(list):
    """Scenario functions `f(lib)`, collected by using the list as a decorator; `.parametrize` makes
    a test run over them."""

    def __call__(self, fn):
        self.append(fn)
        return fn

    def parametrize(self):
        return pytest.mark.parametrize("scenario", list(self), ids=lambda f: f.__name__)


def outcome(fn, *args):
    """What fn(*args) did: ('ok', result) or ('raised', exception type name, message)."""
    try:
        return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001 — the exception itself is what is compared
        return ("raised", type(e).__name__, str(e))


def same_outcome(scenario):
    """Run scenario(lib) on both libraries: both raise the same exception type and message, or
    both return; then the returned values (tensors, numbers, nested tuples) must be equal."""
    e, t = outcome(scenario, ember), outcome(scenario, torch)
    if t[0] == "raised" or e[0] == "raised":
        assert e == t
        return
    assert_same(e[1], t[1])


def assert_same(e, t, what="result"):
    """Recursive equality of an Ember result and a PyTorch result."""
    if isinstance(t, torch.Tensor):
        assert_close(e, t, str(t.dtype).replace("torch.", ""), what)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{what}: {e!r} != {t!r}"
        for k, (a, b) in enumerate(zip(e, t)):
            assert_same(a, b, f"{what}[{k}]")
    elif isinstance(t, str):
        assert e == _cpp_suffix_free(t), f"{what}: {e!r} != {t!r}"
    else:
        assert e == t, f"{what}: {e!r} != {t!r}"


def _cpp_suffix_free(message):
    """torch's message without the ' (Triggered internally at <C++ file>)' note its C++ warnings carry."""
    return message.split(" (Triggered internally at ")[0]


# ---------------------------------------------------------------------- the comparison harness
def run_case(case, dtype):
    """The inputs and output tensors of one case, in Ember and in PyTorch."""
    xe, xt = case.inputs(dtype)
    oe, ot = quiet(case.fn, ember, *xe), quiet(case.fn, torch, *xt)
    return xe, xt, tensors_of(oe), tensors_of(ot)


def compare_gradients(case, dtype):
    """Outputs (values, requires_grad, is_leaf, _version) and the gradients of a weighted sum of
    them reaching every input equal torch's; where torch cannot differentiate, Ember refuses alike."""
    xe, xt, oe, ot = run_case(case, dtype)
    assert len(oe) == len(ot)
    for k, (e, t) in enumerate(zip(oe, ot)):
        assert_close(e, t, dtype, f"output {k}")
        assert e.requires_grad == t.requires_grad, f"output {k}: requires_grad {e.requires_grad} != {t.requires_grad}"
        assert e.is_leaf == t.is_leaf
        if case.versions:
            assert e._version == t._version, f"output {k}: version {e._version} != {t._version}"
    w = weights_for(ot)
    loss_t = scalar_loss(torch, ot, w)
    if loss_t is None:
        return
    try:
        loss_t.backward()
    except RuntimeError as err:  # an op torch cannot differentiate: Ember must refuse the same way
        with pytest.raises(RuntimeError) as caught:
            scalar_loss(ember, oe, w).backward()
        assert str(caught.value) == str(err)
        return
    scalar_loss(ember, oe, w).backward()
    for k, (e, t) in enumerate(zip(xe, xt)):
        assert (e.grad is None) == (t.grad is None), f"input {k}: grad {e.grad} vs torch {t.grad}"
        if t.grad is not None:
            assert_close(e.grad, t.grad, dtype, f"grad of input {k}")


def compare_grad_fns(case):
    """grad_fn names, and the names along next_functions one step back, equal torch's."""
    _, _, oe, ot = run_case(case, "float64")
    for e, t in zip(oe, ot):
        assert grad_fn_name(e) == grad_fn_name(t)
        if t.grad_fn is not None:
            names_e = [(n.name() if n is not None else None, i) for n, i in e.grad_fn.next_functions]
            names_t = [(n.name() if n is not None else None, i) for n, i in t.grad_fn.next_functions]
            assert names_e == names_t


def compare_second_derivatives(case):
    """d/dx of (d loss/dx . v), with create_graph=True, equals torch's (a Hessian-vector product)."""
    xe, xt, oe, ot = run_case(case, "float64")
    w = weights_for(ot)
    loss_t = scalar_loss(torch, ot, w)
    wanted = [k for k, t in enumerate(xt) if t.requires_grad]
    if loss_t is None:
        return
    gt = torch.autograd.grad(loss_t, [xt[k] for k in wanted], create_graph=True, allow_unused=True)
    ge = ember.autograd.grad(scalar_loss(ember, oe, w), [xe[k] for k in wanted], create_graph=True,
                             allow_unused=True)
    v = weights_for([g if g is not None else xt[k] for g, k in zip(gt, wanted)], seed=2)
    hv_t = _hvp(torch, gt, v, [xt[k] for k in wanted])
    hv_e = _hvp(ember, ge, v, [xe[k] for k in wanted])
    for k, (e, t) in enumerate(zip(hv_e, hv_t)):
        assert_close(e, t, "float64", f"second derivative wrt input {k}")


def _hvp(lib, grads, v, inputs):
    """d(sum_k grads[k] . v[k]) / d inputs, with absent or constant terms counting as zero."""
    terms = [(g * lib.tensor(vv)).sum() for g, vv in zip(grads, v) if g is not None and g.requires_grad]
    if not terms:
        return [lib.zeros_like(x) for x in inputs]
    hv = lib.autograd.grad(sum(terms), inputs, allow_unused=True)
    return [h if h is not None else lib.zeros_like(x) for h, x in zip(hv, inputs)]
