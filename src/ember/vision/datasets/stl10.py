"""STL-10 from its binary files (torchvision.datasets.stl10): root/stl10_binary/{train,test,unlabeled}_X.bin."""
import os

import numpy as np

from ._labelled import InMemoryImages, require
from .utils import download_and_extract_archive, verify_str_arg


class STL10(InMemoryImages):
    """STL-10's 96x96 images: `.data` (N, 3, 96, 96) uint8, `.labels` 0..9 (-1 for the unlabeled images);
    `folds` (0..9) picks one of the ten predefined training folds."""

    base_folder = "stl10_binary"
    url = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"
    filename = "stl10_binary.tar.gz"
    tgz_md5 = "91f7769df0f17e558f3565bffb0c7dfb"
    class_names_file = "class_names.txt"
    folds_list_file = "fold_indices.txt"
    train_list = [["train_X.bin", "918c2871b30a85fa023e0c44e0bee87f"],
                  ["train_y.bin", "5a34089d4802c674881badbb80307741"],
                  ["unlabeled_X.bin", "5242ba1fed5e4be9e1e742405eb56ca4"]]
    test_list = [["test_X.bin", "7f263ba9f9e0b06b93213547f721ac82"],
                 ["test_y.bin", "36f9794fa4beb8a2c72628de14fa638e"]]
    splits = ("train", "train+unlabeled", "unlabeled", "test")

    def __init__(self, root, split="train", folds=None, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", self.splits)
        if folds is not None and not isinstance(folds, int):
            raise ValueError(f"Expected type None or int for argument folds, but got type {type(folds)}.")
        if folds is not None and folds not in range(10):
            raise ValueError(f"Value for argument folds should be in the range [0, 10), but got {folds}.")
        self.folds = folds
        if download:
            self.download()
        require([(self._path(name), md5) for name, md5 in self.train_list + self.test_list])
        if split == "test":
            self.data, self.labels = self._read("test_X.bin"), self._read("test_y.bin", labels=True)
        elif split == "unlabeled":
            self.data = self._read("unlabeled_X.bin")
            self.labels = np.full(len(self.data), -1)
        else:
            self.data, self.labels = self._read("train_X.bin"), self._read("train_y.bin", labels=True)
            if folds is not None:
                with open(self._path(self.folds_list_file)) as f:
                    keep = np.array(f.read().splitlines()[folds].split(), dtype=np.int64)
                self.data, self.labels = self.data[keep], self.labels[keep]
            if split == "train+unlabeled":
                extra = self._read("unlabeled_X.bin")
                self.data = np.concatenate((self.data, extra))
                self.labels = np.concatenate((self.labels, np.full(len(extra), -1)))
        class_file = self._path(self.class_names_file)
        if os.path.isfile(class_file):
            with open(class_file) as f:
                self.classes = f.read().splitlines()

    def _path(self, name):
        return os.path.join(self.root, self.base_folder, name)

    def _read(self, name, labels=False):
        raw = np.fromfile(self._path(name), dtype=np.uint8)
        # labels are stored 1..10; images column-major, hence the H/W swap
        return raw - 1 if labels else raw.reshape(-1, 3, 96, 96).transpose(0, 1, 3, 2)

    def download(self):
        if all(os.path.isfile(self._path(n)) for n, _ in self.train_list + self.test_list):
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)

    def extra_repr(self):
        return f"Split: {self.split}"
