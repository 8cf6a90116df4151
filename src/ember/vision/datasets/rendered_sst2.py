"""Rendered SST-2, sentences rendered as images (torchvision.datasets.rendered_sst2):
root/rendered-sst2/{train,valid,test}/{negative,positive}/*.png."""
import os

from ._labelled import LabelledImageFiles, require
from .folder import default_loader, make_dataset
from .utils import download_and_extract_archive, verify_str_arg


class RenderedSST2(LabelledImageFiles):
    """(image of a movie-review sentence, 0 negative / 1 positive)."""

    _URL = "https://openaipublic.azureedge.net/clip/data/rendered-sst2.tgz"
    _MD5 = "2384d08e9dcfa4bd55b324e610496ee5"

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False,
                 loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        self._split_to_folder = {"train": "train", "val": "valid", "test": "test"}
        self._base_folder = os.path.join(self.root, "rendered-sst2")
        self.classes = ["negative", "positive"]
        self.class_to_idx = {"negative": 0, "positive": 1}
        if download:
            self._download()
        require(self._class_folders())
        self._samples = make_dataset(os.path.join(self._base_folder, self._split_to_folder[split]), extensions=("png",))
        self._image_files, self._labels = [p for p, _ in self._samples], [y for _, y in self._samples]
        self.loader = loader

    def _class_folders(self):
        return [(os.path.join(self._base_folder, self._split_to_folder[self._split], c) + os.sep, None)
                for c in self.classes]

    def _download(self):
        if all(os.path.isdir(p) for p, _ in self._class_folders()):
            return
        download_and_extract_archive(self._URL, self.root, md5=self._MD5)

    def extra_repr(self):
        return f"split={self._split}"
