"""USPS handwritten digits from the LIBSVM files (torchvision.datasets.usps): root/usps.bz2, root/usps.t.bz2."""
import bz2
import os

import numpy as np

from ._labelled import InMemoryImages
from .utils import download_url


class USPS(InMemoryImages):
    """USPS's 16x16 gray digits: `.data` (N, 16, 16) uint8 (features in [-1, 1] scaled to 0..255), `.targets` ints."""

    split_list = {
        "train": ["https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.bz2", "usps.bz2",
                  "ec16c51db3855ca6c91edd34d0e9b197"],
        "test": ["https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.t.bz2", "usps.t.bz2",
                 "8ea070ee2aca1ac39742fdd1ef5ed118"],
    }
    _label_attr = "targets"

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        url, filename, md5 = self.split_list["train" if train else "test"]
        path = os.path.join(self.root, filename)
        if download and not os.path.exists(path):
            download_url(url, self.root, filename, md5=md5)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Dataset not found: {path}. You can use download=True to download it")
        with bz2.open(path) as f:
            rows = [line.decode().split() for line in f]
        # a LIBSVM row: "<label> 1:<v> 2:<v> ..."
        values = np.asarray([[x.split(":")[-1] for x in r[1:]] for r in rows], dtype=np.float32).reshape(-1, 16, 16)
        self.data = ((values + 1) / 2 * 255).astype(np.uint8)
        self.targets = [int(r[0]) - 1 for r in rows]
