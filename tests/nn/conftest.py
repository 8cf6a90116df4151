"""Shared helpers for the nn tests: the same module (or function) built in Ember and in PyTorch,
the same weights copied across, the same inputs, one forward and one backward in each, and every
output, gradient, buffer and grad_fn name compared."""
import warnings

import numpy as np
import torch

import ember

RTOL, ATOL = 1e-4, 1e-5  # float32


# ---------------------------------------------------------------------- inputs
class Spec:
    """How to draw one input: a shape and a kind of values; `grad` marks inputs that require grad."""

    def __init__(self, shape, kind="normal", high=None, grad=None, dtype="float32"):
        self.shape, self.kind, self.high, self.dtype = tuple(shape), kind, high, dtype
        self.grad = (kind not in ("index", "sign", "onehot")) if grad is None else grad

    def draw(self, rng):
        shape, kind = self.shape, self.kind
        if kind == "index":
            return rng.integers(0, self.high, size=shape).astype(np.int64)
        if kind == "sign":
            return np.where(rng.random(shape) < 0.5, -1.0, 1.0).astype(self.dtype)
        if kind == "prob":
            return rng.uniform(0.05, 0.95, shape).astype(self.dtype)
        if kind == "pos":
            return rng.uniform(0.5, 2.0, shape).astype(self.dtype)
        if kind == "simplex":
            p = rng.uniform(0.1, 1.0, shape)
            return (p / p.sum(1, keepdims=True)).astype(self.dtype)
        if kind == "wide":
            return (rng.standard_normal(shape) * 1e4).astype(self.dtype)
        return rng.standard_normal(shape).astype(self.dtype)

    def __repr__(self):
        return f"{self.kind}{list(self.shape)}"


def N(*shape, **kw):
    return Spec(shape, "normal", **kw)


def pair(arr, grad):
    """An array as (torch tensor, ember tensor), both leaves requiring grad if asked."""
    t = torch.from_numpy(arr.copy())
    e = ember.from_numpy(arr.copy())
    if grad:
        t.requires_grad_(True)
        e.requires_grad_(True)
    return t, e


def to_ember(t):
    return ember.from_numpy(t.detach().numpy().copy())


