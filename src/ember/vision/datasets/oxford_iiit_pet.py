"""The Oxford-IIIT Pet dataset (torchvision.datasets.oxford_iiit_pet):
root/oxford-iiit-pet/{images/, annotations/{trainval,test}.txt, annotations/trimaps/}."""
import os

from PIL import Image

from ._labelled import require
from .utils import download_and_extract_archive, verify_str_arg
from .vision import VisionDataset


class OxfordIIITPet(VisionDataset):
    """37 cat and dog breeds; `target_types` is any of 'category', 'binary-category' (cat/dog) and
    'segmentation' (the trimap PNG), one target or a tuple of them in that order."""

    _RESOURCES = (("https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz",
                   "5c4f3ee8e5d25df40f4fd59a7f44e54c"),
                  ("https://www.robots.ox.ac.uk/~vgg/data/pets/data/annotations.tar.gz",
                   "95a8c909bbe2e81eed6a22bccdf3f68f"))
    _VALID_TARGET_TYPES = ("category", "binary-category", "segmentation")

    def __init__(self, root, split="trainval", target_types="category", transforms=None, transform=None,
                 target_transform=None, download=False):
        self._split = verify_str_arg(split, "split", ("trainval", "test"))
        target_types = [target_types] if isinstance(target_types, str) else target_types
        self._target_types = [verify_str_arg(t, "target_types", self._VALID_TARGET_TYPES) for t in target_types]
        super().__init__(root, transforms=transforms, transform=transform, target_transform=target_transform)
        self._base_folder = os.path.join(self.root, "oxford-iiit-pet")
        self._images_folder = os.path.join(self._base_folder, "images")
        self._anns_folder = os.path.join(self._base_folder, "annotations")
        self._segs_folder = os.path.join(self._anns_folder, "trimaps")
        if download:
            self._download()
        require([(self._images_folder + os.sep, None), (self._anns_folder + os.sep, None)])
        ids, self._labels, self._bin_labels = [], [], []
        with open(os.path.join(self._anns_folder, f"{split}.txt")) as f:
            for line in f:  # "<image id> <class 1..37> <species 1..2> <breed id>"
                image_id, label, bin_label, _ = line.split()
                ids.append(image_id)
                self._labels.append(int(label) - 1)
                self._bin_labels.append(int(bin_label) - 1)
        self.bin_classes = ["Cat", "Dog"]
        # class names are the image ids' breed prefixes, title-cased, in label order
        breeds = sorted({(i.rsplit("_", 1)[0], y) for i, y in zip(ids, self._labels)}, key=lambda p: p[1])
        self.classes = [" ".join(part.title() for part in name.split("_")) for name, _ in breeds]
        self.bin_class_to_idx = {c: i for i, c in enumerate(self.bin_classes)}
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self._images = [os.path.join(self._images_folder, f"{i}.jpg") for i in ids]
        self._segs = [os.path.join(self._segs_folder, f"{i}.png") for i in ids]

    def __len__(self):
        return len(self._images)

    def __getitem__(self, idx):
        image = Image.open(self._images[idx]).convert("RGB")
        pick = {"category": lambda: self._labels[idx], "binary-category": lambda: self._bin_labels[idx],
                "segmentation": lambda: Image.open(self._segs[idx])}
        target = [pick[t]() for t in self._target_types]
        target = None if not target else target[0] if len(target) == 1 else tuple(target)
        if self.transforms:
            image, target = self.transforms(image, target)
        return image, target

    def _download(self):
        if os.path.isdir(self._images_folder) and os.path.isdir(self._anns_folder):
            return
        for url, md5 in self._RESOURCES:
            download_and_extract_archive(url, self._base_folder, md5=md5)
