"""Transforms against torch.distributions.transforms: forward, inverse, log|det J| (values and
gradients), domains, shapes, caching; and biject_to / transform_to for every constraint."""
import numpy as np
import pytest
import torch

import ember
from tests.distributions.conftest import assert_close, to_np

X = np.array([[0.3, -1.2, 2.0], [0.5, 0.1, -0.4]])
X_POS = np.abs(X) + 0.2
SQUARE = np.array([[[0.3, 0.0, 0.0], [-1.2, 0.5, 0.0], [0.4, 0.1, -0.2]]])

# name, factory(lib) -> transform, input
TRANSFORMS = [
    ("Exp", lambda T, lib: T.ExpTransform(), X),
    ("Power", lambda T, lib: T.PowerTransform(lib.tensor(2.5, dtype=lib.float64)), X_POS),
    ("Power-neg", lambda T, lib: T.PowerTransform(lib.tensor(-1.0, dtype=lib.float64)), X_POS),
    ("Sigmoid", lambda T, lib: T.SigmoidTransform(), X),
    ("Softplus", lambda T, lib: T.SoftplusTransform(), X),
    ("Tanh", lambda T, lib: T.TanhTransform(), X),
    ("Abs", lambda T, lib: T.AbsTransform(), X),
    ("Affine", lambda T, lib: T.AffineTransform(1.5, -2.0), X),
    ("Affine-tensor", lambda T, lib: T.AffineTransform(lib.tensor([1.0, 0.0, -1.0], dtype=lib.float64),
                                                       lib.tensor([2.0, 0.5, -3.0], dtype=lib.float64), event_dim=1), X),
    ("Softmax", lambda T, lib: T.SoftmaxTransform(), X),
    ("StickBreaking", lambda T, lib: T.StickBreakingTransform(), X),
    ("LowerCholesky", lambda T, lib: T.LowerCholeskyTransform(), SQUARE),
    ("PositiveDefinite", lambda T, lib: T.PositiveDefiniteTransform(), SQUARE),
    ("CorrCholesky", lambda T, lib: T.CorrCholeskyTransform(), X),
    ("Compose", lambda T, lib: T.ComposeTransform([T.AffineTransform(0.5, 2.0), T.ExpTransform(),
                                                    T.PowerTransform(lib.tensor(0.5, dtype=lib.float64))]), X),
    ("Compose-event", lambda T, lib: T.ComposeTransform([T.ExpTransform(), T.StickBreakingTransform().inv.inv]), X),
    ("Inverse", lambda T, lib: T.ExpTransform().inv, X_POS),
    ("Independent", lambda T, lib: T.IndependentTransform(T.SigmoidTransform(), 1), X),
    ("Reshape", lambda T, lib: T.ReshapeTransform((3,), (3, 1)), X),
    ("Cat", lambda T, lib: T.CatTransform([T.ExpTransform(), T.AffineTransform(1.0, 3.0)], dim=-1, lengths=[2, 1]), X),
    ("Stack", lambda T, lib: T.StackTransform([T.ExpTransform(), T.SigmoidTransform(), T.TanhTransform()], dim=-1), X),
    ("CumulativeDistribution", lambda T, lib: T.CumulativeDistributionTransform(
        lib.distributions.Normal(lib.tensor(0.5, dtype=lib.float64), lib.tensor(2.0, dtype=lib.float64))), X),
]
IDS = [t[0] for t in TRANSFORMS]


def pair(case):
    _, factory, x = case
    e = factory(ember.distributions.transforms, ember)
    t = factory(torch.distributions.transforms, torch)
    xe = ember.tensor(x).requires_grad_()
    xt = torch.tensor(x).requires_grad_()
    return e, t, xe, xt


@pytest.mark.parametrize("case", TRANSFORMS, ids=IDS)
def test_forward_inverse_and_jacobian(case):
    e, t, xe, xt = pair(case)
    ye, yt = e(xe), t(xt)
    assert_close(ye, yt, "forward")
    ge = ember.autograd.grad((ye * ye).sum(), xe, retain_graph=True)[0]
    gt = torch.autograd.grad((yt * yt).sum(), xt, retain_graph=True)[0]
    assert_close(ge, gt, "forward gradient")
    # the inverse of a fresh copy (no cache) from the forward values
    ye2, yt2 = ember.tensor(to_np(yt)), yt.detach().clone()
    assert_close(e.inv(ye2), t.inv(yt2), "inverse", rtol=1e-7, atol=1e-9)
    try:
        lt = t.log_abs_det_jacobian(xt, yt)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            e.log_abs_det_jacobian(xe, ye)
        return
    le = e.log_abs_det_jacobian(xe, ye)
    assert_close(le, lt, "log_abs_det_jacobian", rtol=1e-8)
    assert le.requires_grad == lt.requires_grad
    if lt.requires_grad:
        ge = ember.autograd.grad(le.sum(), xe, allow_unused=True)[0]
        gt = torch.autograd.grad(lt.sum(), xt, allow_unused=True)[0]
        if gt is not None:
            assert_close(ge, gt, "log_abs_det_jacobian gradient", rtol=1e-7)


