"""The Semantic Boundaries Dataset (torchvision.datasets.sbd): root/{img/*.jpg, cls/*.mat, train.txt, val.txt,
train_noval.txt}."""
import os
import shutil

import numpy as np
from PIL import Image

from .utils import download_and_extract_archive, download_url, verify_str_arg
from .vision import VisionDataset


class SBDataset(VisionDataset):
    """(RGB image, target): in mode 'segmentation' the class mask as an image, in mode 'boundaries' a
    (20, H, W) array of per-class boundary maps."""

    url = "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/semantic_contours/benchmark.tgz"
    md5 = "82b4d87ceb2ed10f6038a1cba92111cb"
    filename = "benchmark.tgz"
    voc_train_url = "https://www.cs.cornell.edu/~bharathh/train_noval.txt"
    voc_split_filename = "train_noval.txt"
    voc_split_md5 = "79bff800c5f0b1ec6b21080a3c066722"

    def __init__(self, root, image_set="train", mode="boundaries", download=False, transforms=None):
        try:
            from scipy.io import loadmat
            self._loadmat = loadmat
        except ImportError:
            raise RuntimeError("Scipy is not found. This dataset needs to have scipy installed: pip install scipy")
        super().__init__(root, transforms)
        self.image_set = verify_str_arg(image_set, "image_set", ("train", "val", "train_noval"))
        self.mode = verify_str_arg(mode, "mode", ("segmentation", "boundaries"))
        self.num_classes = 20
        if download:
            download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.md5)
            extracted = os.path.join(self.root, "benchmark_RELEASE", "dataset")
            for f in ("cls", "img", "inst", "train.txt", "val.txt"):
                shutil.move(os.path.join(extracted, f), self.root)
            if image_set == "train_noval":
                download_url(self.voc_train_url, self.root, self.voc_split_filename, self.voc_split_md5)
        split_file = os.path.join(self.root, image_set + ".txt")
        if not os.path.isdir(self.root):
            raise RuntimeError(f"Dataset not found or corrupted. You can use download=True to download it "
                               f"(missing: {self.root})")
        if not os.path.isfile(split_file):
            raise FileNotFoundError(f"The SBD image list {split_file} is missing")
        with open(split_file) as f:
            names = [line.strip() for line in f]
        self.images = [os.path.join(self.root, "img", n + ".jpg") for n in names]
        self.masks = [os.path.join(self.root, "cls", n + ".mat") for n in names]
        self._get_target = self._get_segmentation_target if mode == "segmentation" else self._get_boundaries_target

    def _get_segmentation_target(self, path):
        return Image.fromarray(self._loadmat(path)["GTcls"][0]["Segmentation"][0])

    def _get_boundaries_target(self, path):
        boundaries = self._loadmat(path)["GTcls"][0]["Boundaries"][0]  # one sparse map per class
        return np.concatenate([boundaries[i][0].toarray()[None] for i in range(self.num_classes)], axis=0)

    def __getitem__(self, index):
        img = Image.open(self.images[index]).convert("RGB")
        target = self._get_target(self.masks[index])
        return self.transforms(img, target) if self.transforms is not None else (img, target)

    def __len__(self):
        return len(self.images)

    def extra_repr(self):
        return f"Image set: {self.image_set}\nMode: {self.mode}"
