"""CelebA faces with attributes, identities, boxes and landmarks (torchvision.datasets.celeba):
root/celeba/{img_align_celeba/, list_attr_celeba.txt, identity_CelebA.txt, list_bbox_celeba.txt,
list_landmarks_align_celeba.txt, list_eval_partition.txt}."""
import csv
import os

from PIL import Image

import ember
from ._labelled import require
from .utils import download_file_from_google_drive, extract_archive, verify_str_arg
from .vision import VisionDataset


class CelebA(VisionDataset):
    """`split` 'train', 'valid', 'test' or 'all'; `target_type` any of 'attr' (40 binary attributes as 0/1),
    'identity', 'bbox', 'landmarks', one target or a tuple in the order given (None for an empty list)."""

    base_folder = "celeba"
    file_list = [("0B7EVK8r0v71pZjFTYXZWM3FlRnM", "00d2c5bc6d35e252742224ab0c1e8fcb", "img_align_celeba.zip"),
                 ("0B7EVK8r0v71pblRyaVFSWGxPY0U", "75e246fa4810816ffd6ee81facbd244c", "list_attr_celeba.txt"),
                 ("1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS", "32bd1bd63d3c78cd57e08160ec5ed1e2", "identity_CelebA.txt"),
                 ("0B7EVK8r0v71pbThiMVRxWXZ4dU0", "00566efa6fedff7a56946cd1c10f1c16", "list_bbox_celeba.txt"),
                 ("0B7EVK8r0v71pd0FJY3Blby1HUTQ", "cc24ecafdb5b50baae59b03474781f8c",
                  "list_landmarks_align_celeba.txt"),
                 ("0B7EVK8r0v71pY0NSMzRuSXJEVkk", "d32c9cbf5e040fd4025c592c306e6668", "list_eval_partition.txt")]

    def __init__(self, root, split="train", target_type="attr", transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = split
        self.target_type = target_type if isinstance(target_type, list) else [target_type]
        if not self.target_type and self.target_transform is not None:
            raise RuntimeError("target_transform is specified but target_type is empty")
        if download:
            self.download()
        folder = os.path.join(self.root, self.base_folder)
        require([(os.path.join(folder, name), md5) for _, md5, name in self.file_list if not name.endswith(".zip")] +
                [(os.path.join(folder, "img_align_celeba") + os.sep, None)])
        part = {"train": 0, "valid": 1, "test": 2, "all": None}[
            verify_str_arg(split.lower() if isinstance(split, str) else split, "split", ("train", "valid", "test", "all"))]
        names, splits, _ = self._load_csv("list_eval_partition.txt")
        keep = [i for i, s in enumerate(splits) if part is None or s[0] == part]
        self.filename = [names[i] for i in keep]
        tables = {}
        for key, file, header in (("identity", "identity_CelebA.txt", None), ("bbox", "list_bbox_celeba.txt", 1),
                                  ("landmarks_align", "list_landmarks_align_celeba.txt", 1),
                                  ("attr", "list_attr_celeba.txt", 1)):
            _, rows, head = self._load_csv(file, header)
            tables[key] = ember.tensor([rows[i] for i in keep], dtype=ember.int64).reshape(len(keep), -1)
            if key == "attr":
                self.attr_names = head
        self.identity, self.bbox, self.landmarks_align = tables["identity"], tables["bbox"], tables["landmarks_align"]
        self.attr = ember.div(tables["attr"] + 1, 2, rounding_mode="floor")  # the files hold -1/1

    def _load_csv(self, filename, header=None):
        """(first column, the other columns as ints, the header row) of a space-separated CelebA list."""
        with open(os.path.join(self.root, self.base_folder, filename)) as f:
            rows = list(csv.reader(f, delimiter=" ", skipinitialspace=True))
        head = rows[header] if header is not None else []
        rows = rows[header + 1:] if header is not None else rows
        return [r[0] for r in rows], [[int(v) for v in r[1:]] for r in rows], head

    def download(self):
        folder = os.path.join(self.root, self.base_folder)
        try:
            return require([(os.path.join(folder, name), md5) for _, md5, name in self.file_list
                            if not name.endswith(".zip")] + [(os.path.join(folder, "img_align_celeba") + os.sep, None)])
        except RuntimeError:
            pass
        for file_id, md5, name in self.file_list:
            download_file_from_google_drive(file_id, folder, name, md5)
        extract_archive(os.path.join(folder, "img_align_celeba.zip"))

    def __getitem__(self, index):
        X = Image.open(os.path.join(self.root, self.base_folder, "img_align_celeba", self.filename[index]))
        pick = {"attr": lambda: self.attr[index, :], "identity": lambda: self.identity[index, 0],
                "bbox": lambda: self.bbox[index, :], "landmarks": lambda: self.landmarks_align[index, :]}
        target = []
        for t in self.target_type:
            if t not in pick:
                raise ValueError(f'Target type "{t}" is not recognized.')
            target.append(pick[t]())
        if self.transform is not None:
            X = self.transform(X)
        if not target:
            return X, None
        target = tuple(target) if len(target) > 1 else target[0]
        return X, target if self.target_transform is None else self.target_transform(target)

    def __len__(self):
        return len(self.attr)

    def extra_repr(self):
        return f"Target type: {self.target_type}\nSplit: {self.split}"
