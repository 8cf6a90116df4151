"""The recorded graph as a user inspects it: grad_fn names and next_functions (including the
(None, 0) of scalar and constant operands) for the common ops and the seed models' losses, leaves
without grad_fn, AccumulateGrad at the leaves, and `print(t)` showing `grad_fn=<...>`."""
import numpy as np
import pytest

from tests.autograd.conftest import Scenarios, same_outcome

scenario = Scenarios()


def describe(node, depth=3):
    """(name, [edges]) of a grad_fn down to `depth`, each edge as (description, output index)."""
    if node is None:
        return None
    name = node.name()
    if depth == 0 or name == "torch::autograd::AccumulateGrad":
        return name
    return name, [(describe(n, depth - 1), i) for n, i in node.next_functions]


def graph(T, fn):
    rng = np.random.default_rng(0)
    x = T.tensor(rng.standard_normal((2, 3)), dtype=T.float32, requires_grad=True)
    w = T.tensor(rng.standard_normal((3, 4)), dtype=T.float32, requires_grad=True)
    c = T.tensor(rng.standard_normal((2, 3)), dtype=T.float32)
    out = fn(T, x, w, c)
    return describe(out.grad_fn), out.requires_grad, out.is_leaf


GRAPHS = {
    "add": lambda T, x, w, c: x + c,
    "add-scalar": lambda T, x, w, c: x + 1,
    "radd-scalar": lambda T, x, w, c: 1 + x,
    "sub-rsub": lambda T, x, w, c: 1 - (x - c),
    "mul": lambda T, x, w, c: x * x,
    "mul-scalar": lambda T, x, w, c: 2 * x,
    "div": lambda T, x, w, c: x / 2 / (c + 3),
    "neg-pow": lambda T, x, w, c: -(x ** 2),
    "mm": lambda T, x, w, c: x.mm(w),
    "matmul": lambda T, x, w, c: x @ w,
    "sum": lambda T, x, w, c: x.sum(),
    "sum-dim": lambda T, x, w, c: x.sum(1),
    "mean": lambda T, x, w, c: x.mean(),
    "mean-dim": lambda T, x, w, c: x.mean(0, keepdim=True),
    "select": lambda T, x, w, c: x[0],
    "slice": lambda T, x, w, c: x[:, 1:],
    "int-then-slice": lambda T, x, w, c: x[1, :2],
    "view": lambda T, x, w, c: x.view(6),
    "reshape": lambda T, x, w, c: x.reshape(3, 2),
    "t": lambda T, x, w, c: x.t(),
    "transpose": lambda T, x, w, c: x.transpose(0, 1),
    "expand": lambda T, x, w, c: x[:1].expand(4, 3),
    "unsqueeze-squeeze": lambda T, x, w, c: x.unsqueeze(0).squeeze(0),
    "flatten": lambda T, x, w, c: x.flatten(),
    "cat": lambda T, x, w, c: T.cat([x, c]),
    "stack": lambda T, x, w, c: T.stack([x, x]),
    "exp-log": lambda T, x, w, c: x.exp().log(),
    "relu-sigmoid-tanh": lambda T, x, w, c: x.relu().sigmoid().tanh(),
    "softmax": lambda T, x, w, c: x.softmax(1),
    "log_softmax": lambda T, x, w, c: x.log_softmax(1),
    "max": lambda T, x, w, c: x.max(),
    "clone-detach": lambda T, x, w, c: x.clone() + x.detach(),
    "to-double": lambda T, x, w, c: x.double(),
    "where": lambda T, x, w, c: T.where(c > 0, x, c),
    "relu-functional": lambda T, x, w, c: T.nn.functional.relu(x),
    "nll_loss": lambda T, x, w, c: T.nn.functional.nll_loss(x.log_softmax(1), T.tensor([0, 2])),
    "cross_entropy": lambda T, x, w, c: T.nn.functional.cross_entropy(x, T.tensor([1, 2])),
    "cross_entropy-probabilities": lambda T, x, w, c: T.nn.functional.cross_entropy(x, c.softmax(1)),
    "mse_loss": lambda T, x, w, c: T.nn.functional.mse_loss(x, c),
    "bce_loss": lambda T, x, w, c: T.nn.functional.binary_cross_entropy(x.sigmoid(), c.sigmoid()),
    # F.linear: AddmmBackward0(bias, input, TBackward0(weight)), as the nn tutorial prints it
    "linear": lambda T, x, w, c: T.nn.functional.linear(x * 2, w.t(), w[0]),
    "linear-no-bias": lambda T, x, w, c: T.nn.functional.linear(x * 2, w.t()),
    "linear-3d": lambda T, x, w, c: T.nn.functional.linear((x * 2).unsqueeze(0), w.t(), w[0]),
    "linear-3d-no-bias": lambda T, x, w, c: T.nn.functional.linear((x * 2).unsqueeze(0), w.t()),
    "linear-constant-input": lambda T, x, w, c: T.nn.functional.linear(c, w.t(), w[0]),
    "linear-constant-weight": lambda T, x, w, c: T.nn.functional.linear(x, c, c[0]),
    "mlp-mse": lambda T, x, w, c: T.nn.functional.mse_loss(
        T.nn.functional.linear(T.nn.functional.linear(x, w.t().detach().requires_grad_()).relu(),
                               w[:, :2].t().detach().requires_grad_(), w[0, :2].detach().requires_grad_()), c[:, :2]),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_graph_matches_torch(name):
    same_outcome(lambda T: graph(T, GRAPHS[name]))


@scenario
def leaves_have_no_grad_fn(T):
    x = T.ones(2, requires_grad=True)
    c = T.ones(2)
    return x.grad_fn is None, x.is_leaf, c.grad_fn is None, c.is_leaf, (c * 2).is_leaf, (x * 2).is_leaf


@scenario
def printing_shows_grad_fn(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    return [str(x), str(x * 2), str(x.sum()), repr(x.mean()), str(x[0]), str(x.detach()), str(x @ x)]


@scenario
def printing_multi_output_and_custom_names(T):
    x = T.tensor([[1.0, 2.0], [3.0, 0.5]], requires_grad=True)
    return [str(x.max(1)), str(x.split(1)[1]), str(x.unbind()[0]), str(x.sort(1).values)]


@scenario
def accumulate_grad_node(T):
    x = T.ones(2, requires_grad=True)
    acc, nr = (x * 2).grad_fn.next_functions[0]
    return acc.name(), nr, acc.next_functions, acc.variable is x, type(acc).__name__


@scenario
def multi_output_nodes_share_one_grad_fn(T):
    x = T.ones(4, 2, requires_grad=True)
    a, b = x.split(2)
    p, q = x.unbind(1)
    return (a.grad_fn is b.grad_fn, a.grad_fn.name(), [a.output_nr, b.output_nr, q.output_nr],
            p.grad_fn is q.grad_fn, p.grad_fn.name(), describe((a.sum() + b.sum()).grad_fn))


@scenario
def grad_fn_after_in_place(T):
    x = T.ones(3, requires_grad=True)
    y = x * 2
    first = y.grad_fn.name()
    y.add_(1)
    y.relu_()
    return first, describe(y.grad_fn)


@scenario
def requires_grad_false_graph(T):
    c = T.ones(3)
    return (c * 2).grad_fn is None, (c * 2).requires_grad


@scenario
def seed_resnet_style_loss(T):
    """The seed exercise: logits from a small conv net, CrossEntropyLoss with probability targets."""
    T.manual_seed(0)
    net = T.nn.Sequential(T.nn.Conv2d(3, 4, 3, padding=1), T.nn.ReLU(), T.nn.AdaptiveAvgPool2d(1),
                          T.nn.Flatten(), T.nn.Linear(4, 5))
    preds = net(T.ones(1, 3, 8, 8))
    labels = T.ones(1, 5).softmax(1)
    loss = T.nn.CrossEntropyLoss()(preds, labels)
    return (tuple(preds.shape), loss.grad_fn.name(), describe(loss.grad_fn, 2), loss.requires_grad,
            labels.requires_grad, net[0].weight.grad is None)


@scenario.parametrize()
def test_graph_scenarios_match_torch(scenario):
    same_outcome(scenario)
