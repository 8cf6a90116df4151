"""In-place ops and autograd, as in PyTorch: in-place on a non-leaf (and on a view of one) gives
torch's gradients, grad_fn and version; in-place on a leaf that requires grad raises at once;
modifying a tensor saved for backward raises at backward with torch's version-counter message."""
import numpy as np
import pytest

from tests.autograd.conftest import Scenarios, Case, F, B, I, compare_gradients, compare_grad_fns, same_outcome


def _copy_then(x, f):
    """y = x * 1 (a non-leaf), then f(y) in place; returns y."""
    y = x * 1
    f(y)
    return y


def _setitem(y, index, value):
    y[index] = value


CASES = [Case(*c[:-1], **c[-1]) if isinstance(c[-1], dict) else Case(*c, versions=True) for c in [
    ("relu_", lambda T, x: _copy_then(x, lambda y: y.relu_()), F(3, 4)),
    ("mul_-tensor", lambda T, x, w: _copy_then(x, lambda y: y.mul_(w)), F(3, 4), F(4)),
    ("mul_-scalar", lambda T, x: _copy_then(x, lambda y: y.mul_(3)), F(3, 4)),
    ("imul-operator", lambda T, x, w: _copy_then(x, lambda y: y.__imul__(w)), F(3, 4), F(3, 4)),
    ("add_-alpha", lambda T, x, w: _copy_then(x, lambda y: y.add_(w, alpha=2)), F(3, 4), F(3, 1)),
    ("sub_", lambda T, x, w: _copy_then(x, lambda y: y.sub_(w)), F(3, 4), F(4)),
    ("div_", lambda T, x, w: _copy_then(x, lambda y: y.div_(w)), F(3, 4), F(4, kind="pos")),
    ("pow_", lambda T, x: _copy_then(x, lambda y: y.pow_(2)), F(3, 4)),
    ("exp_", lambda T, x: _copy_then(x, lambda y: y.exp_()), F(3, 4)),
    ("sigmoid_", lambda T, x: _copy_then(x, lambda y: y.sigmoid_()), F(3, 4)),
    ("tanh_", lambda T, x: _copy_then(x, lambda y: y.tanh_()), F(3, 4)),
    ("sin_-twice", lambda T, x: _copy_then(x, lambda y: y.sin_().sin_()), F(3, 4)),
    ("clamp_", lambda T, x: _copy_then(x, lambda y: y.clamp_(-0.5, 0.5)), F(3, 4)),
    ("neg_", lambda T, x: _copy_then(x, lambda y: y.neg_()), F(3, 4)),
    ("masked_fill_", lambda T, x, m: _copy_then(x, lambda y: y.masked_fill_(m, 0.0)), F(3, 4), B(3, 4)),
    ("zero_", lambda T, x: _copy_then(x, lambda y: y.zero_()) + x, F(3, 4)),
    ("fill_", lambda T, x: _copy_then(x, lambda y: y.fill_(2.0)) * x, F(3, 4)),
    ("copy_", lambda T, x, w: _copy_then(x, lambda y: y.copy_(w)), F(3, 4), F(4)),
    ("copy_-from-constant", lambda T, x: _copy_then(x, lambda y: y.copy_(T.ones(3, 4, dtype=y.dtype))), F(3, 4)),
    ("setitem-slice", lambda T, x, v: _copy_then(x, lambda y: _setitem(y, (slice(None), 1), v)), F(3, 4), F(3)),
    ("setitem-int", lambda T, x, v: _copy_then(x, lambda y: _setitem(y, 0, v)), F(3, 4), F(4)),
    ("setitem-scalar", lambda T, x: _copy_then(x, lambda y: _setitem(y, (1, 2), 5.0)), F(3, 4)),
    ("setitem-index-tensor", lambda T, x, i, v: _copy_then(x, lambda y: _setitem(y, i, v)), F(3, 4), I(2), F(4)),
    ("setitem-mask", lambda T, x, m: _copy_then(x, lambda y: _setitem(y, m, 0.0)), F(3, 4), B(3, 4)),
    ("view-of-non-leaf-mul_", lambda T, x: _copy_then(x, lambda y: y[0].mul_(2)), F(3, 4)),
    ("view-of-non-leaf-add_", lambda T, x, w: _copy_then(x, lambda y: y[:, 1:3].add_(w)), F(3, 4), F(3, 2)),
    ("transposed-view-in-place", lambda T, x, w: _copy_then(x, lambda y: y.t().mul_(w)), F(3, 4), F(3)),
    ("view-in-place-then-base-used", lambda T, x: _copy_then(x, lambda y: y.view(12)[::2].exp_()).sum(0), F(3, 4)),
    ("in-place-on-saved-input-copy", lambda T, x: _copy_then(x, lambda y: y.mul_(y)), F(3, 4)),
]]


