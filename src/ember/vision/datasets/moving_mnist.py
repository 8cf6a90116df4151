"""Moving MNIST video sequences (torchvision.datasets.moving_mnist): root/MovingMNIST/mnist_test_seq.npy."""
import os

import numpy as np

import ember
from .utils import download_url, verify_str_arg
from .vision import VisionDataset


class MovingMNIST(VisionDataset):
    """10,000 sequences of 20 frames, each item a (T, 1, 64, 64) uint8 tensor; split 'train' keeps the first
    `split_ratio` frames, 'test' the rest, None all of them."""

    _URL = "http://www.cs.toronto.edu/~nitish/unsupervised_video/mnist_test_seq.npy"

    def __init__(self, root, split=None, split_ratio=10, download=False, transform=None):
        super().__init__(root, transform=transform)
        self._base_folder = os.path.join(self.root, type(self).__name__)
        self._filename = self._URL.split("/")[-1]
        if split is not None:
            verify_str_arg(split, "split", ("train", "test"))
        self.split = split
        if not isinstance(split_ratio, int):
            raise TypeError(f"`split_ratio` should be an integer, but got {type(split_ratio)}")
        if not 1 <= split_ratio <= 19:
            raise ValueError(f"`split_ratio` should be `1 <= split_ratio <= 19`, but got {split_ratio} instead.")
        self.split_ratio = split_ratio
        if download:
            self.download()
        path = os.path.join(self._base_folder, self._filename)
        if not os.path.exists(path):
            raise RuntimeError(f"Dataset not found. You can use download=True to download it. (missing: {path})")
        data = np.load(path)  # (T, N, 64, 64)
        data = data[:split_ratio] if split == "train" else data[split_ratio:] if split == "test" else data
        self.data = ember.from_numpy(np.ascontiguousarray(data.swapaxes(0, 1)[:, :, None]))

    def __getitem__(self, idx):
        data = self.data[idx]
        return data if self.transform is None else self.transform(data)

    def __len__(self):
        return len(self.data)

    def download(self):
        if os.path.exists(os.path.join(self._base_folder, self._filename)):
            return
        download_url(self._URL, self._base_folder, self._filename, md5="be083ec986bfe91a449d63653c411eb2")
