"""Imagenette, ten easy ImageNet classes (torchvision.datasets.imagenette): root/imagenette2[-320|-160]/{train,val}/<wnid>/*.JPEG."""
import os

from ._labelled import LabelledImageFiles
from .folder import default_loader, find_classes, make_dataset
from .utils import download_and_extract_archive, verify_str_arg


class Imagenette(LabelledImageFiles):
    """Imagenette at `size` 'full', '320px' or '160px'; `classes` holds each class's names, `class_to_idx`
    maps every one of those names to its index."""

    _ARCHIVES = {"full": ("https://s3.amazonaws.com/fast-ai-imageclas/imagenette2.tgz",
                          "fe2fc210e6bb7c5664d602c3cd71e612"),
                 "320px": ("https://s3.amazonaws.com/fast-ai-imageclas/imagenette2-320.tgz",
                           "3df6f0d01a2c9592104656642f5e78a3"),
                 "160px": ("https://s3.amazonaws.com/fast-ai-imageclas/imagenette2-160.tgz",
                           "e793b78cc4c9e9a4ccc0c1155377a412")}
    _WNID_TO_CLASS = {
        "n01440764": ("tench", "Tinca tinca"), "n02102040": ("English springer", "English springer spaniel"),
        "n02979186": ("cassette player",), "n03000684": ("chain saw", "chainsaw"),
        "n03028079": ("church", "church building"), "n03394916": ("French horn", "horn"),
        "n03417042": ("garbage truck", "dustcart"),
        "n03425413": ("gas pump", "gasoline pump", "petrol pump", "island dispenser"),
        "n03445777": ("golf ball",), "n03888257": ("parachute", "chute")}

    def __init__(self, root, split="train", size="full", download=False, transform=None, target_transform=None,
                 loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ["train", "val"])
        self._size = verify_str_arg(size, "size", ["full", "320px", "160px"])
        self._url, self._md5 = self._ARCHIVES[size]
        self._size_root = os.path.join(self.root, os.path.basename(self._url).rsplit(".", 1)[0])
        self._image_root = os.path.join(self._size_root, split)
        if download:
            self._download()
        elif not os.path.exists(self._size_root):
            raise RuntimeError(f"Dataset not found. You can use download=True to download it. (missing: "
                               f"{self._size_root})")
        self.wnids, self.wnid_to_idx = find_classes(self._image_root)
        self.classes = [self._WNID_TO_CLASS[w] for w in self.wnids]
        self.class_to_idx = {name: i for w, i in self.wnid_to_idx.items() for name in self._WNID_TO_CLASS[w]}
        self._samples = make_dataset(self._image_root, self.wnid_to_idx, extensions=".jpeg")
        self._image_files, self._labels = [p for p, _ in self._samples], [y for _, y in self._samples]
        self.loader = loader

    def _download(self):
        if os.path.exists(self._size_root):
            return
        download_and_extract_archive(self._url, self.root, md5=self._md5)
