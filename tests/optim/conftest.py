"""Shared helpers for the optimizer tests: one fixed problem built the same way in Ember and in PyTorch,
a runner that drives an optimizer over it, and converters that move tensors (and whole state dicts)
between the two libraries through NumPy."""
import copy
import warnings

import numpy as np
import torch

import ember

# float64: the brief's 1e-6 relative; float32: a few dozen ulps of accumulated round-off (torch fuses
# multiply-adds and its float32 sqrt is not correctly rounded, so the two never agree bit for bit)
TOL = {"float64": dict(rtol=1e-6), "float32": dict(rtol=2e-5)}
LIBS = {"torch": torch, "ember": ember}
MATRICES_ONLY = {"Muon"}  # optimizers that take 2-D parameters only


def shape_for(name, n):
    """A parameter shape of n elements that optimizer `name` takes: (1, n) for a 2-D-only one, else (n,)."""
    return (1, n) if name in MATRICES_ONLY else (n,)


def assert_close(actual, expected, dtype, what="", scale=1e-12):
    """Elementwise |a − e| ≤ rtol·max(|e|, s) with s the larger of `scale` and the array's own scale: relative,
    with a floor for entries near zero (values that are differences of O(scale) terms carry that round-off)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    rtol = TOL[dtype]["rtol"]
    atol = rtol * max(float(np.abs(expected).max(initial=0.0)), scale)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def numpy_of(t):
    return t.detach().numpy().copy()


def convert(value, lib):
    """A deep copy of `value` (tensors, dicts, lists, tuples, numbers) with every tensor made in `lib`."""
    if isinstance(value, (torch.Tensor, ember.Tensor)):
        return lib.from_numpy(numpy_of(value))
    if isinstance(value, dict):
        return {k: convert(v, lib) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(convert(v, lib) for v in value)
    return copy.deepcopy(value)


class Problem:
    """f(W, b, v) = mean((X·W + b − Y)²) + 0.05·ΣW⁴ + Σ c·(v − m)²: smooth, convex, different curvature per
    coordinate, three parameters of different shapes. `sign` −1 makes it a problem to maximize."""

    def __init__(self, lib, dtype, sign=1.0, seed=0, matrices_only=False):
        rng = np.random.default_rng(seed)
        dt = getattr(lib, dtype)
        self.lib, self.sign = lib, sign
        # an optimizer of matrices only (Muon) gets b and v as a row and a column
        shapes = ((4, 3), (1, 3), (5, 1)) if matrices_only else ((4, 3), (3,), (5,))
        self.params = [lib.tensor(rng.standard_normal(shape), dtype=dt, requires_grad=True) for shape in shapes]
        self.X = lib.tensor(rng.standard_normal((16, 4)), dtype=dt)
        self.Y = lib.tensor(rng.standard_normal((16, 3)), dtype=dt)
        self.c = lib.tensor(rng.uniform(0.2, 3.0, shapes[2]), dtype=dt)
        self.m = lib.tensor(rng.standard_normal(shapes[2]), dtype=dt)

    def loss(self):
        W, b, v = self.params
        r = self.X @ W + b - self.Y
        return self.sign * ((r * r).mean() + 0.05 * (W ** 4).sum() + (self.c * (v - self.m) ** 2).sum())

    def closure_for(self, opt):
        def closure():
            opt.zero_grad()
            loss = self.loss()
            loss.backward()
            return loss
        return closure


def run(lib, opt_cls, kwargs, dtype, steps, sign=1.0, groups=None, state_dict=None, start=None):
    """Drive lib.optim.<opt_cls> for `steps` closure steps over a fresh Problem.

    groups: per-group option dicts (group i gets problem parameter i, the rest go to the last group);
    start: parameter values to begin from; state_dict: optimizer state to load first (in `lib`'s tensors).
    Returns (problem, optimizer, losses)."""
    prob = Problem(lib, dtype, sign, matrices_only=opt_cls in MATRICES_ONLY)
    if start is not None:
        with lib.no_grad():
            for p, value in zip(prob.params, start):
                p.copy_(lib.from_numpy(np.array(value)))
    params = prob.params
    if groups is not None:
        params = [dict(g, params=[p]) for g, p in zip(groups, prob.params)]
        params[-1]["params"] += prob.params[len(groups):]
    opt = getattr(lib.optim, opt_cls)(params, **kwargs)
    if state_dict is not None:
        opt.load_state_dict(state_dict)
    closure = prob.closure_for(opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: float() of a loss that requires grad
        losses = [float(opt.step(closure)) for _ in range(steps)]
    return prob, opt, losses


def state_summary(state_dict):
    """The comparable skeleton of an optimizer state dict: per-param {key: (type, dtype, shape)} and groups."""
    def describe(v):
        if isinstance(v, (torch.Tensor, ember.Tensor)):
            return ("tensor", str(v.dtype), tuple(v.shape))
        if isinstance(v, list):
            return ("list", len(v))
        return (type(v).__name__,)
    return ({k: {kk: describe(vv) for kk, vv in s.items()} for k, s in state_dict["state"].items()},
            state_dict["param_groups"])


def assert_raises_as_torch(build):
    """build(lib) raises in torch, and in Ember the same exception type with the same message."""
    outcomes = []
    for lib in (torch, ember):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                build(lib)
        except Exception as e:  # noqa: BLE001 - the type and message are what is compared
            outcomes.append((type(e).__name__, str(e)))
        else:
            outcomes.append(None)
    assert outcomes[0] is not None, "torch does not raise"
    assert outcomes[1] == outcomes[0]
