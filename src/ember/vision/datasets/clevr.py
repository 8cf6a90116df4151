"""CLEVR as object counting (torchvision.datasets.clevr): root/clevr/CLEVR_v1.0/{images/<split>/, scenes/}."""
import json
import os
from pathlib import Path

from ._labelled import LabelledImageFiles, require
from .folder import default_loader
from .utils import download_and_extract_archive, verify_str_arg


class CLEVRClassification(LabelledImageFiles):
    """(rendered scene, number of objects in it); the test split has no labels (None)."""

    _URL = "https://dl.fbaipublicfiles.com/clevr/CLEVR_v1.0.zip"
    _MD5 = "b11922020e72d0cd9154779b2d3d07d2"

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False,
                 loader=default_loader):
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.loader = loader
        self._base_folder = Path(self.root) / "clevr"
        self._data_folder = self._base_folder / "CLEVR_v1.0"
        if download:
            self._download()
        require([(str(self._data_folder) + os.sep, None)])
        self._image_files = sorted(self._data_folder.joinpath("images", split).glob("*"))
        if split == "test":
            self._labels = [None] * len(self._image_files)
        else:
            with open(self._data_folder / "scenes" / f"CLEVR_{split}_scenes.json") as f:
                counts = {s["image_filename"]: len(s["objects"]) for s in json.load(f)["scenes"]}
            self._labels = [counts[p.name] for p in self._image_files]

    def _download(self):
        if self._data_folder.is_dir():
            return
        download_and_extract_archive(self._URL, str(self._base_folder), md5=self._MD5)

    def extra_repr(self):
        return f"split={self._split}"
