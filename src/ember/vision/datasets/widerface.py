"""WIDER FACE detection (torchvision.datasets.widerface):
root/widerface/{WIDER_train,WIDER_val,WIDER_test}/images/ and root/widerface/wider_face_split/*.txt."""
import os

from PIL import Image

import ember
from .utils import download_and_extract_archive, download_file_from_google_drive, extract_archive, verify_str_arg
from .vision import VisionDataset


class WIDERFace(VisionDataset):
    """(image, {'bbox': (n, 4), 'blur', 'expression', 'illumination', 'occlusion', 'pose', 'invalid': (n,)}
    int64 tensors); the test split has no targets (None)."""

    BASE_FOLDER = "widerface"
    FILE_LIST = [("15hGDLhsx8bLgLcIRD5DhYt5iBxnjNF1M", "3fedf70df600953d25982bcd13d91ba2", "WIDER_train.zip"),
                 ("1GUCogbp16PMGa39thoMMeWxp7Rp5oM8Q", "dfa7d7e790efa35df3788964cf0bbaea", "WIDER_val.zip"),
                 ("1HIfDbVEWKmsYKJZm4lchTBDLW5N7dY5T", "e5d8f4248ed24c334bbd12f49c29dd40", "WIDER_test.zip")]
    ANNOTATIONS_FILE = ("http://shuoyang1213.me/WIDERFACE/support/bbx_annotation/wider_face_split.zip",
                        "0e3767bcf0e326556d407bf5bff5d27c", "wider_face_split.zip")
    _FIELDS = ("blur", "expression", "illumination", "occlusion", "pose", "invalid")

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False):
        super().__init__(root=os.path.join(root, self.BASE_FOLDER), transform=transform,
                         target_transform=target_transform)
        self.split = verify_str_arg(split, "split", ("train", "val", "test"))
        if download:
            self.download()
        missing = self._missing()
        if missing:
            raise RuntimeError(f"Dataset not found or corrupted. You can use download=True to download and prepare "
                               f"it (missing: {', '.join(missing)})")
        self.img_info = []
        if split == "test":
            with open(os.path.join(self.root, "wider_face_split", "wider_face_test_filelist.txt")) as f:
                self.img_info = [{"img_path": self._image(line.rstrip())} for line in f]
        else:
            self._parse_boxes(os.path.join(self.root, "wider_face_split", f"wider_face_{split}_bbx_gt.txt"))

    def _image(self, name):
        return os.path.abspath(os.path.join(self.root, f"WIDER_{self.split}", "images", name))

    def _parse_boxes(self, path):
        """Records of "<image path>", "<n>", then max(n, 1) lines of ten ints (an image without faces still has
        one all-zero line, kept as torchvision keeps it)."""
        with open(path) as f:
            lines = [line.rstrip() for line in f]
        at = 0
        while at < len(lines):
            try:
                image, n = lines[at], int(lines[at + 1])
                rows = [[int(v) for v in line.split(" ")] for line in lines[at + 2:at + 2 + max(n, 1)]]
            except (ValueError, IndexError):
                raise RuntimeError(f"Error parsing annotation file {path}") from None
            at += 2 + max(n, 1)
            boxes = ember.tensor(rows, dtype=ember.int64)
            ann = {"bbox": boxes[:, 0:4].clone()}
            ann.update({name: boxes[:, 4 + i].clone() for i, name in enumerate(self._FIELDS)})
            self.img_info.append({"img_path": self._image(image), "annotations": ann})

    def __getitem__(self, index):
        img = Image.open(self.img_info[index]["img_path"])
        if self.transform is not None:
            img = self.transform(img)
        target = None if self.split == "test" else self.img_info[index]["annotations"]
        return img, target if self.target_transform is None else self.target_transform(target)

    def __len__(self):
        return len(self.img_info)

    def extra_repr(self):
        return f"Split: {self.split}"

    def _missing(self):
        return [os.path.join(self.root, os.path.splitext(name)[0])
                for _, _, name in self.FILE_LIST + [self.ANNOTATIONS_FILE]
                if not os.path.exists(os.path.join(self.root, os.path.splitext(name)[0]))]

    def download(self):
        if not self._missing():
            return
        for file_id, md5, name in self.FILE_LIST:
            download_file_from_google_drive(file_id, self.root, name, md5)
            extract_archive(os.path.join(self.root, name))
        download_and_extract_archive(self.ANNOTATIONS_FILE[0], self.root, md5=self.ANNOTATIONS_FILE[1])
