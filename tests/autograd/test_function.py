"""User-defined autograd.Function: forward/backward with ctx, save_for_backward and saved_tensors,
needs_input_grad, mark_non_differentiable, mark_dirty, set_materialize_grads, the setup_context style,
once_differentiable, grad_fn names, the checks torch applies to what backward returns, and a
user-written op (a smooth-L1 'Huber' loss) checked against torch and by gradcheck."""
import numpy as np

import ember
from tests.autograd.conftest import Scenarios, same_outcome

scenario = Scenarios()


def functions(T):
    """The same user-defined Functions, written against library T."""
    F = T.autograd.Function

    class Huber(F):
        """A user-written op: mean smooth-L1 between x and target, threshold delta."""

        @staticmethod
        def forward(ctx, x, target, delta):
            diff = x - target
            ctx.save_for_backward(diff)
            ctx.delta = delta
            small = diff.abs() < delta
            return T.where(small, 0.5 * diff * diff / delta, diff.abs() - 0.5 * delta).mean()

        @staticmethod
        def backward(ctx, g):
            diff, = ctx.saved_tensors
            grad = T.where(diff.abs() < ctx.delta, diff / ctx.delta, diff.sign()) * g / diff.numel()
            return grad, -grad if ctx.needs_input_grad[1] else None, None

    class Cube(F):
        """x ** 3 with a differentiable backward (so double backward works)."""

        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * x * x * g

    class ExpSavingOutput(F):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    class TwoOutputs(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    class NoMaterialize(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return (g1 * 2 if g1 is not None else 0) + (g2 * 3 if g2 is not None else 0)

    class MaxWithIndex(F):
        @staticmethod
        def forward(ctx, x):
            i = x.argmax()
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(i)
            ctx.n = x.numel()
            return x.max(), i

        @staticmethod
        def backward(ctx, g, g_index):
            i, = ctx.saved_tensors
            out = T.zeros(ctx.n, dtype=g.dtype)
            out[i] = g
            return out

    class DoubleInPlace(F):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Identity(F):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class ReportsNeeds(F):
        @staticmethod
        def forward(ctx, a, b, k):
            ctx.seen = ctx.needs_input_grad
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            return g, g, None

    class TooFewGrads(F):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g

    class GradForNumber(TooFewGrads):
        @staticmethod
        def backward(ctx, g):
            return g, g

    class WrongShape(F):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return T.ones(2)

    class BroadcastGrad(F):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return T.ones(1, 3, dtype=T.float64) * g

    class OnceDifferentiable(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @T.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return (2 * x * g, T.is_grad_enabled())[0]

    return {k: v for k, v in locals().items() if isinstance(v, type)}


def leaf(T, *shape, seed=0):
    return T.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


@scenario
def user_op_matches_the_library_loss(T):
    fns = functions(T)
    x, target = leaf(T, 4, 3), leaf(T, 4, 3, seed=1)
    loss = fns["Huber"].apply(x, target, 0.7)
    loss.backward()
    reference = T.nn.functional.smooth_l1_loss(x.detach(), target.detach(), beta=0.7)
    return loss, reference, x.grad, target.grad, loss.grad_fn.name()


@scenario
def grad_fn_name_and_edges(T):
    fns = functions(T)
    x = leaf(T, 3)
    y = fns["Huber"].apply(x, T.zeros(3, dtype=T.float64), 1.0)
    return (y.grad_fn.name(), [(n.name() if n else None, i) for n, i in y.grad_fn.next_functions],
            type(y.grad_fn).__name__, y.requires_grad, y.is_leaf)


@scenario
def setup_context_style_and_double_backward(T):
    x = leaf(T, 3)
    y = functions(T)["Cube"].apply(x)
    g, = T.autograd.grad(y.sum(), x, create_graph=True)
    gg, = T.autograd.grad(g.sum(), x)
    return y, g, gg, y.grad_fn.name()


@scenario
def saved_output(T):
    x = leaf(T, 3)
    y = functions(T)["ExpSavingOutput"].apply(x)
    (y * 2).sum().backward()
    return x.grad


@scenario
def saved_output_modified_in_place(T):
    x = leaf(T, 3)
    y = functions(T)["ExpSavingOutput"].apply(x)
    y.add_(1)
    y.sum().backward()


@scenario
def saved_tensors_freed_after_backward(T):
    x = leaf(T, 3)
    y = functions(T)["ExpSavingOutput"].apply(x)
    y.sum().backward()
    y.grad_fn.saved_tensors


@scenario
def unused_output_gets_zero_grad(T):
    x = leaf(T, 3)
    a, b = functions(T)["TwoOutputs"].apply(x)
    a.sum().backward()
    return x.grad, a.grad_fn is b.grad_fn, a.grad_fn.name()


@scenario
def set_materialize_grads_false_passes_none(T):
    x = leaf(T, 3)
    a, b = functions(T)["NoMaterialize"].apply(x)
    b.sum().backward()
    return x.grad


@scenario
def mark_non_differentiable(T):
    x = leaf(T, 5)
    v, i = functions(T)["MaxWithIndex"].apply(x)
    v.backward()
    return v.requires_grad, i.requires_grad, i, x.grad


@scenario
def mark_dirty_in_place(T):
    x = leaf(T, 3)
    z = x * 1
    w = functions(T)["DoubleInPlace"].apply(z)
    w.sum().backward()
    return w is z, w.grad_fn.name(), z._version, x.grad


@scenario
def mark_dirty_on_leaf(T):
    functions(T)["DoubleInPlace"].apply(leaf(T, 3))


@scenario
def returning_an_input(T):
    x = leaf(T, 3)
    o = functions(T)["Identity"].apply(x)
    (o * 3).sum().backward()
    return o is x, o._base is x, o.grad_fn.name(), x.grad


@scenario
def needs_input_grad(T):
    x = leaf(T, 3)
    fn = functions(T)["ReportsNeeds"]
    y = fn.apply(x, T.ones(3, dtype=T.float64), 2.0)
    return y.grad_fn.seen, len(y.grad_fn.next_functions)


@scenario
def under_no_grad_no_graph(T):
    x = leaf(T, 3)
    with T.no_grad():
        y = functions(T)["Cube"].apply(x)
    return y.requires_grad, y.grad_fn is None


@scenario
def incorrect_number_of_gradients(T):
    functions(T)["TooFewGrads"].apply(leaf(T, 3), 2.0).sum().backward()


@scenario
def gradient_for_a_non_tensor_input(T):
    functions(T)["GradForNumber"].apply(leaf(T, 3), 2.0).sum().backward()


@scenario
def gradient_of_wrong_shape(T):
    functions(T)["WrongShape"].apply(leaf(T, 3)).backward()


@scenario
def gradient_summed_to_input_shape(T):
    x = leaf(T, 3)
    functions(T)["BroadcastGrad"].apply(x).backward()
    return x.grad


@scenario
def once_differentiable_runs_without_grad(T):
    x = leaf(T, 3)
    y = functions(T)["OnceDifferentiable"].apply(x)
    g, = T.autograd.grad(y.sum(), x)
    return g


@scenario.parametrize()
def test_custom_function_matches_torch(scenario):
    same_outcome(scenario)


def test_user_op_passes_gradcheck():
    fns = functions(ember)
    x, target = leaf(ember, 4, 3), leaf(ember, 4, 3, seed=1)
    assert ember.autograd.gradcheck(lambda a, b: fns["Huber"].apply(a, b, 0.7), (x, target))
    assert ember.autograd.gradcheck(fns["Cube"].apply, (x,))
    assert ember.autograd.gradgradcheck(fns["Cube"].apply, (x,))


def test_ctx_is_the_grad_fn():
    x = leaf(ember, 3)
    y = functions(ember)["Huber"].apply(x, ember.zeros(3, dtype=ember.float64), 0.5)
    assert isinstance(y.grad_fn, ember.autograd.function.BackwardCFunction)
    assert isinstance(y.grad_fn, ember.autograd.graph.Node)
    assert y.grad_fn.delta == 0.5
    assert repr(y.grad_fn).startswith("<torch.autograd.function.HuberBackward object at 0x")
