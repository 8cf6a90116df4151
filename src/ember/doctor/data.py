"""Checks of the training data's loaders. Ids: unshuffled-train, train-on-test-split.

Only loaders in a fixed order or over a test split are watched; a shuffled loader's iterator is
returned untouched."""
import numpy as np

from .._dtype import bool_
from .._tensor import Tensor
from ..utils.data.dataloader import DataLoader
from ..utils.data.sampler import SequentialSampler
from .session import where

BATCHES = 20        # batches of a fixed-order training loader whose labels are looked at
ONE_CLASS = 0.5     # more than this share of one-class batches means the labels come in runs


def install(doctor):
    def make_iter(iterate):
        def __iter__(self):
            it = iterate(self)
            fixed = isinstance(getattr(self, "sampler", None), SequentialSampler) and self.batch_size not in (None, 1)
            test_split = getattr(_base_dataset(self.dataset), "train", None) is False
            if not (fixed or test_split):
                return it
            return _Watched(doctor, self, it, fixed, test_split, where())
        return __iter__
    doctor.patch(DataLoader, "__iter__", make_iter)


def uninstall(doctor):
    pass


def finish(doctor):
    pass


def _base_dataset(dataset):
    while hasattr(dataset, "dataset") and not hasattr(dataset, "train"):  # Subset and the like
        dataset = dataset.dataset
    return dataset


def _labels(batch):
    """The batch's integer class labels (the last item of an (inputs, labels) batch), else None."""
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        y = batch[-1]
        if isinstance(y, Tensor) and y.dim() == 1 and not y.is_floating_point() and y.dtype is not bool_:
            return np.asarray(y._data)
    return None


class _Watched:
    """The loader's own iterator, looked at batch by batch until each question is settled
    (attributes and len() are the wrapped iterator's)."""

    def __init__(self, doctor, loader, it, fixed, test_split, at):
        self._doctor, self._loader, self._it, self._at = doctor, loader, it, at
        self._start = doctor.steps
        self._labels_open, self._split_open = fixed, test_split  # the questions still open
        self._one_class = self._seen = 0

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._it)

    def __getattr__(self, name):
        return getattr(self._it, name)

    def __next__(self):
        try:
            batch = next(self._it)
        except StopIteration:
            if self._labels_open and self._seen >= 4:
                self._judge_labels()
            raise
        if self._split_open or self._labels_open:
            self._doctor.safely(self._look, batch)
        return batch

    def _look(self, batch):
        doctor, trained = self._doctor, self._doctor.steps > self._start
        if self._split_open and trained:
            self._split_open = False
            dataset = _base_dataset(self._loader.dataset)
            doctor.report("train-on-test-split", f"optimizer steps ran while iterating a DataLoader over "
                                                 f"{type(dataset).__name__}(train=False) "
                                                 f"({len(self._loader.dataset):,} examples)", self._at)
        labels = _labels(batch) if self._labels_open else None
        if labels is None:
            return
        self._seen += 1
        self._one_class += len(np.unique(labels)) == 1
        if self._seen >= BATCHES:
            self._judge_labels()

    def _judge_labels(self):
        self._labels_open = False
        _judge(self._doctor, self._at, self._doctor.steps > self._start, self._one_class, self._seen)


def _judge(doctor, at, trained, one_class, seen):
    if trained and one_class > ONE_CLASS * seen:
        doctor.report("unshuffled-train", f"shuffle=False, and {one_class} of the first {seen} training batches "
                                          "held a single class", at)
