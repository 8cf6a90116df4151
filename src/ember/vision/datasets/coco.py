"""MS COCO detection and captions (torchvision.datasets.coco): images in root, annotations in the official
JSON file, read directly (pycocotools is not needed)."""
import collections
import json
import os

from PIL import Image

from .vision import VisionDataset


class CocoDetection(VisionDataset):
    """(RGB image, list of its annotation dicts), images in order of their ids; the same targets as
    torchvision's pycocotools-based class (an image's annotations in file order)."""

    def __init__(self, root, annFile, transform=None, target_transform=None, transforms=None):
        super().__init__(root, transforms, transform, target_transform)
        with open(annFile) as f:
            dataset = json.load(f)
        self.imgs = {img["id"]: img for img in dataset.get("images", [])}
        self.anns = {ann["id"]: ann for ann in dataset.get("annotations", [])}
        self._img_to_ann_ids = collections.defaultdict(list)
        for ann in dataset.get("annotations", []):
            self._img_to_ann_ids[ann["image_id"]].append(ann["id"])
        self.ids = sorted(self.imgs)

    def _load_image(self, id):
        return Image.open(os.path.join(self.root, self.imgs[id]["file_name"])).convert("RGB")

    def _load_target(self, id):
        return [self.anns[a] for a in self._img_to_ann_ids.get(id, [])]

    def __getitem__(self, index):
        if not isinstance(index, int):
            raise ValueError(f"Index must be of type integer, got {type(index)} instead.")
        id = self.ids[index]
        image, target = self._load_image(id), self._load_target(id)
        return self.transforms(image, target) if self.transforms is not None else (image, target)

    def __len__(self):
        return len(self.ids)


class CocoCaptions(CocoDetection):
    """(RGB image, list of its caption strings)."""

    def _load_target(self, id):
        return [ann["caption"] for ann in super()._load_target(id)]
