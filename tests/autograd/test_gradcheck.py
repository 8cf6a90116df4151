"""ember.autograd.gradcheck / gradgradcheck: pass on correct gradients, fail (GradcheckError, a
RuntimeError, with torch's message and Jacobian layout) on a deliberately wrong one, and refuse the
inputs torch's refuses."""
import warnings

import numpy as np

import ember
from tests.autograd.conftest import Scenarios, same_outcome

scenario = Scenarios()


def ops(T):
    class WrongScale(T.autograd.Function):
        """x * x with half the true gradient."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x

    class WrongInSecondInput(T.autograd.Function):
        """(a * b).sum(1): right for a, transposed for b."""

        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return (a * b).sum(1)

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g[:, None] * b, (g[:, None] * a).flip(1)

    class DetachedBackward(WrongScale):
        """x * x whose backward is right but not differentiable (its second derivative is wrong)."""

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x.detach() * g

    return WrongScale, WrongInSecondInput, DetachedBackward


def inputs(T, *shapes, grad=True, dtype="float64"):
    rng = np.random.default_rng(0)
    return tuple(T.tensor(rng.standard_normal(s), dtype=getattr(T, dtype), requires_grad=grad) for s in shapes)


@scenario
def passes_on_correct_ops(T):
    a, b = inputs(T, (3, 4), (4, 2))
    return (T.autograd.gradcheck(lambda x, y: (x @ y).tanh(), (a, b)),
            T.autograd.gradcheck(lambda x: (x.sin().sum(0), x.max(1)[0]), (a,)),
            T.autograd.gradgradcheck(lambda x, y: (x @ y).sigmoid(), (a, b)))


@scenario
def fails_on_a_wrong_gradient(T):
    T.autograd.gradcheck(ops(T)[0].apply, inputs(T, (3,)))


@scenario
def fails_on_a_wrong_gradient_of_a_second_input(T):
    T.autograd.gradcheck(ops(T)[1].apply, inputs(T, (2, 3), (2, 3)))


@scenario
def returns_false_without_raising(T):
    return T.autograd.gradcheck(ops(T)[0].apply, inputs(T, (3,)), raise_exception=False)


@scenario
def error_is_a_runtime_error(T):
    try:
        T.autograd.gradcheck(ops(T)[0].apply, inputs(T, (2,)))
    except RuntimeError as e:
        return type(e).__name__, type(e).__mro__[1].__name__


@scenario
def gradgradcheck_fails_on_a_wrong_second_derivative(T):
    x, = inputs(T, (3,))
    return (T.autograd.gradcheck(ops(T)[2].apply, (x,)),
            T.autograd.gradgradcheck(ops(T)[2].apply, (x,), raise_exception=False))


@scenario
def no_input_requires_grad(T):
    T.autograd.gradcheck(T.sin, inputs(T, (3,), grad=False))


@scenario
def stride_zero_input(T):
    x = T.tensor([[1.0, 2.0]], dtype=T.float64).expand(3, 2).requires_grad_()
    T.autograd.gradcheck(T.sin, (x,))


@scenario
def single_precision_warns(T):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        T.autograd.gradcheck(T.sin, inputs(T, (3,), dtype="float32"), raise_exception=False)
    return [str(w.message) for w in caught]


@scenario.parametrize()
def test_gradcheck_matches_torch(scenario):
    same_outcome(scenario)


def test_non_contiguous_input_is_perturbed_in_place():
    """Finite differences must perturb the input's own elements, also through a transposed layout."""
    x = ember.tensor(np.arange(6.0).reshape(3, 2), dtype=ember.float64).t().requires_grad_()
    assert not x.is_contiguous()
    assert ember.autograd.gradcheck(lambda t: t * t.sum(0, keepdim=True), (x,))