# every unary op's in-place form, on a non-leaf (but asinh_, acosh_ and atanh_, which torch 2.13 refuses
# to differentiate or names oddly)
UNARY_ = {"abs": "normal", "neg": "normal", "exp": "normal", "exp2": "normal", "expm1": "normal", "log": "pos",
          "log2": "pos", "log10": "pos", "log1p": "pos", "sqrt": "pos", "rsqrt": "pos", "sin": "normal",
          "cos": "normal", "tan": "unit", "asin": "unit", "acos": "unit", "atan": "normal", "sinh": "normal",
          "cosh": "normal", "logit": "prob", "reciprocal": "pos",
          "erf": "normal", "erfc": "normal", "erfinv": "unit", "lgamma": "pos", "digamma": "pos", "sign": "normal",
          "sgn": "normal", "floor": "normal", "ceil": "normal", "trunc": "normal", "frac": "normal",
          "round": "normal", "square": "normal", "sinc": "normal", "deg2rad": "normal", "rad2deg": "normal",
          "i0": "normal", "nan_to_num": "normal"}
CASES += [Case(f"{name}_", lambda T, x, n=name: _copy_then(x, lambda y: getattr(y, n + "_")()), F(3, 4, kind=kind),
               versions=True) for name, kind in UNARY_.items()]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_in_place_gradients_match_torch(case, dtype):
    compare_gradients(case, dtype)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_in_place_grad_fn_matches_torch(case):
    compare_grad_fns(case)


# ---------------------------------------------------------------------- errors, as torch raises them
scenario = Scenarios()


def leaf(T, *shape):
    return T.tensor(np.arange(np.prod(shape)).reshape(shape) * 0.3 + 0.5, requires_grad=True)


@scenario
def modified_saved_output(T):
    a = leaf(T, 3)
    b = a.exp()
    b.add_(1)
    b.sum().backward()


@scenario
def modified_saved_input_of_a_later_op(T):
    a = leaf(T, 3)
    b = a * 2
    c = b.sin()
    b.add_(1)
    c.sum().backward()


@scenario
def modified_saved_output_by_relu_(T):
    b = leaf(T, 3).tanh()
    b.relu_()
    b.sum().backward()


@scenario
def modified_saved_leaf_without_grad(T):
    a, w = leaf(T, 3), T.ones(3, dtype=T.float64)
    c = a * w
    w.add_(1)
    c.sum().backward()


@scenario
def modified_through_detach(T):
    a = leaf(T, 2, 3)
    b = a.sigmoid()
    b.detach().zero_()
    b.sum().backward()


@scenario
def modified_output_of_backward1_node(T):
    a = leaf(T, 3)
    c = a.pow(a * 1)
    c.add_(1)
    c.sum().backward()


@scenario
def modified_saved_view(T):
    a = leaf(T, 4)
    b = a * 1
    v = b[1:]
    c = v * v
    b.mul_(2)
    c.sum().backward()


@scenario
def change_through_data_is_not_tracked(T):
    a = leaf(T, 3)
    b = a.exp()
    b.data.add_(1)
    b.sum().backward()
    return a.grad, b._version


@scenario
def in_place_on_leaf(T):
    leaf(T, 3).add_(1)


@scenario
def in_place_on_view_of_leaf(T):
    leaf(T, 3, 2)[0].mul_(2)


@scenario
def setitem_on_leaf(T):
    a = leaf(T, 3)
    a[0] = 1.0


@scenario
def view_made_before_its_base_changed(T):
    x = leaf(T, 2, 3)
    y = x * 1
    v = y[0]
    y.mul_(2)
    (v * T.tensor([1.0, 2.0, 3.0], dtype=T.float64)).sum().backward()
    return x.grad, v.grad_fn.name()


@scenario
def view_changed_in_place_then_base_changed(T):
    x = leaf(T, 2, 3)
    y = x * 1
    v = y.t()
    v.mul_(2)
    y.add_(1)
    (v ** 2).sum().backward()
    return x.grad, v.grad_fn.name()


@scenario
def output_of_multi_view_op_after_base_changed(T):
    y = leaf(T, 2, 3) * 1
    a, b = y.unbind(0)
    y[1].mul_(3)
    return b * a


@scenario
def versions_count_in_place_ops(T):
    a = T.ones(3)
    v = a[1:]
    versions = [a._version]
    a.add_(1)
    versions.append(a._version)
    v.mul_(2)
    versions += [a._version, v._version]
    a[0] = 3.0
    versions.append(v._version)
    return versions


@scenario
def version_of_out_of_place_result(T):
    a = leaf(T, 3)
    return (a * 2)._version, a._version


@scenario.parametrize()
def test_in_place_errors_match_torch(scenario):
    same_outcome(scenario)
