"""The Describable Textures Dataset (torchvision.datasets.dtd): root/dtd/dtd/{images/<class>/, labels/<split><n>.txt}."""
import os

from ._labelled import LabelledImageFiles, require
from .folder import default_loader
from .utils import download_and_extract_archive, verify_str_arg


class DTD(LabelledImageFiles):
    """47 texture classes; `partition` (1..10) picks one of the ten official train/val/test splits."""

    _URL = "https://www.robots.ox.ac.uk/~vgg/data/dtd/download/dtd-r1.0.1.tar.gz"
    _MD5 = "fff73e5086ae6bdbea199a49dfb8a4c1"

    def __init__(self, root, split="train", partition=1, transform=None, target_transform=None, download=False,
                 loader=default_loader):
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        if not isinstance(partition, int) and not 1 <= partition <= 10:
            raise ValueError(f"Parameter 'partition' should be an integer with `1 <= partition <= 10`, "
                             f"but got {partition} instead")
        self._partition = partition
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._base_folder = os.path.join(self.root, type(self).__name__.lower())
        self._data_folder = os.path.join(self._base_folder, "dtd")
        self._meta_folder = os.path.join(self._data_folder, "labels")
        self._images_folder = os.path.join(self._data_folder, "images")
        if download:
            self._download()
        require([(self._data_folder + os.sep, None)])
        names = []
        with open(os.path.join(self._meta_folder, f"{split}{partition}.txt")) as f:
            names = [line.strip().split("/") for line in f]
        self._image_files = [os.path.join(self._images_folder, cls, name) for cls, name in names]
        self.classes = sorted({cls for cls, _ in names})
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self._labels = [self.class_to_idx[cls] for cls, _ in names]
        self.loader = loader

    def _download(self):
        if os.path.isdir(self._data_folder):
            return
        download_and_extract_archive(self._URL, self._base_folder, md5=self._MD5)

    def extra_repr(self):
        return f"split={self._split}, partition={self._partition}"
