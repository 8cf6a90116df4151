"""SUN397 scenes (torchvision.datasets.sun397): root/SUN397/{ClassName.txt, <letter>/<class path>/sun_*.jpg}."""
import os
from pathlib import Path

from ._labelled import LabelledImageFiles, require
from .folder import default_loader
from .utils import download_and_extract_archive


class SUN397(LabelledImageFiles):
    """397 scene categories; an image's class is its folder path below the initial-letter folder
    (SUN397/a/abbey/sun_x.jpg is 'abbey')."""

    _DATASET_URL = "http://vision.princeton.edu/projects/2010/SUN/SUN397.tar.gz"
    _DATASET_MD5 = "8ca2778205c41d23104230ba66911c7a"

    def __init__(self, root, transform=None, target_transform=None, download=False, loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._data_dir = Path(self.root) / "SUN397"
        if download:
            self._download()
        require([(str(self._data_dir) + os.sep, None)])
        with open(self._data_dir / "ClassName.txt") as f:
            self.classes = [line[3:].strip() for line in f]  # lines look like "/a/abbey"
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self._image_files = list(self._data_dir.rglob("sun_*.jpg"))
        self._labels = [self.class_to_idx["/".join(p.relative_to(self._data_dir).parts[1:-1])]
                        for p in self._image_files]
        self.loader = loader

    def _download(self):
        if self._data_dir.is_dir():
            return
        download_and_extract_archive(self._DATASET_URL, self.root, md5=self._DATASET_MD5)
