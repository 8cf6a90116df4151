"""Stages that group items: batch, unbatch, groupby."""
from collections import defaultdict

from ..datapipe import DataChunk, IterDataPipe
from .._decorator import functional_datapipe
from ._common import source_len

__all__ = ["BatcherIterDataPipe", "GrouperIterDataPipe", "UnBatcherIterDataPipe"]


@functional_datapipe("batch")
class BatcherIterDataPipe(IterDataPipe):
    """Consecutive items in batches of `batch_size` (wrapped in `wrapper_class`); the last one shorter
    unless drop_last."""

    def __init__(self, datapipe, batch_size, drop_last=False, wrapper_class=DataChunk):
        if batch_size <= 0:
            raise AssertionError("Batch size is required to be larger than 0!")
        self.datapipe, self.batch_size, self.drop_last, self.wrapper_class = (datapipe, batch_size, drop_last,
                                                                              wrapper_class)

    def __iter__(self):
        batch = []
        for x in self.datapipe:
            batch.append(x)
            if len(batch) == self.batch_size:
                yield self.wrapper_class(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.wrapper_class(batch)

    def __len__(self):
        n = source_len(self, self.datapipe)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


@functional_datapipe("unbatch")
class UnBatcherIterDataPipe(IterDataPipe):
    """The items of each batch, `unbatch_level` levels down (-1: all the way)."""

    def __init__(self, datapipe, unbatch_level=1):
        self.datapipe, self.unbatch_level = datapipe, unbatch_level

    def __iter__(self):
        for element in self.datapipe:
            yield from self._dive(element, self.unbatch_level)

    def _dive(self, element, level):
        if level < -1:
            raise ValueError("unbatch_level must be -1 or >= 0")
        if level == -1:
            if isinstance(element, (list, DataChunk)):
                for item in element:
                    yield from self._dive(item, -1)
            else:
                yield element
        elif level == 0:
            yield element
        elif isinstance(element, (list, DataChunk)):
            for item in element:
                yield from self._dive(item, level - 1)
        else:
            raise IndexError(f"unbatch_level {self.unbatch_level} exceeds the depth of the DataPipe")


@functional_datapipe("groupby")
class GrouperIterDataPipe(IterDataPipe):
    """Items grouped by `group_key_fn(item)`: a group is yielded when it reaches group_size, the largest
    one when buffer_size items are waiting (unless smaller than guaranteed_group_size: then dropped with
    drop_remaining, else an error), and all the rest at the end."""

    def __init__(self, datapipe, group_key_fn, *, keep_key=False, buffer_size=10000, group_size=None,
                 guaranteed_group_size=None, drop_remaining=False):
        self.datapipe, self.group_key_fn, self.keep_key = datapipe, group_key_fn, keep_key
        self.max_buffer_size, self.group_size = buffer_size, group_size
        self.guaranteed_group_size = None
        if group_size is not None and buffer_size is not None:
            if not 0 < group_size <= buffer_size:
                raise AssertionError("group_size must be in (0, buffer_size]")
            self.guaranteed_group_size = group_size
        if guaranteed_group_size is not None:
            if group_size is None or not 0 < guaranteed_group_size <= group_size:
                raise AssertionError("guaranteed_group_size must be in (0, group_size]")
            self.guaranteed_group_size = guaranteed_group_size
        self.drop_remaining = drop_remaining
        self.wrapper_class = DataChunk

    def _out(self, key, items):
        chunk = self.wrapper_class(items)
        return (key, chunk) if self.keep_key else chunk

    def _too_small(self, items):
        return self.guaranteed_group_size is not None and len(items) < self.guaranteed_group_size

    def __iter__(self):
        buffers, size = defaultdict(list), 0
        for x in self.datapipe:
            key = self.group_key_fn(x)
            buffers[key].append(x)
            size += 1
            if self.group_size is not None and len(buffers[key]) == self.group_size:
                yield self._out(key, buffers.pop(key))
                size -= self.group_size
            if size == self.max_buffer_size:
                biggest = max(buffers, key=lambda k: len(buffers[k]))
                items = buffers.pop(biggest)
                size -= len(items)
                if self._too_small(items) and not self.drop_remaining:
                    raise RuntimeError("Failed to group items", str(items))
                if not self._too_small(items):
                    yield self._out(key, items)  # torch pairs it with the key of the item that filled the buffer
        for key, items in buffers.items():
            yield self._out(key, items)
