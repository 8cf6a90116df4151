"""Samplers: the order in which a DataLoader visits a map-style dataset (torch.utils.data.sampler)."""
import itertools
import warnings

import ember

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


class Sampler:
    """Base class: an iterable over dataset indices (or lists of indices), usually with __len__."""

    def __init__(self, data_source=None):
        if data_source is not None:
            warnings.warn("`data_source` argument is not used and will be removed in 2.2.0."
                          "You may still have custom implementation that utilizes it.")

    def __iter__(self):
        raise NotImplementedError

    def __class_getitem__(cls, item):
        return cls


def _positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


def _bool(name, value, error=ValueError):
    if not isinstance(value, bool):
        raise error(f"{name} should be a boolean value, but got {name}={value}")


# how many indices a sampler drawing with replacement draws at a time (torch draws 32)
_CHUNK = 32
# weighted draws pay for a cumulative sum of the weights each call, so they come in bigger chunks
_WEIGHTED_CHUNK = 4096


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices (repeated to fill num_samples), or num_samples draws
    with replacement. Without a generator, each pass seeds a fresh one from the global RNG, so
    ember.manual_seed makes the order reproducible."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _bool("replacement", replacement, TypeError)
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        # the dataset may grow or shrink between epochs
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, total = len(self.data_source), self.num_samples
        g = self.generator
        if g is None:
            g = ember.Generator().manual_seed(int(ember.empty((), dtype=ember.int64).random_().item()))
        if self.replacement:
            # in chunks, so a huge num_samples starts at once and holds only one chunk (as torch's does)
            for _ in range(total // _CHUNK):
                yield from ember.randint(0, n, (_CHUNK,), generator=g).tolist()
            yield from ember.randint(0, n, (total % _CHUNK,), generator=g).tolist()
            return
        for _ in range(total // n):
            yield from ember.randperm(n, generator=g).tolist()
        if total % n:
            yield from ember.randperm(n, generator=g).tolist()[:total % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, without replacement."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in ember.randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices drawn from [0, len(weights)) with probability proportional to weights."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _positive_int("num_samples", num_samples)
        _bool("replacement", replacement)
        weights = ember.as_tensor(weights, dtype=ember.float64)
        if weights.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights, self.num_samples = weights, num_samples
        self.replacement, self.generator = replacement, generator

    def __iter__(self):
        if not self.replacement:  # num_samples <= len(weights): one draw
            yield from ember.multinomial(self.weights, self.num_samples, False, generator=self.generator).tolist()
            return
        # with replacement the draws are independent: chunks keep a huge num_samples lazy and small
        for start in range(0, self.num_samples, _WEIGHTED_CHUNK):
            n = min(_WEIGHTED_CHUNK, self.num_samples - start)
            yield from ember.multinomial(self.weights, n, True, generator=self.generator).tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        _positive_int("batch_size", batch_size)
        _bool("drop_last", drop_last)
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        it = iter(self.sampler)
        if self.drop_last:
            yield from map(list, zip(*[it] * self.batch_size))
            return
        while batch := list(itertools.islice(it, self.batch_size)):
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
