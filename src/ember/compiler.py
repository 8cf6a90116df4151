"""ember.compiler: torch.compiler's public switches; Ember runs everything eagerly."""
from ._dynamo import reset, allow_in_graph, assume_constant_result  # noqa: F401
from ._dynamo.eval_frame import disable, list_backends, compile  # noqa: F401


def is_compiling():
    return False


is_dynamo_compiling = is_exporting = is_compiling


def cudagraph_mark_step_begin():
    pass
