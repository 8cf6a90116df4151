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
            return _watched(doctor, self, it, fixed, test_split, where())
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


def _watched(doctor, loader, it, fixed, test_split, at):
    start = doctor.steps
    one_class = seen = 0
    judged = False
    for i, batch in enumerate(it):
        yield batch
        if judged:
            continue
        if test_split and doctor.steps > start:
            judged = True
            doctor.report("train-on-test-split", f"optimizer steps ran while iterating a DataLoader over "
                                                 f"{type(_base_dataset(loader.dataset)).__name__}(train=False) "
                                                 f"({len(loader.dataset):,} examples)", at)
            continue
        labels = _labels(batch) if fixed else None
        if labels is None:
            continue
        seen += 1
        one_class += len(np.unique(labels)) == 1
        if seen >= BATCHES:
            judged = not test_split
            _judge(doctor, at, doctor.steps > start, one_class, seen)
    if not judged and seen >= 4:
        _judge(doctor, at, doctor.steps > start, one_class, seen)


def _judge(doctor, at, trained, one_class, seen):
    if trained and one_class > ONE_CLASS * seen:
        doctor.report("unshuffled-train", f"shuffle=False, and {one_class} of the first {seen} training batches "
                                          "held a single class", at)
