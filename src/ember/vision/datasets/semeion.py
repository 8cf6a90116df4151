"""SEMEION handwritten digits (torchvision.datasets.semeion): root/semeion.data."""
import os

import numpy as np

from ._labelled import InMemoryImages, require
from .utils import download_url


class SEMEION(InMemoryImages):
    """SEMEION's 16x16 binary digits: `.data` (N, 16, 16) uint8 (0 or 255), `.labels` from the one-hot columns."""

    url = "http://archive.ics.uci.edu/ml/machine-learning-databases/semeion/semeion.data"
    filename = "semeion.data"
    md5_checksum = "cb545d371d2ce14ec121470795a77432"

    def __init__(self, root, transform=None, target_transform=None, download=True):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if download:
            self.download()
        require([(os.path.join(self.root, self.filename), self.md5_checksum)])
        table = np.loadtxt(os.path.join(self.root, self.filename))
        self.data = (table[:, :256] * 255).astype(np.uint8).reshape(-1, 16, 16)
        self.labels = np.nonzero(table[:, 256:])[1]

    def download(self):
        download_url(self.url, self.root, self.filename, self.md5_checksum)
