"""Caltech 101 and Caltech 256 (torchvision.datasets.caltech): root/caltech101/101_ObjectCategories/<class>/image_0001.jpg
(+ Annotations/), root/caltech256/256_ObjectCategories/<nnn.class>/<nnn>_0001.jpg."""
import os
import shutil

from PIL import Image

from ._labelled import require
from .utils import download_and_extract_archive, extract_archive, verify_str_arg
from .vision import VisionDataset


class _Caltech(VisionDataset):
    """Images numbered 1..n in one folder per category (sorted); targets are category indices. Images keep
    their stored mode (Caltech has gray images among the colour ones)."""

    def _index(self, folder, keep=lambda name: True):
        self.index, self.y = [], []
        for i, c in enumerate(self.categories):
            n = len([f for f in os.listdir(os.path.join(folder, c)) if keep(f)])
            self.index.extend(range(1, n + 1))
            self.y.extend([i] * n)

    def __len__(self):
        return len(self.index)


class Caltech101(_Caltech):
    """101 object categories (BACKGROUND_Google left out); `target_type` is 'category', 'annotation' (the
    object contour from Annotations/) or a list of both."""

    _name_map = {"Faces": "Faces_2", "Faces_easy": "Faces_3", "Motorbikes": "Motorbikes_16",
                 "airplanes": "Airplanes_Side_2"}  # the annotation folders' names for four categories

    def __init__(self, root, target_type="category", transform=None, target_transform=None, download=False):
        super().__init__(os.path.join(root, "caltech101"), transform=transform, target_transform=target_transform)
        os.makedirs(self.root, exist_ok=True)
        target_type = [target_type] if isinstance(target_type, str) else target_type
        self.target_type = [verify_str_arg(t, "target_type", ("category", "annotation")) for t in target_type]
        if download:
            self.download()
        images = os.path.join(self.root, "101_ObjectCategories")
        require([(images + os.sep, None)])
        self.categories = sorted(os.listdir(images))
        self.categories.remove("BACKGROUND_Google")
        self.annotation_categories = [self._name_map.get(c, c) for c in self.categories]
        self._index(images)

    def __getitem__(self, index):
        cls, number = self.y[index], self.index[index]
        img = Image.open(os.path.join(self.root, "101_ObjectCategories", self.categories[cls],
                                      f"image_{number:04d}.jpg"))
        target = []
        for t in self.target_type:
            if t == "category":
                target.append(cls)
            else:
                import scipy.io
                target.append(scipy.io.loadmat(os.path.join(self.root, "Annotations", self.annotation_categories[cls],
                                                            f"annotation_{number:04d}.mat"))["obj_contour"])
        return self._apply_transforms(img, tuple(target) if len(target) > 1 else target[0])

    def download(self):
        if os.path.exists(os.path.join(self.root, "101_ObjectCategories")):
            return
        download_and_extract_archive("https://data.caltech.edu/records/mzrjq-6wc02/files/caltech-101.zip", self.root,
                                     filename="caltech-101.zip", md5="3138e1922a9193bfa496528edbbc45d0")
        inner = os.path.join(self.root, "caltech-101")
        for name in os.listdir(inner):
            if name.endswith(".gz"):
                extract_archive(os.path.join(inner, name), self.root)
        shutil.rmtree(inner)
        os.remove(os.path.join(self.root, "caltech-101.zip"))

    def extra_repr(self):
        return f"Target type: {self.target_type}"


class Caltech256(_Caltech):
    """256 object categories plus clutter; images named <category number>_<image number>.jpg."""

    def __init__(self, root, transform=None, target_transform=None, download=False):
        super().__init__(os.path.join(root, "caltech256"), transform=transform, target_transform=target_transform)
        os.makedirs(self.root, exist_ok=True)
        if download:
            self.download()
        images = os.path.join(self.root, "256_ObjectCategories")
        require([(images + os.sep, None)])
        self.categories = sorted(os.listdir(images))
        self._index(images, keep=lambda name: name.endswith(".jpg"))

    def __getitem__(self, index):
        cls, number = self.y[index], self.index[index]
        img = Image.open(os.path.join(self.root, "256_ObjectCategories", self.categories[cls],
                                      f"{cls + 1:03d}_{number:04d}.jpg"))
        return self._apply_transforms(img, cls)

    def download(self):
        if os.path.exists(os.path.join(self.root, "256_ObjectCategories")):
            return
        download_and_extract_archive("https://data.caltech.edu/records/nyy15-4j048/files/256_ObjectCategories.tar",
                                     self.root, filename="256_ObjectCategories.tar",
                                     md5="67b4f42ca05d46448c6bb8ecd2220f6d")
