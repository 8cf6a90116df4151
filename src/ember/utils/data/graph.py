"""The graph of a DataPipe (torch.utils.data.graph): which pipes each pipe reads from."""
import warnings

from .datapipes.datapipe import IterDataPipe, MapDataPipe

__all__ = ["DataPipe", "DataPipeGraph", "traverse", "traverse_dps"]

DataPipe = (IterDataPipe, MapDataPipe)
DataPipeGraph = dict  # {id(pipe): (pipe, the graph of its sources)}


def _sources(value, depth=0):
    """The DataPipes held by an attribute value (directly or in lists, tuples, sets and dicts)."""
    if isinstance(value, DataPipe):
        yield value
    elif depth < 3 and isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _sources(v, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for v in value.values():
            yield from _sources(v, depth + 1)


def _graph(pipe, seen):
    children = {}
    for value in vars(pipe).values():
        for src in _sources(value):
            if id(src) in seen:
                children[id(src)] = (src, {})
            else:
                children[id(src)] = (src, _graph(src, seen | {id(src)}))
    # a fork/demux child reads from its router, whose source is the pipe before it
    router = getattr(pipe, "main_datapipe", None)
    if router is not None and not isinstance(router, DataPipe) and isinstance(getattr(router, "source", None), DataPipe):
        src = router.source
        children[id(src)] = (src, {} if id(src) in seen else _graph(src, seen | {id(src)}))
    return children


def traverse_dps(datapipe):
    """The graph of `datapipe`: {id: (pipe, graph of what it reads from)}."""
    return {id(datapipe): (datapipe, _graph(datapipe, {id(datapipe)}))}


def traverse(datapipe, only_datapipe=None):
    """The deprecated form of traverse_dps."""
    if only_datapipe is not True:
        warnings.warn("`traverse` function and will be removed after 1.13. Please use `traverse_dps` instead.",
                      FutureWarning, stacklevel=2)
    return traverse_dps(datapipe)
