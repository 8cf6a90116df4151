"""The indexable DataPipe stages (torch.utils.data.datapipes.map): pipe[i] computes item i."""
import random

from ..datapipe import DataChunk, IterDataPipe, MapDataPipe
from .._decorator import functional_datapipe
from ..iter.combinatorics import _Shuffling
from ..iter.combining import check_pipes

__all__ = ["Batcher", "Concater", "Mapper", "SequenceWrapper", "Shuffler", "Zipper"]


class SequenceWrapperMapDataPipe(MapDataPipe):
    """A sequence or mapping as the source of a MapDataPipe graph (deep-copied unless deepcopy=False)."""

    def __init__(self, sequence, deepcopy=True):
        if deepcopy:
            import copy
            try:
                sequence = copy.deepcopy(sequence)
            except TypeError:
                import warnings
                warnings.warn("The input sequence can not be deepcopied, please be aware of in-place modification "
                              "would affect source data")
        self.sequence = sequence

    def __getitem__(self, index):
        return self.sequence[index]

    def __len__(self):
        return len(self.sequence)


def _default_fn(data):
    return data


@functional_datapipe("map")
class MapperMapDataPipe(MapDataPipe):
    """Item i is fn(source[i])."""

    def __init__(self, datapipe, fn=_default_fn):
        self.datapipe, self.fn = datapipe, fn

    def __getitem__(self, index):
        return self.fn(self.datapipe[index])

    def __len__(self):
        return len(self.datapipe)


@functional_datapipe("batch")
class BatcherMapDataPipe(MapDataPipe):
    """Item i is the batch of source items i·batch_size ... (the last one shorter unless drop_last)."""

    def __init__(self, datapipe, batch_size, drop_last=False, wrapper_class=DataChunk):
        if batch_size <= 0:
            raise AssertionError("Batch size is required to be larger than 0!")
        self.datapipe, self.batch_size, self.drop_last, self.wrapper_class = (datapipe, batch_size, drop_last,
                                                                              wrapper_class)

    def __getitem__(self, index):
        start = index * self.batch_size
        batch = [self.datapipe[i] for i in range(start, min(start + self.batch_size, len(self.datapipe)))]
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise IndexError(f"Index {index} is out of bound.")
        return self.wrapper_class(batch)

    def __len__(self):
        n = len(self.datapipe)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


@functional_datapipe("concat")
class ConcaterMapDataPipe(MapDataPipe):
    """The items of each pipe in turn, indexed across them."""

    def __init__(self, *datapipes):
        check_pipes(datapipes, MapDataPipe, "`MapDataPipe`")
        self.datapipes = datapipes

    def __getitem__(self, index):
        offset = 0
        for dp in self.datapipes:
            if index - offset < len(dp):
                return dp[index - offset]
            offset += len(dp)
        raise IndexError(f"Index {index} is out of range.")

    def __len__(self):
        return sum(len(dp) for dp in self.datapipes)


@functional_datapipe("zip")
class ZipperMapDataPipe(MapDataPipe):
    """Item i is the tuple of item i of each pipe; as long as the shortest."""

    def __init__(self, *datapipes):
        check_pipes(datapipes, MapDataPipe, "`MapDataPipe`.")
        self.datapipes = datapipes

    def __getitem__(self, index):
        try:
            return tuple(dp[index] for dp in self.datapipes)
        except IndexError as e:
            raise IndexError(f"Index {index} is out of range for one of the input MapDataPipes {e}.") from e

    def __len__(self):
        return min(len(dp) for dp in self.datapipes)


class ShufflerIterDataPipe(_Shuffling, IterDataPipe):
    """An IterDataPipe of the map pipe's items in a shuffled order of `indices` (all of them by default),
    drawn as ShufflerIterDataPipe draws its seed."""

    def __init__(self, datapipe, *, indices=None):
        self.datapipe = datapipe
        self.indices = list(range(len(datapipe))) if indices is None else indices
        self._enabled, self._seed, self._rng = True, None, random.Random()

    def __iter__(self):
        order = list(self.indices)
        if self._enabled:
            self._seed_pass()
            self._rng.shuffle(order)
        for i in order:
            yield self.datapipe[i]

    def __len__(self):
        return len(self.datapipe)


MapDataPipe.register_datapipe_as_function("shuffle", ShufflerIterDataPipe)  # a map pipe's .shuffle() is iterable

Batcher, Concater, Mapper = BatcherMapDataPipe, ConcaterMapDataPipe, MapperMapDataPipe
SequenceWrapper, Shuffler, Zipper = SequenceWrapperMapDataPipe, ShufflerIterDataPipe, ZipperMapDataPipe
