"""Stages that reorder: a sampler's order, and a buffered shuffle."""
import random

from ...sampler import SequentialSampler
from ..datapipe import IterDataPipe
from .._decorator import functional_datapipe
from ._common import source_len

__all__ = ["SamplerIterDataPipe", "ShufflerIterDataPipe"]


class SamplerIterDataPipe(IterDataPipe):
    """The items in the order a Sampler class (built over the source) draws them."""

    def __init__(self, datapipe, sampler=SequentialSampler, sampler_args=None, sampler_kwargs=None):
        if not hasattr(datapipe, "__len__"):
            raise AssertionError("Sampler class requires input datapipe implemented `__len__`")
        self.datapipe = datapipe
        self.sampler_args = () if sampler_args is None else sampler_args
        self.sampler_kwargs = {} if sampler_kwargs is None else sampler_kwargs
        self.sampler = sampler(*self.sampler_args, data_source=self.datapipe, **self.sampler_kwargs)

    def __iter__(self):
        return iter(self.sampler)

    def __len__(self):
        return len(self.sampler)


def draw_seed():
    """A seed from Ember's global generator (what an unseeded shuffle starts from)."""
    import ember
    return int(ember.empty((), dtype=ember.int64).random_().item())


class _Shuffling:
    """What a shuffling stage answers to (graph_settings and the DataLoader find it by these): on/off,
    and a seed for its next pass, after which it draws its own from Ember's generator."""

    def set_shuffle(self, shuffle=True):
        self._enabled = shuffle
        return self

    def set_seed(self, seed):
        self._seed = seed
        return self

    def _seed_pass(self):
        self._rng.seed(draw_seed() if self._seed is None else self._seed)
        self._seed = None


@functional_datapipe("shuffle")
class ShufflerIterDataPipe(_Shuffling, IterDataPipe):
    """The items shuffled through a buffer of `buffer_size`: once full, each new item takes the place of
    a random one, which is yielded. With set_seed(s) the order is the one PyTorch gives for s (the same
    Python random.Random draws); unseeded, each iteration draws its seed from Ember's generator. The
    DataLoader turns it off with shuffle=False."""

    def __init__(self, datapipe, *, buffer_size=10000, unbatch_level=0):
        if buffer_size <= 0:
            raise AssertionError("buffer_size should be larger than 0")
        self.datapipe = datapipe if unbatch_level == 0 else datapipe.unbatch(unbatch_level=unbatch_level)
        self.buffer_size = buffer_size
        self._enabled, self._seed, self._rng = True, None, random.Random()

    def reset(self):
        if self._enabled:
            self._seed_pass()

    def __iter__(self):
        self.reset()
        if not self._enabled:
            yield from self.datapipe
            return
        buffer, rng = [], self._rng
        for x in self.datapipe:
            if len(buffer) == self.buffer_size:
                i = rng.randint(0, len(buffer) - 1)
                yield buffer[i]
                buffer[i] = x
            else:
                buffer.append(x)
        while buffer:
            yield buffer.pop(rng.randint(0, len(buffer) - 1))

    def __len__(self):
        return source_len(self, self.datapipe)
