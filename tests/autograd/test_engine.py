"""The backward engine as a user meets it: `.grad` before and after backward, accumulation, freed
graphs and retain_graph, implicit gradients of non-scalars, non-leaf `.grad`, `backward(inputs=)`,
`autograd.grad` (allow_unused, materialize_grads), create_graph higher-order gradients, and
`autograd.functional`. Each scenario runs on Ember and on PyTorch and must end the same way."""
import warnings

import numpy as np

import ember
from tests.autograd.conftest import Scenarios, same_outcome

scenario = Scenarios()


def leaf(T, *shape, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    return T.tensor(rng.standard_normal(shape), dtype=getattr(T, dtype), requires_grad=True)


# ---------------------------------------------------------------------- the seed exercise's questions
@scenario
def grad_is_none_before_backward_and_set_after(T):
    w = leaf(T, 3, 2)
    before = w.grad
    (w * w).sum().backward()
    return before is None, w.grad


@scenario
def seed_exercise_flow(T):
    """The seed exercise's autograd questions, on a small conv net: forward, .grad before and after
    backward, loss.grad_fn, requires_grad of loss and labels, a second backward, an SGD step, zero_grad."""
    T.manual_seed(0)
    model = T.nn.Sequential(T.nn.Conv2d(3, 4, 3), T.nn.ReLU(), T.nn.Flatten(), T.nn.Linear(4 * 6 * 6, 10))
    data, labels = T.rand(1, 3, 8, 8), T.rand(1, 10)
    preds = model(data)
    w = model[0].weight
    w_before, grad_before = w.detach().clone(), w.grad
    loss = T.nn.CrossEntropyLoss()(preds, labels)
    loss.backward()
    answers = [tuple(preds.shape), grad_before is None, str(loss.grad_fn).split(" object")[0], w.grad is not None,
               loss.requires_grad, labels.requires_grad]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        answers.append(loss.grad is None)
    try:
        loss.backward()
    except RuntimeError as e:
        answers.append(str(e))
    opt = T.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    opt.step()
    answers.append(bool((w.detach() != w_before).any()))
    opt.zero_grad()
    answers.append(w.grad is None)
    return answers


@scenario
def grads_accumulate_over_backward_calls(T):
    w = leaf(T, 3)
    (w * 2).sum().backward()
    first = w.grad.clone()
    g = w.grad
    (w ** 2).sum().backward()
    return first, w.grad, w.grad is g  # accumulated in place, into the same tensor


@scenario
def loss_requires_grad_and_labels_do_not(T):
    x, labels = leaf(T, 4, 3), T.tensor([0, 2, 1, 0])
    loss = -(x.log_softmax(1).gather(1, labels.unsqueeze(1))).mean()
    return loss.requires_grad, labels.requires_grad, loss.is_leaf, x.is_leaf, loss.grad_fn.name()


@scenario
def second_backward_through_freed_graph_raises(T):
    x = leaf(T, 3)
    y = (x.exp() * x).sum()
    y.backward()
    y.backward()


@scenario
def retain_graph_allows_a_second_backward(T):
    x = leaf(T, 3)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


@scenario
def graph_without_saved_tensors_can_run_twice(T):
    x = leaf(T, 3)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    return x.grad


@scenario
def backward_of_non_scalar_needs_gradient(T):
    x = leaf(T, 3)
    (x * 2).backward()


@scenario
def backward_of_non_scalar_with_gradient(T):
    x = leaf(T, 2, 3)
    (x * x).backward(T.ones(2, 3, dtype=T.float64) * 3)
    return x.grad


@scenario
def gradient_of_wrong_shape(T):
    x = leaf(T, 3)
    (x * 2).backward(T.ones(4, dtype=T.float64))


@scenario
def backward_on_tensor_without_grad(T):
    T.ones(3).sum().backward()


@scenario
def backward_of_integer_output(T):
    x = leaf(T, 3)
    (x > 0).sum().backward()


@scenario
def non_leaf_grad_is_none_with_warning(T):
    x = leaf(T, 3)
    y = x * 2
    y.sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = y.grad
    return g is None, [(w.category.__name__, str(w.message)) for w in caught]


@scenario
def retain_grad_keeps_non_leaf_grad(T):
    x = leaf(T, 3)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    return y.retains_grad, x.retains_grad, y.grad, x.grad


@scenario
def retain_grad_on_leaf_is_a_no_op(T):
    x = leaf(T, 3)
    x.retain_grad()
    (x * 3).sum().backward()
    return x.retains_grad, x.grad


@scenario
def retain_grad_without_requires_grad(T):
    T.ones(2).retain_grad()


@scenario
def backward_inputs_restricts_accumulation(T):
    a, b = leaf(T, 3), leaf(T, 3, seed=1)
    (a * b).sum().backward(inputs=[a])
    return a.grad, b.grad is None


@scenario
def backward_inputs_empty(T):
    a = leaf(T, 3)
    (a * 2).sum().backward(inputs=[])


@scenario
def diamond_graph_sums_both_paths(T):
    x = leaf(T, 4)
    y = x.exp()
    z = y * y.sin() + y
    z.sum().backward()
    return x.grad


@scenario
def leaf_used_twice_in_one_op(T):
    x = leaf(T, 3)
    (x * x + x).sum().backward()
    return x.grad


@scenario
def grad_set_to_none_then_backward(T):
    x = leaf(T, 3)
    (x * 2).sum().backward()
    x.grad = None
    (x * 3).sum().backward()
    return x.grad


@scenario
def grad_zero_then_backward(T):
    x = leaf(T, 3)
    (x * 2).sum().backward()
    x.grad.zero_()
    (x * 3).sum().backward()
    return x.grad


@scenario
def assigning_a_grad_of_wrong_shape(T):
    x = leaf(T, 3)
    x.grad = T.ones(4, dtype=T.float64)


@scenario
def requires_grad_on_integer_tensor(T):
    T.tensor([1, 2]).requires_grad_()


@scenario
def requires_grad_false_on_non_leaf(T):
    (leaf(T, 2) * 2).requires_grad_(False)


@scenario
def detach_cuts_the_graph(T):
    x = leaf(T, 3)
    y = x * 2
    d = y.detach()
    z = (y * d).sum()
    z.backward()
    return d.requires_grad, d.is_leaf, d.grad_fn is None, x.grad


@scenario
def detach_shares_memory(T):
    x = leaf(T, 3)
    d = x.detach()
    d[0] = 5.0
    return x.detach().clone(), x._version, d._version


@scenario
def detach_in_place(T):
    x = leaf(T, 3)
    y = x * 2
    y.detach_()
    return y.requires_grad, y.is_leaf, y.grad_fn is None


@scenario
def requires_grad_flag_spreads(T):
    a, b = leaf(T, 2), T.ones(2, dtype=T.float64)
    return (a + b).requires_grad, (b + b).requires_grad, (b * 2).is_leaf, a.detach().requires_grad_().is_leaf


@scenario
def grad_of_a_view_input(T):
    base = leaf(T, 2, 3)
    v = base[1]
    (v * v).sum().backward()
    return base.grad


# ---------------------------------------------------------------------- autograd.grad
@scenario
def autograd_grad_returns_without_accumulating(T):
    x = leaf(T, 3)
    g, = T.autograd.grad((x ** 3).sum(), x)
    return g, x.grad is None, g.requires_grad


@scenario
def autograd_grad_several_outputs_and_inputs(T):
    a, b = leaf(T, 3), leaf(T, 3, seed=1)
    return T.autograd.grad([(a * b).sum(), (a.exp()).sum()], [a, b])


@scenario
def autograd_grad_with_grad_outputs(T):
    a = leaf(T, 2, 3)
    return T.autograd.grad(a.sin(), a, grad_outputs=T.full((2, 3), 0.5, dtype=T.float64))


@scenario
def autograd_grad_of_non_leaf(T):
    a = leaf(T, 3)
    h = a.exp()
    return T.autograd.grad((h * h).sum(), [h, a])


@scenario
def autograd_grad_unused_input_raises(T):
    a, b = leaf(T, 3), leaf(T, 3, seed=1)
    T.autograd.grad((a * 2).sum(), [a, b])


@scenario
def autograd_grad_allow_unused(T):
    a, b = leaf(T, 3), leaf(T, 3, seed=1)
    ga, gb = T.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
    return ga, gb is None


@scenario
def autograd_grad_materialize_grads(T):
    a, b = leaf(T, 3), leaf(T, 3, seed=1)
    return T.autograd.grad((a * 2).sum(), [a, b], materialize_grads=True)


@scenario
def autograd_grad_input_without_grad(T):
    a = leaf(T, 3)
    T.autograd.grad((a * 2).sum(), [T.ones(3)])


@scenario
def autograd_grad_frees_graph(T):
    a = leaf(T, 3)
    y = (a.exp()).sum()
    T.autograd.grad(y, a)
    T.autograd.grad(y, a)


@scenario
def autograd_backward_function(T):
    a, b = leaf(T, 3), leaf(T, 2, seed=1)
    T.autograd.backward([(a * a).sum(), b.exp()], [None, T.ones(2, dtype=T.float64)])
    return a.grad, b.grad


# ---------------------------------------------------------------------- higher order
@scenario
def create_graph_gradient_is_differentiable(T):
    x = leaf(T, 3)
    g, = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
    g2, = T.autograd.grad(g.sum(), x)
    return g.requires_grad, g.grad_fn is not None, g2


@scenario
def gradient_penalty(T):
    """WGAN-GP style: penalise the norm of d critic / d input, then train the critic's weight."""
    w = leaf(T, 4, 3, seed=3)
    x = leaf(T, 5, 4, seed=4)
    critic = (x @ w).tanh().sum()
    g, = T.autograd.grad(critic, x, create_graph=True)
    penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
    (critic + 10 * penalty).backward()
    return w.grad, x.grad


@scenario
def hessian_vector_product(T):
    x = leaf(T, 4)
    v = T.tensor([1.0, -2.0, 0.5, 3.0], dtype=T.float64)
    f = (x.sin() * x.exp()).sum() + (x[:3] * x[1:]).prod()
    g, = T.autograd.grad(f, x, create_graph=True)
    hv, = T.autograd.grad(g @ v, x)
    return hv


@scenario
def backward_create_graph_then_grad_of_grad(T):
    x = leaf(T, 3)
    (x ** 4).sum().backward(create_graph=True)
    first = x.grad.detach().clone()
    gg, = T.autograd.grad(x.grad.sum(), x)
    return first, gg, x.grad.requires_grad


@scenario
def third_derivative(T):
    x = leaf(T, 3)
    y = (x.tanh() * x).sum()
    g1, = T.autograd.grad(y, x, create_graph=True)
    g2, = T.autograd.grad(g1.sum(), x, create_graph=True)
    g3, = T.autograd.grad(g2.sum(), x)
    return g1, g2, g3


# ---------------------------------------------------------------------- autograd.functional
def _f_vec(x):
    return x.sin() * x.sum() + x ** 2


def _f_two(a, b):
    return (a * b.exp()).sum(0), a.tanh()


def _f_scalar(x):
    return (x.sin() * x.cos().sum()).sum() + (x ** 3).prod()


def _f_scalar_two(a, b):
    return (a @ b).sin().sum() + (a ** 2).sum() * b.sum()


@scenario
def jacobian_one_input(T):
    return T.autograd.functional.jacobian(_f_vec, leaf(T, 3).detach())


@scenario
def jacobian_tuple_inputs_and_outputs(T):
    return T.autograd.functional.jacobian(_f_two, (leaf(T, 2, 3).detach(), leaf(T, 2, 3, seed=1).detach()))


@scenario
def jacobian_create_graph(T):
    x = leaf(T, 3)
    jac = T.autograd.functional.jacobian(_f_vec, x, create_graph=True)
    jac.sum().backward()
    return jac, x.grad


@scenario
def hessian_one_input(T):
    return T.autograd.functional.hessian(_f_scalar, leaf(T, 4).detach())


@scenario
def hessian_two_inputs(T):
    return T.autograd.functional.hessian(_f_scalar_two, (leaf(T, 2, 3).detach(), leaf(T, 3, 2, seed=1).detach()))


@scenario
def functional_vjp(T):
    return T.autograd.functional.vjp(_f_vec, leaf(T, 3).detach(), T.ones(3, dtype=T.float64))


@scenario
def functional_jvp(T):
    return T.autograd.functional.jvp(_f_vec, leaf(T, 3).detach(), T.tensor([1.0, 0.0, 2.0], dtype=T.float64))


@scenario
def functional_hvp_and_vhp(T):
    x, v = leaf(T, 4).detach(), T.tensor([1.0, 2.0, -1.0, 0.5], dtype=T.float64)
    return T.autograd.functional.hvp(_f_scalar, x, v), T.autograd.functional.vhp(_f_scalar, x, v)


@scenario
def leaf_grads_are_laid_out_as_their_leaves(T):
    """AccumulateGrad's layout contract: a leaf's .grad has the leaf's strides, whatever the gradient's (a
    leaf used as q, k and v of one attention sums three gradients of different layouts; a transposed leaf)."""
    q = leaf(T, 2, 3, 5, 4, dtype="float32")
    T.nn.functional.scaled_dot_product_attention(q, q, q).sum().backward()
    t = leaf(T, 4, 6, seed=1).t().detach().requires_grad_()
    (t * t.detach().permute(1, 0).contiguous().t()).sum().backward()
    e = leaf(T, 3, 1, 4, seed=2)
    (e.expand(3, 5, 4) * 2).sum().backward()
    return [(x.grad, x.grad.stride(), x.stride()) for x in (q, t, e)]


@scenario
def legacy_variable(T):
    t = T.ones(2)
    v = T.autograd.Variable(t, requires_grad=True)
    (v * 3).sum().backward()
    return v.requires_grad, v.is_leaf, v is t, isinstance(t, T.autograd.Variable), v.grad


@scenario.parametrize()
def test_engine_matches_torch(scenario):
    same_outcome(scenario)


def test_accumulate_grad_node_and_its_variable():
    x = ember.ones(2, requires_grad=True)
    acc, nr = (x * 2).grad_fn.next_functions[0]
    assert (acc.name(), nr, acc.next_functions) == ("torch::autograd::AccumulateGrad", 0, ())
    assert acc.variable is x
    assert repr(acc).startswith("<AccumulateGrad object at 0x")
    assert (x * 3).grad_fn.next_functions[0][0] is acc  # one accumulator per leaf while the graph lives
