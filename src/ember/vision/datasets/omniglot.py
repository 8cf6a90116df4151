"""Omniglot handwritten characters (torchvision.datasets.omniglot):
root/omniglot-py/images_{background,evaluation}/<alphabet>/<character>/*.png (+ the official .zip beside them)."""
import os

from PIL import Image

from ._labelled import require
from .utils import download_and_extract_archive, list_dir, list_files
from .vision import VisionDataset


class Omniglot(VisionDataset):
    """Characters of 30 'background' or 20 'evaluation' alphabets; the target is the character's index."""

    folder = "omniglot-py"
    download_url_prefix = "https://raw.githubusercontent.com/brendenlake/omniglot/master/python"
    zips_md5 = {"images_background": "68d2efa1b9178cc56df9314c21c6e718",
                "images_evaluation": "6b91aef0f799c5bb55b94e3f2daec811"}

    def __init__(self, root, background=True, transform=None, target_transform=None, download=False, loader=None):
        super().__init__(os.path.join(root, self.folder), transform=transform, target_transform=target_transform)
        self.background = background
        if download:
            self.download()
        name = self._get_target_folder()
        require([(os.path.join(self.root, name + ".zip"), self.zips_md5[name])])
        self.target_folder = os.path.join(self.root, name)
        self._alphabets = list_dir(self.target_folder)
        self._characters = [os.path.join(a, c) for a in self._alphabets
                            for c in list_dir(os.path.join(self.target_folder, a))]
        self._character_images = [[(image, idx) for image in list_files(os.path.join(self.target_folder, c), ".png")]
                                  for idx, c in enumerate(self._characters)]
        self._flat_character_images = sum(self._character_images, [])
        self.loader = loader

    def __len__(self):
        return len(self._flat_character_images)

    def __getitem__(self, index):
        image_name, character = self._flat_character_images[index]
        path = os.path.join(self.target_folder, self._characters[character], image_name)
        image = Image.open(path, mode="r").convert("L") if self.loader is None else self.loader(path)
        return self._apply_transforms(image, character)

    def download(self):
        name = self._get_target_folder()
        download_and_extract_archive(f"{self.download_url_prefix}/{name}.zip", self.root, filename=name + ".zip",
                                     md5=self.zips_md5[name])

    def _get_target_folder(self):
        return "images_background" if self.background else "images_evaluation"
