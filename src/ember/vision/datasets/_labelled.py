"""The two shapes most vision datasets take, shared so that each dataset only says where its files are and
how its labels are listed: image files with one label each (read on access by a loader), and images held in
memory as one uint8 array with a label array beside it."""
import os

import numpy as np
from PIL import Image

from .utils import check_integrity
from .vision import VisionDataset


def require(files, hint="You can use download=True to download it"):
    """Raise torchvision's "Dataset not found" RuntimeError naming each (path, md5 or None) that is absent or
    fails its checksum; a path ending in os.sep must be a folder."""
    bad = [p for p, md5 in files
           if not (os.path.isdir(p) if str(p).endswith(os.sep) else check_integrity(str(p), md5))]
    if bad:
        raise RuntimeError(f"Dataset not found or corrupted. {hint} (missing or damaged: "
                           f"{', '.join(str(b) for b in bad)})")


class LabelledImageFiles(VisionDataset):
    """Samples are the image files `_image_files`, read by `loader`, with the labels `_labels`."""

    def __len__(self):
        return len(self._image_files)

    def __getitem__(self, idx):
        return self._apply_transforms(self.loader(self._image_files[idx]), self._labels[idx])


class InMemoryImages(VisionDataset):
    """Samples are the rows of `data`, (N, H, W) gray or (N, C, H, W) colour uint8 images, with the
    labels in the attribute named by `_label_attr` (None: no labels)."""
    _label_attr = "labels"

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        img = self.data[idx]
        img = Image.fromarray(img if img.ndim == 2 else np.transpose(img, (1, 2, 0)))
        labels = getattr(self, self._label_attr)
        return self._apply_transforms(img, None if labels is None else int(labels[idx]))
