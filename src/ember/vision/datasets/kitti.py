"""KITTI 2D object detection (torchvision.datasets.kitti): root/Kitti/raw/{training,testing}/{image_2,label_2}/."""
import csv
import os

from PIL import Image

from ._labelled import require
from .utils import download_and_extract_archive
from .vision import VisionDataset


class Kitti(VisionDataset):
    """(image, list of object dicts: type, truncated, occluded, alpha, bbox, dimensions, location, rotation_y);
    the test images have no labels (None)."""

    data_url = "https://s3.eu-central-1.amazonaws.com/avg-kitti/"
    resources = ["data_object_image_2.zip", "data_object_label_2.zip"]
    image_dir_name = "image_2"
    labels_dir_name = "label_2"

    def __init__(self, root, train=True, transform=None, target_transform=None, transforms=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform, transforms=transforms)
        self.images, self.targets = [], []
        self.train = train
        self._location = "training" if train else "testing"
        if download:
            self.download()
        require([(os.path.join(self._raw_folder, self._location, d) + os.sep, None) for d in self._folders()],
                hint="You may use download=True to download it.")
        image_dir = os.path.join(self._raw_folder, self._location, self.image_dir_name)
        labels_dir = os.path.join(self._raw_folder, self._location, self.labels_dir_name)
        for name in os.listdir(image_dir):
            self.images.append(os.path.join(image_dir, name))
            if train:
                self.targets.append(os.path.join(labels_dir, f"{name.split('.')[0]}.txt"))

    def _folders(self):
        return [self.image_dir_name] + ([self.labels_dir_name] if self.train else [])

    def __getitem__(self, index):
        image = Image.open(self.images[index])
        target = self._parse_target(index) if self.train else None
        if self.transforms:
            image, target = self.transforms(image, target)
        return image, target

    def _parse_target(self, index):
        with open(self.targets[index]) as f:
            return [{"type": r[0], "truncated": float(r[1]), "occluded": int(r[2]), "alpha": float(r[3]),
                     "bbox": [float(x) for x in r[4:8]], "dimensions": [float(x) for x in r[8:11]],
                     "location": [float(x) for x in r[11:14]], "rotation_y": float(r[14])}
                    for r in csv.reader(f, delimiter=" ")]

    def __len__(self):
        return len(self.images)

    @property
    def _raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    def download(self):
        if all(os.path.isdir(os.path.join(self._raw_folder, self._location, d)) for d in self._folders()):
            return
        os.makedirs(self._raw_folder, exist_ok=True)
        for name in self.resources:
            download_and_extract_archive(self.data_url + name, self._raw_folder, filename=name)
