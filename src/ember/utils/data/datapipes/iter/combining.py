"""Stages over several pipes: concat, zip, mux, and fork/demux (one source into several children)."""
import copy as copymodule
import warnings
from collections import deque

from ..datapipe import IterDataPipe
from .._decorator import functional_datapipe
from ._common import source_len

__all__ = ["ConcaterIterDataPipe", "DemultiplexerIterDataPipe", "ForkerIterDataPipe", "MultiplexerIterDataPipe",
           "ZipperIterDataPipe"]


def check_pipes(datapipes, kind=IterDataPipe, what="`IterDataPipe`"):
    if len(datapipes) == 0:
        raise ValueError("Expected at least one DataPipe, but got nothing")
    if not all(isinstance(dp, kind) for dp in datapipes):
        raise TypeError(f"Expected all inputs to be {what}")


@functional_datapipe("concat")
class ConcaterIterDataPipe(IterDataPipe):
    """The items of each pipe in turn."""

    def __init__(self, *datapipes):
        check_pipes(datapipes)
        self.datapipes = datapipes

    def __iter__(self):
        for dp in self.datapipes:
            yield from dp

    def __len__(self):
        return sum(source_len(self, dp) for dp in self.datapipes)


@functional_datapipe("zip")
class ZipperIterDataPipe(IterDataPipe):
    """Tuples of one item from each pipe, until the shortest ends."""

    def __init__(self, *datapipes):
        check_pipes(datapipes, what="`IterDataPipe` for `ZipIterDataPipe`.")
        self.datapipes = datapipes

    def __iter__(self):
        yield from zip(*self.datapipes)

    def __len__(self):
        return min(source_len(self, dp) for dp in self.datapipes)


@functional_datapipe("mux")
class MultiplexerIterDataPipe(IterDataPipe):
    """One item from each pipe in turn, until any of them ends."""

    def __init__(self, *datapipes):
        self.datapipes = datapipes

    def __iter__(self):
        iterators = [iter(dp) for dp in self.datapipes]
        while True:
            for it in iterators:
                try:
                    item = next(it)
                except StopIteration:
                    return
                yield item

    def __len__(self):
        return min(source_len(self, dp) for dp in self.datapipes) * len(self.datapipes)


class _Router:
    """One pass over `source` shared by n children: each item goes to the buffers of the children
    `route(item)` names, and a child reads its buffer, pulling the source when it is empty. A child
    that starts again after all children finished starts a new pass."""

    def __init__(self, source, n, route, buffer_size, name, every=False):
        self.source, self.n, self.route, self.buffer_size, self.name = source, n, route, buffer_size, name
        self.every = every  # each item goes to every child (fork)
        self.iterator, self.buffers, self.done = None, [deque() for _ in range(n)], [True] * n

    def start(self, child):
        if self.iterator is None or all(self.done):
            self.iterator, self.buffers, self.done = iter(self.source), [deque() for _ in range(self.n)], [False] * self.n
        elif self.done[child]:
            warnings.warn(f"Some child DataPipes of {self.name} are not exhausted when __iter__ is called. We are "
                          "resetting the buffer and each child DataPipe will read from the start again.")
            self.iterator, self.buffers, self.done = iter(self.source), [deque() for _ in range(self.n)], [False] * self.n
        self.done[child] = False

    def next(self, child):
        buffer = self.buffers[child]
        while not buffer:
            item = next(self.iterator)  # StopIteration ends the child
            for target in self.route(item):
                self.buffers[target].append(item)
                if self.buffer_size >= 0 and len(self.buffers[target]) > self.buffer_size:
                    raise BufferError(f"{self.name} buffer overflow, buffer size {self.buffer_size} is insufficient.")
        return buffer.popleft()


class _ChildDataPipe(IterDataPipe):
    """Child `instance_id` of a fork or demux."""

    def __init__(self, main_datapipe, instance_id, copy=None):
        self.main_datapipe, self.instance_id, self.copy = main_datapipe, instance_id, copy

    def __iter__(self):  # not a generator function: errors are the router's, not this stage's (as torch)
        return _read(self.main_datapipe, self.instance_id, self.copy)

    def __len__(self):
        if not self.main_datapipe.every:  # a demux child's share is not known in advance
            raise TypeError
        return len(self.main_datapipe.source)


def _read(router, child, copy):
    router.start(child)
    while True:
        try:
            item = router.next(child)
        except StopIteration:
            router.done[child] = True
            return
        yield copymodule.copy(item) if copy == "shallow" else copymodule.deepcopy(item) if copy == "deep" else item


def _children(router, n, copy=None):
    return [_ChildDataPipe(router, i, copy) for i in range(n)]


@functional_datapipe("fork")
class ForkerIterDataPipe(IterDataPipe):
    """num_instances pipes, each yielding every item of the source (copied when copy='shallow'/'deep')."""

    def __new__(cls, datapipe, num_instances, buffer_size=1000, copy=None):
        if num_instances < 1:
            raise ValueError(f"Expected `num_instances` larger than 0, but {num_instances} is found")
        if copy not in (None, "shallow", "deep"):
            raise ValueError(f"Unknown copy method `{copy}` requested, choose one of None, `shallow` or `deep`.")
        if num_instances == 1:
            return datapipe
        router = _Router(datapipe, num_instances, lambda item: range(num_instances), buffer_size,
                         "ForkerIterDataPipe", every=True)
        return _children(router, num_instances, copy)


@functional_datapipe("demux")
class DemultiplexerIterDataPipe(IterDataPipe):
    """num_instances pipes: item x goes to pipe classifier_fn(x) (dropped when that is None and drop_none)."""

    def __new__(cls, datapipe, num_instances, classifier_fn, drop_none=False, buffer_size=1000):
        if num_instances < 1:
            raise ValueError(f"Expected `num_instances` larger than 0, but {num_instances} is found")

        def route(item):
            target = classifier_fn(item)
            if target is None and drop_none:
                return ()
            if target is None or not 0 <= target < num_instances:
                raise ValueError(f"Output of the classification fn should be between 0 and {num_instances - 1}. "
                                 f"{target} is returned.")
            return (target,)
        router = _Router(datapipe, num_instances, route, buffer_size, "DemultiplexerIterDataPipe")
        return _children(router, num_instances)
