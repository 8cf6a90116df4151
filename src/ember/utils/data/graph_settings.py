"""Settings applied across a DataPipe graph (torch.utils.data.graph_settings): shuffling on or off,
sharding among workers, seeds of the random stages."""
import warnings

from .datapipes.iter.sharding import SHARDING_PRIORITIES, _ShardingIterDataPipe  # noqa: F401
from .graph import DataPipe, DataPipeGraph, traverse_dps  # noqa: F401

__all__ = ["apply_random_seed", "apply_sharding", "apply_shuffle_seed", "apply_shuffle_settings",
           "get_all_graph_pipes"]


def get_all_graph_pipes(graph):
    """Every pipe of a graph from traverse_dps, once each."""
    pipes, seen = [], set()

    def walk(g):
        for key, (pipe, sub) in g.items():
            if key not in seen:
                seen.add(key)
                pipes.append(pipe)
                walk(sub)
    walk(graph)
    return pipes


def _is_sharding_datapipe(pipe):
    return isinstance(pipe, _ShardingIterDataPipe) or callable(getattr(pipe, "apply_sharding", None))


def apply_sharding(datapipe, num_of_instances, instance_id, sharding_group=SHARDING_PRIORITIES.DEFAULT):
    """Tell every sharding_filter of the graph its instance; two in one branch is an error."""
    def walk(graph, applied=None):
        for pipe, sub in graph.values():
            here = applied
            if _is_sharding_datapipe(pipe):
                if applied is not None:
                    raise RuntimeError("Sharding twice on a single pipeline is likely unintended and will cause data "
                                       f"loss. Sharding already applied to {applied} while trying to apply to {pipe}")
                pipe.apply_sharding(num_of_instances, instance_id, sharding_group=sharding_group)
                here = pipe
            walk(sub, here)
    walk(traverse_dps(datapipe))
    return datapipe


def _is_shuffle_datapipe(pipe):
    return callable(getattr(pipe, "set_shuffle", None)) and callable(getattr(pipe, "set_seed", None))


def apply_shuffle_settings(datapipe, shuffle=None):
    """Turn every shuffling stage on or off (None: leave them); shuffle=True with none in the graph adds
    one at the end (and returns the new end)."""
    if shuffle is None:
        return datapipe
    shufflers = [p for p in get_all_graph_pipes(traverse_dps(datapipe)) if _is_shuffle_datapipe(p)]
    if not shufflers and shuffle:
        warnings.warn("`shuffle=True` was set, but the datapipe does not contain a `Shuffler`. Adding one at the end. "
                      "Be aware that the default buffer size might not be sufficient for your task.", stacklevel=2)
        datapipe = datapipe.shuffle()
        shufflers = [datapipe]
    for s in shufflers:
        s.set_shuffle(shuffle)
    return datapipe


def apply_random_seed(datapipe, rng):
    """Seed every random stage of the graph from the generator `rng` (the DataLoader does, each epoch)."""
    import ember
    for pipe in get_all_graph_pipes(traverse_dps(datapipe)):
        if _is_shuffle_datapipe(pipe):
            pipe.set_seed(int(ember.empty((), dtype=ember.int64).random_(generator=rng).item()))
    return datapipe


def apply_shuffle_seed(datapipe, rng):
    """The deprecated name of apply_random_seed."""
    warnings.warn("`apply_shuffle_seed` is deprecated since 1.12 and will be removed in the future releases. Please "
                  "use `apply_random_seed` instead.", FutureWarning, stacklevel=2)
    return apply_random_seed(datapipe, rng)
