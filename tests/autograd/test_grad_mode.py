"""no_grad, enable_grad, set_grad_enabled and inference_mode as context managers and as decorators
(bare and called, on functions and generators), nested, and what they do to the tensors made inside."""
from tests.autograd.conftest import Scenarios, same_outcome

scenario = Scenarios()


def modes(T):
    return T.is_grad_enabled(), T.is_inference_mode_enabled()


@scenario
def no_grad_context(T):
    x = T.ones(2, requires_grad=True)
    with T.no_grad():
        inside = modes(T)
        y = x * 2
    return inside, modes(T), y.requires_grad, y.is_leaf, y.grad_fn is None


@scenario
def no_grad_decorator_called(T):
    @T.no_grad()
    def f(x):
        return x * 2, modes(T)
    y, inside = f(T.ones(2, requires_grad=True))
    return y.requires_grad, inside, modes(T), f.__name__


@scenario
def no_grad_decorator_bare(T):
    @T.no_grad
    def f(x):
        return x * 2
    return f(T.ones(2, requires_grad=True)).requires_grad, modes(T), f.__name__


@scenario
def enable_grad_inside_no_grad(T):
    x = T.ones(2, requires_grad=True)
    with T.no_grad():
        with T.enable_grad():
            y = x * 2
            inner = modes(T)
        z = x * 2
    return y.requires_grad, z.requires_grad, inner, modes(T)


@scenario
def enable_grad_decorator_bare_inside_no_grad(T):
    @T.enable_grad
    def f(x):
        return x * 2
    with T.no_grad():
        y = f(T.ones(2, requires_grad=True))
        after = modes(T)
    return y.requires_grad, after


@scenario
def set_grad_enabled_as_a_call(T):
    T.set_grad_enabled(False)
    off = modes(T)
    y = T.ones(2, requires_grad=True) * 2
    T.set_grad_enabled(True)
    return off, y.requires_grad, modes(T)


@scenario
def set_grad_enabled_as_context(T):
    with T.set_grad_enabled(False):
        off = modes(T)
        with T.set_grad_enabled(True):
            on = modes(T)
        back = modes(T)
    return off, on, back, modes(T)


@scenario
def set_grad_enabled_as_decorator(T):
    @T.set_grad_enabled(False)
    def f():
        return modes(T)
    return modes(T), f(), modes(T)


@scenario
def inference_mode_context(T):
    x = T.ones(2, requires_grad=True)
    with T.inference_mode():
        inside = modes(T)
        t = T.ones(2)
        y = x * 2
    return inside, modes(T), y.requires_grad, t.is_inference(), y.is_inference(), x.is_inference()


@scenario
def inference_mode_decorators(T):
    @T.inference_mode
    def bare():
        return modes(T)

    @T.inference_mode()
    def called():
        return modes(T)

    @T.inference_mode(False)
    def off():
        return modes(T)
    with T.inference_mode():
        inside_off = off()
    return bare(), called(), inside_off, modes(T)


@scenario
def nested_modes(T):
    seen = []
    with T.inference_mode():
        seen.append(modes(T))
        with T.enable_grad():
            seen.append(modes(T))
            with T.no_grad():
                seen.append(modes(T))
            seen.append(modes(T))
        with T.inference_mode(False):
            seen.append(modes(T))
        seen.append(modes(T))
    with T.no_grad():
        with T.inference_mode(False):
            seen.append(modes(T))
    seen.append(modes(T))
    return seen


@scenario
def mode_restored_after_exception(T):
    try:
        with T.no_grad():
            raise KeyError("boom")
    except KeyError:
        pass
    return modes(T)


@scenario
def no_grad_on_a_generator(T):
    @T.no_grad()
    def gen():
        yield T.is_grad_enabled()
        yield T.is_grad_enabled()
    it = gen()
    first = next(it)
    between = T.is_grad_enabled()
    return first, between, next(it), list(it)


@scenario
def in_place_on_leaf_allowed_under_no_grad(T):
    w = T.ones(3, requires_grad=True)
    with T.no_grad():
        w.mul_(0.5)
        w -= 0.1
    return w.detach(), w.requires_grad, w.is_leaf, w.grad_fn is None, w._version


@scenario
def inference_tensor_used_where_it_is_not_saved(T):
    x = T.ones(2, requires_grad=True)
    with T.inference_mode():
        t = T.ones(2)
    (x + t).sum().backward()
    return x.grad


@scenario
def inference_tensor_saved_for_backward(T):
    x = T.ones(2, requires_grad=True)
    with T.inference_mode():
        t = T.ones(2)
    return x * t


@scenario
def inference_tensor_in_place_outside(T):
    with T.inference_mode():
        t = T.ones(2)
    t.add_(1)


@scenario
def inference_tensor_requires_grad_outside(T):
    with T.inference_mode():
        t = T.ones(2)
    t.requires_grad_()


@scenario
def inference_tensor_in_place_inside(T):
    with T.inference_mode():
        t = T.ones(2)
        t.add_(1)
    return t


@scenario.parametrize()
def test_grad_mode_matches_torch(scenario):
    same_outcome(scenario)
