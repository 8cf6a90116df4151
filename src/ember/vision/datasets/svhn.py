"""The Street View House Numbers, cropped digits (torchvision.datasets.svhn): root/{train,test,extra}_32x32.mat."""
import os

import numpy as np

from ._labelled import InMemoryImages, require
from .utils import download_url, verify_str_arg


class SVHN(InMemoryImages):
    """SVHN's 32x32 digits; `.data` is (N, 3, 32, 32) uint8, `.labels` int64 with the digit 0 labelled 0
    (the .mat files label it 10)."""

    split_list = {
        "train": ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat", "train_32x32.mat",
                  "e26dedcc434d2e4c54c9b2d4a06d8373"],
        "test": ["http://ufldl.stanford.edu/housenumbers/test_32x32.mat", "test_32x32.mat",
                 "eb5a983be6a315427106f1b164d9cef3"],
        "extra": ["http://ufldl.stanford.edu/housenumbers/extra_32x32.mat", "extra_32x32.mat",
                  "a93ce644f1a588dc4d68dda5feec44a7"],
    }

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", tuple(self.split_list))
        self.url, self.filename, self.file_md5 = self.split_list[split]
        if download:
            self.download()
        require([(os.path.join(self.root, self.filename), self.file_md5)])
        import scipy.io
        mat = scipy.io.loadmat(os.path.join(self.root, self.filename))
        self.labels = mat["y"].astype(np.int64).squeeze()
        np.place(self.labels, self.labels == 10, 0)
        self.data = np.transpose(mat["X"], (3, 2, 0, 1))  # the .mat holds (H, W, C, N)

    def download(self):
        download_url(self.url, self.root, self.filename, self.file_md5)

    def extra_repr(self):
        return f"Split: {self.split}"
