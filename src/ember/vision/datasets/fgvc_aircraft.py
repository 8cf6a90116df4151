"""FGVC-Aircraft (torchvision.datasets.fgvc_aircraft): root/fgvc-aircraft-2013b/data/{images/, images_<level>_<split>.txt}."""
import os

from ._labelled import LabelledImageFiles, require
from .folder import default_loader
from .utils import download_and_extract_archive, verify_str_arg


class FGVCAircraft(LabelledImageFiles):
    """Aircraft photos labelled by 'variant', 'family' or 'manufacturer' (`annotation_level`)."""

    _URL = "https://www.robots.ox.ac.uk/~vgg/data/fgvc-aircraft/archives/fgvc-aircraft-2013b.tar.gz"

    def __init__(self, root, split="trainval", annotation_level="variant", transform=None, target_transform=None,
                 download=False, loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "val", "trainval", "test"))
        self._annotation_level = verify_str_arg(annotation_level, "annotation_level",
                                                ("variant", "family", "manufacturer"))
        self._data_path = os.path.join(self.root, "fgvc-aircraft-2013b")
        if download:
            self._download()
        require([(self._data_path + os.sep, None)])
        data = os.path.join(self._data_path, "data")
        names = {"variant": "variants.txt", "family": "families.txt", "manufacturer": "manufacturers.txt"}
        with open(os.path.join(data, names[annotation_level])) as f:
            self.classes = [line.strip() for line in f]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self._image_files, self._labels = [], []
        with open(os.path.join(data, f"images_{annotation_level}_{split}.txt")) as f:
            for line in f:  # "<image id> <class name, which may hold spaces>"
                image, label = line.strip().split(" ", 1)
                self._image_files.append(os.path.join(data, "images", f"{image}.jpg"))
                self._labels.append(self.class_to_idx[label])
        self.loader = loader

    def _download(self):
        if os.path.isdir(self._data_path):
            return
        download_and_extract_archive(self._URL, self.root)
