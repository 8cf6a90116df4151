"""Tensor hooks (on leaves and non-leaves, changing or observing a gradient, removed by their
handle), Node hooks and pre-hooks, post-accumulate-grad hooks, and their order with retain_grad."""
from tests.autograd.conftest import Scenarios, same_outcome

scenario = Scenarios()


def leaf(T, n=3):
    return T.arange(1.0, n + 1, dtype=T.float64).requires_grad_()


@scenario
def leaf_hook_changes_grad(T):
    x = leaf(T)
    x.register_hook(lambda g: g * 2)
    (x * x).sum().backward()
    return x.grad


@scenario
def non_leaf_hook_changes_what_flows_back(T):
    x = leaf(T)
    y = x.exp()
    y.register_hook(lambda g: g * 0 + 1)
    (y * 3).sum().backward()
    return x.grad


@scenario
def observing_hook_returns_none(T):
    x = leaf(T)
    seen = []
    y = x * 2
    y.register_hook(lambda g: seen.append(g.clone()))
    (y ** 2).sum().backward()
    return seen, x.grad


@scenario
def removed_hook_does_not_run(T):
    x = leaf(T)
    h = x.register_hook(lambda g: g * 100)
    h.remove()
    y = x * 2
    h2 = y.register_hook(lambda g: g * 100)
    h2.remove()
    y.sum().backward()
    return x.grad


@scenario
def hooks_chain_in_registration_order(T):
    x = leaf(T)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    return x.grad


@scenario
def leaf_hook_persists_across_graphs(T):
    x = leaf(T)
    x.register_hook(lambda g: g * 3)
    (x * 1).sum().backward()
    (x * 1).sum().backward()
    return x.grad


@scenario
def hook_on_tensor_without_grad(T):
    T.ones(2).register_hook(lambda g: g)


@scenario
def retain_grad_sees_hooks_registered_after_it(T):
    x = leaf(T)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    return y.grad, x.grad


@scenario
def hooks_apply_to_autograd_grad(T):
    x = leaf(T)
    x.register_hook(lambda g: g * 2)
    y = x * 3
    y.register_hook(lambda g: g + 1)
    return T.autograd.grad((y * y).sum(), [x, y])


@scenario
def hooks_apply_to_autograd_grad_of_a_non_leaf_alone(T):
    x = leaf(T)
    y = x * 3
    y.register_hook(lambda g: g + 1)
    return T.autograd.grad((y * y).sum(), [y])


@scenario
def node_hook_sees_and_replaces_grad_inputs(T):
    x, w = leaf(T), leaf(T) * 1
    y = x * w
    seen = []

    def hook(grad_inputs, grad_outputs):
        seen.append((len(grad_inputs), len(grad_outputs), grad_outputs[0].clone()))
        return (grad_inputs[0] * 0, grad_inputs[1])
    y.grad_fn.register_hook(hook)
    y.sum().backward()
    return seen, x.grad


@scenario
def node_prehook_replaces_grad_outputs(T):
    x = leaf(T)
    y = x.sin()
    y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 7,))
    y.sum().backward()
    return x.grad


@scenario
def retain_grad_runs_before_node_prehook(T):
    x = leaf(T)
    y = x * 1
    y.grad_fn.register_prehook(lambda go: (go[0] * 7,))
    y.retain_grad()
    y.sum().backward()
    return y.grad, x.grad


@scenario
def node_hook_handle_remove(T):
    x = leaf(T)
    y = x.exp()
    h = y.grad_fn.register_prehook(lambda go: (go[0] * 7,))
    h.remove()
    y.sum().backward()
    return x.grad


@scenario
def post_accumulate_grad_hook(T):
    x = leaf(T)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    return seen


@scenario
def post_accumulate_grad_hook_on_non_leaf(T):
    (leaf(T) * 2).register_post_accumulate_grad_hook(lambda t: None)


@scenario
def hook_on_intermediate_used_twice(T):
    x = leaf(T)
    y = x.exp()
    y.register_hook(lambda g: g * 0.5)
    (y * y + y).sum().backward()
    return x.grad


@scenario.parametrize()
def test_hooks_match_torch(scenario):
    same_outcome(scenario)