@pytest.mark.parametrize("case", TRANSFORMS, ids=IDS)
def test_properties_and_shapes(case):
    e, t, xe, xt = pair(case)
    assert repr(e) == repr(t)
    assert repr(e.domain) == repr(t.domain) and repr(e.codomain) == repr(t.codomain)
    assert e.domain.event_dim == t.domain.event_dim and e.codomain.event_dim == t.codomain.event_dim
    assert e.bijective == t.bijective
    try:
        ts = t.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            e.sign
    else:
        assert np.array_equal(to_np(e.sign), to_np(ts))
    shape = tuple(xt.shape)
    assert tuple(e.forward_shape(shape)) == tuple(t.forward_shape(shape))
    out = tuple(t.forward_shape(shape))
    assert tuple(e.inverse_shape(out)) == tuple(t.inverse_shape(out))
    assert e.inv.inv is e or e.inv.inv == e


def test_cache_returns_the_very_input():
    T = ember.distributions.transforms
    t = T.AbsTransform(cache_size=1)
    x = ember.tensor([-1.0, 2.0])
    y = t(x)
    assert t.inv(y) is x  # |x| is not invertible: the cache remembers which x gave y
    assert T.AbsTransform().inv(y) is not x
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.ExpTransform(cache_size=2)
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform() != T.SigmoidTransform()
    assert T.identity_transform(x) is x


CONSTRAINTS = [
    ("real", lambda C, lib: C.real), ("positive", lambda C, lib: C.positive),
    ("nonnegative", lambda C, lib: C.nonnegative), ("greater_than", lambda C, lib: C.greater_than(1.5)),
    ("greater_than_eq", lambda C, lib: C.greater_than_eq(-1.0)), ("less_than", lambda C, lib: C.less_than(2.0)),
    ("unit_interval", lambda C, lib: C.unit_interval), ("interval", lambda C, lib: C.interval(-2.0, 3.0)),
    ("half_open_interval", lambda C, lib: C.half_open_interval(0.0, 2.0)), ("simplex", lambda C, lib: C.simplex),
    ("real_vector", lambda C, lib: C.real_vector), ("lower_cholesky", lambda C, lib: C.lower_cholesky),
    ("positive_definite", lambda C, lib: C.positive_definite), ("corr_cholesky", lambda C, lib: C.corr_cholesky),
    ("independent", lambda C, lib: C.independent(C.positive, 1)),
    ("cat", lambda C, lib: C.cat([C.real, C.positive], dim=-1, lengths=[1, 2])),
    ("stack", lambda C, lib: C.stack([C.real, C.positive, C.unit_interval], dim=-1)),
]


@pytest.mark.parametrize("which", ["biject_to", "transform_to"])
@pytest.mark.parametrize("case", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_biject_to_and_transform_to(case, which):
    _, factory = case
    ce = factory(ember.distributions.constraints, ember)
    ct = factory(torch.distributions.constraints, torch)
    try:
        tt = getattr(torch.distributions, which)(ct)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            getattr(ember.distributions, which)(ce)
        return
    te = getattr(ember.distributions, which)(ce)
    assert repr(te) == repr(tt)
    x = X if "cholesky" not in case[0] and "definite" not in case[0] else SQUARE
    if case[0] == "corr_cholesky":
        x = X
    ye, yt = te(ember.tensor(x)), tt(torch.tensor(x))
    assert_close(ye, yt, which, rtol=1e-8)
    assert bool(ce.check(ye).all()) and bool(ct.check(yt).all())


@pytest.mark.parametrize("case", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_constraint_check_and_repr(case):
    _, factory = case
    ce = factory(ember.distributions.constraints, ember)
    ct = factory(torch.distributions.constraints, torch)
    assert repr(ce) == repr(ct)
    assert ce.event_dim == ct.event_dim and ce.is_discrete == ct.is_discrete
    rng = np.random.default_rng(0)
    for v in (rng.standard_normal((4, 3)), np.abs(rng.standard_normal((4, 3))), rng.uniform(0, 1, (4, 3)),
              np.array([[0.2, 0.3, 0.5], [0.5, 0.6, -0.1]]), np.eye(3)[None], SQUARE):
        if v.ndim < ct.event_dim:
            continue
        try:
            tv = ct.check(torch.tensor(v))
        except (ValueError, RuntimeError, IndexError) as exc:
            with pytest.raises(type(exc)):
                ce.check(ember.tensor(v))
            continue
        assert to_np(ce.check(ember.tensor(v))).tolist() == tv.numpy().tolist(), (case[0], v)


def test_discrete_and_dependent_constraints():
    C, TC = ember.distributions.constraints, torch.distributions.constraints
    for name in ("boolean", "one_hot", "nonnegative_integer", "positive_integer", "symmetric",
                 "positive_semidefinite", "square", "lower_triangular", "dependent"):
        assert repr(getattr(C, name)) == repr(getattr(TC, name))
    assert repr(C.integer_interval(0, 3)) == repr(TC.integer_interval(0, 3))
    assert repr(C.multinomial(4)) == repr(TC.multinomial(4))
    v = np.array([0.0, 1.0, 2.0, 0.5, -1.0])
    for e, t in ((C.boolean, TC.boolean), (C.nonnegative_integer, TC.nonnegative_integer),
                 (C.integer_interval(0, 1), TC.integer_interval(0, 1))):
        assert to_np(e.check(ember.tensor(v))).tolist() == t.check(torch.tensor(v)).tolist()
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        C.dependent.check(ember.tensor(1.0))
    with pytest.raises(NotImplementedError, match=".event_dim cannot be determined statically"):
        C.dependent.event_dim
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
