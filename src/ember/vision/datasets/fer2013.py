"""FER2013 facial expressions from the Kaggle CSV files (torchvision.datasets.fer2013): root/fer2013/*.csv."""
import csv
import os

import numpy as np

from ._labelled import InMemoryImages
from .utils import check_integrity, verify_str_arg


class FER2013(InMemoryImages):
    """48x48 gray faces in seven expressions, from fer2013/{train,test}.csv, or fer2013.csv / icml_face_data.csv
    (which hold both splits, told apart by their Usage column). Kaggle needs a login, so there is no download."""

    _RESOURCES = {"train": ("train.csv", "3f0dfb3d3fd99c811a1299cb947e3131"),
                  "test": ("test.csv", "b02c2298636a634e8c2faabbf3ea9a23"),
                  "fer": ("fer2013.csv", "f8428a1edbd21e88f42c73edd2a14f95"),
                  "icml": ("icml_face_data.csv", "b114b9e04e6949e5fe8b6a98b3892b1d")}

    def __init__(self, root, split="train", transform=None, target_transform=None):
        self._split = verify_str_arg(split, "split", ("train", "test"))
        super().__init__(root, transform=transform, target_transform=target_transform)
        base = os.path.join(self.root, "fer2013")
        fer = os.path.exists(os.path.join(base, self._RESOURCES["fer"][0]))
        icml = not fer and os.path.exists(os.path.join(base, self._RESOURCES["icml"][0]))
        name, md5 = self._RESOURCES["fer" if fer else "icml" if icml else split]
        if not check_integrity(os.path.join(base, name), md5=md5):
            raise RuntimeError(f"{name} not found in {base} or corrupted. You can download it from "
                               "https://www.kaggle.com/c/challenges-in-representation-learning-facial-expression-"
                               "recognition-challenge")
        pixels_key, usage_key = (" pixels", " Usage") if icml else ("pixels", "Usage")
        with open(os.path.join(base, name), newline="") as f:
            rows = list(csv.DictReader(f))
        if fer or icml:
            keep = ("Training",) if split == "train" else ("PublicTest", "PrivateTest")
            rows = [r for r in rows if r[usage_key] in keep]
        labelled = fer or icml or split == "train"
        self.data = np.array([np.array(r[pixels_key].split(), dtype=np.uint8).reshape(48, 48) for r in rows],
                             dtype=np.uint8).reshape(-1, 48, 48)
        self.labels = [int(r["emotion"]) for r in rows] if labelled else None

    def extra_repr(self):
        return f"split={self._split}"
