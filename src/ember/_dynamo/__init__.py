"""ember._dynamo: the little of torch._dynamo programs touch. Ember has no graph compiler: compiled
callables run eagerly, so `reset`, `config` and `disable` only need to exist and answer plainly."""
from . import config  # noqa: F401
from .eval_frame import OptimizedModule, disable, list_backends  # noqa: F401


def reset():
    """torch._dynamo.reset: nothing is cached, nothing to forget."""


def is_compiling():
    return False


def mark_dynamic(t, index, **kwargs):
    pass


mark_static = maybe_mark_dynamic = mark_dynamic


def allow_in_graph(fn):
    return fn


assume_constant_result = allow_in_graph
