"""Food-101 (torchvision.datasets.food101): root/food-101/{images/<class>/<id>.jpg, meta/{train,test}.json}."""
import json
import os

from ._labelled import LabelledImageFiles, require
from .folder import default_loader
from .utils import download_and_extract_archive, verify_str_arg


class Food101(LabelledImageFiles):
    """101 food categories; the split's images are listed by meta/<split>.json ({class: [relative ids]})."""

    _URL = "http://data.vision.ee.ethz.ch/cvl/food-101.tar.gz"
    _MD5 = "85eeb15f3717b99a5da872d97d918f87"

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False,
                 loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "test"))
        self._base_folder = os.path.join(self.root, "food-101")
        self._meta_folder = os.path.join(self._base_folder, "meta")
        self._images_folder = os.path.join(self._base_folder, "images")
        if download:
            self._download()
        require([(self._meta_folder + os.sep, None), (self._images_folder + os.sep, None)])
        with open(os.path.join(self._meta_folder, f"{split}.json")) as f:
            metadata = json.load(f)
        self.classes = sorted(metadata)
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self._labels, self._image_files = [], []
        for name, rel_paths in metadata.items():
            self._labels += [self.class_to_idx[name]] * len(rel_paths)
            self._image_files += [os.path.join(self._images_folder, *f"{p}.jpg".split("/")) for p in rel_paths]
        self.loader = loader

    def _download(self):
        if os.path.isdir(self._meta_folder) and os.path.isdir(self._images_folder):
            return
        download_and_extract_archive(self._URL, self.root, md5=self._MD5)

    def extra_repr(self):
        return f"split={self._split}"