def convert(value, framework):
    """Arrays (and torch dtypes) inside constructor/function arguments become the framework's."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy()) if framework is torch else ember.from_numpy(value.copy())
    if isinstance(value, torch.dtype) and framework is ember:
        return getattr(ember, str(value).split(".")[-1])
    return value


# ---------------------------------------------------------------------- comparing
def assert_close(e, t, rtol=RTOL, atol=ATOL, what=""):
    """Ember tensor e equals torch tensor t: shape, dtype and values."""
    assert isinstance(e, ember.Tensor), f"{what}: expected a Tensor, got {type(e)}"
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    assert str(e.dtype) == str(t.dtype), f"{what}: dtype {e.dtype} != {t.dtype}"
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=what)


def grad_fn_name(x):
    return None if x.grad_fn is None else x.grad_fn.name()


def copy_state(tm, em):
    """Give the Ember module the PyTorch module's parameters and buffers (through load_state_dict)."""
    result = em.load_state_dict({k: to_ember(v) for k, v in tm.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys


def randomize(tm, rng):
    """Non-default values for every floating parameter and buffer, so that a test sees them act."""
    with torch.no_grad():
        for name, p in list(tm.named_parameters()) + list(tm.named_buffers()):
            if p.dtype.is_floating_point:
                v = rng.standard_normal(tuple(p.shape)) * 0.5
                if name.endswith("running_var"):
                    v = rng.uniform(0.5, 2.0, tuple(p.shape))
                p.copy_(torch.from_numpy(v.astype(np.float32)))


# ---------------------------------------------------------------------- the harness
def check_against_torch(build, specs, *, train=True, randomize_state=True, seed=0, inplace=False, check_name=True,
                        rtol=RTOL, atol=ATOL, steps=1):
    """Run build(torch.nn) and build(ember.nn) on the same inputs: forward, then backward of a
    random upstream gradient; compare outputs, grad_fn names, input and parameter gradients,
    and the buffers after the step. Returns (torch module, ember module)."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)  # torch's default init draws from its global generator: the same weights whatever ran before
    tm, em = build(torch.nn), build(ember.nn)
    if randomize_state:
        randomize(tm, rng)
    copy_state(tm, em)
    tm.train(train)
    em.train(train)
    for _ in range(steps):
        arrays = [s.draw(rng) for s in specs]
        pairs = [pair(a, s.grad) for a, s in zip(arrays, specs)]
        t_in = [t.clone() if inplace and s.grad else t for (t, _), s in zip(pairs, specs)]
        e_in = [e.clone() if inplace and s.grad else e for (_, e), s in zip(pairs, specs)]
        t_out, e_out = tm(*t_in), em(*e_in)
        assert_close(e_out, t_out, rtol, atol, "output")
        if check_name:
            assert grad_fn_name(e_out) == grad_fn_name(t_out)
        if t_out.requires_grad:
            g = rng.standard_normal(tuple(t_out.shape)).astype(t_out.detach().numpy().dtype)
            t_out.backward(torch.from_numpy(g))
            e_out.backward(ember.from_numpy(g.copy()))
            for i, ((t, e), s) in enumerate(zip(pairs, specs)):
                if s.grad:
                    assert_close(e.grad, t.grad, rtol, atol, f"grad of input {i}")
        t_params, e_params = dict(tm.named_parameters()), dict(em.named_parameters())
        assert list(t_params) == list(e_params)
        for name, tp in t_params.items():
            if tp.grad is None:
                assert e_params[name].grad is None, name
            else:
                assert_close(e_params[name].grad, tp.grad, rtol, atol, f"grad of {name}")
        for (name, tb), (ename, eb) in zip(tm.named_buffers(), em.named_buffers()):
            assert name == ename
            assert_close(eb, tb, rtol, atol, f"buffer {name}")
        tm.zero_grad()
        em.zero_grad()
    return tm, em


def call_both(fn_name, args, kwargs=None, module=None):
    """Call torch.nn.functional.<fn_name> and ember.nn.functional.<fn_name> on converted args."""
    kwargs = kwargs or {}
    tf = getattr(torch.nn.functional, fn_name)
    ef = getattr(ember.nn.functional, fn_name)
    t_args = [convert(a, torch) for a in args]
    e_args = [convert(a, ember) for a in args]
    return tf(*t_args, **{k: convert(v, torch) for k, v in kwargs.items()}), \
        ef(*e_args, **{k: convert(v, ember) for k, v in kwargs.items()})


def raises_like(fn_torch, fn_ember):
    """Both calls raise the same exception type; returns (torch exception, ember exception)."""
    try:
        fn_torch()
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        t_exc = exc
    else:
        raise AssertionError("torch did not raise")
    try:
        fn_ember()
    except Exception as exc:  # noqa: BLE001
        e_exc = exc
    else:
        raise AssertionError(f"ember did not raise (torch raised {type(t_exc).__name__}: {t_exc})")
    assert type(e_exc) is type(t_exc), f"{type(e_exc).__name__}: {e_exc} vs torch {type(t_exc).__name__}: {t_exc}"
    return t_exc, e_exc


def check_function(name, specs, args=(), kwargs=None, seed=0, inplace=False, check_name=True, rtol=1e-4,
                   atol=1e-5, top=False):
    """F.<name>(*inputs, *args, **kwargs) in both (torch.<name> with top=True): value, grad_fn name and
    input gradients. Spec values in kwargs are inputs too (their gradients are compared)."""
    kwargs = kwargs or {}
    rng = np.random.default_rng(seed)
    kw_specs = {k: v for k, v in kwargs.items() if isinstance(v, Spec)}
    specs = list(specs) + list(kw_specs.values())
    pairs = [pair(s.draw(rng), s.grad) for s in specs]
    t_in = [t.clone() if inplace and s.grad else t for (t, _), s in zip(pairs, specs)]
    e_in = [e.clone() if inplace and s.grad else e for (_, e), s in zip(pairs, specs)]
    n = len(specs) - len(kw_specs)
    t_kw = dict({k: convert(v, torch) for k, v in kwargs.items()}, **dict(zip(kw_specs, t_in[n:])))
    e_kw = dict({k: convert(v, ember) for k, v in kwargs.items()}, **dict(zip(kw_specs, e_in[n:])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_fn = getattr(torch if top else torch.nn.functional, name)
        e_fn = getattr(ember if top else ember.nn.functional, name)
        t_out = t_fn(*t_in[:n], *[convert(a, torch) for a in args], **t_kw)
        e_out = e_fn(*e_in[:n], *[convert(a, ember) for a in args], **e_kw)
    if isinstance(t_out, tuple):  # torch.lstm_cell and friends: compare each output, backward through the first
        for i, (e, t) in enumerate(zip(e_out, t_out)):
            assert_close(e, t, rtol, atol, f"output {i}")
        e_out, t_out = e_out[0], t_out[0]
    assert_close(e_out, t_out, rtol, atol, "output")
    if check_name:
        assert grad_fn_name(e_out) == grad_fn_name(t_out)
    if t_out.requires_grad:
        g = rng.standard_normal(tuple(t_out.shape)).astype(np.float32)
        t_out.backward(torch.from_numpy(g))
        e_out.backward(ember.from_numpy(g.copy()))
        for i, ((t, e), s) in enumerate(zip(pairs, specs)):
            if s.grad:
                assert_close(e.grad, t.grad, rtol, atol, f"grad of input {i}")


def check_grads_against_torch(call, arrays, rtol=RTOL, atol=ATOL, double=False, seed=0):
    """call(lib, *tensors) in both on the same arrays (all inputs require grad): the output, every
    input's gradient for one random output gradient and, with double, the gradient of a random
    weighting of those gradients (create_graph=True): the second-order terms."""
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal(a.shape).astype(a.dtype) for a in arrays]
    results, g = [], None
    for lib in (torch, ember):
        xs = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
        out = call(lib, *xs)
        g = rng.standard_normal(tuple(out.shape)).astype(arrays[0].dtype) if g is None else g
        grads = lib.autograd.grad(out, xs, lib.tensor(g), create_graph=double)
        res = [out] + list(grads)
        if double:
            total = sum((gr * lib.tensor(w)).sum() for gr, w in zip(grads, ws))
            res += list(lib.autograd.grad(total, xs, allow_unused=True))
        results.append(res)
    for i, (t, e) in enumerate(zip(*results)):
        assert (t is None) == (e is None), f"result {i}"
        if t is not None:
            assert_close(e, t, rtol, atol, f"result {i}")
