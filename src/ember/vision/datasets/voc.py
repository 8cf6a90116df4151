"""PASCAL VOC 2007-2012 detection and segmentation (torchvision.datasets.voc):
root/VOCdevkit/VOC<year>/{JPEGImages, Annotations, SegmentationClass, ImageSets/{Main,Segmentation}}."""
import collections
import os
from xml.etree.ElementTree import parse as _parse_xml

from PIL import Image

from ._labelled import require
from .utils import download_and_extract_archive, verify_str_arg
from .vision import VisionDataset

_URL = "https://thor.robots.ox.ac.uk/pascal/VOC/"
DATASET_YEAR_DICT = {
    "2012": {"url": _URL + "voc2012/VOCtrainval_11-May-2012.tar", "filename": "VOCtrainval_11-May-2012.tar",
             "md5": "6cd6e144f989b92b3379bac3b3de84fd", "base_dir": os.path.join("VOCdevkit", "VOC2012")},
    "2011": {"url": _URL + "voc2011/VOCtrainval_25-May-2011.tar", "filename": "VOCtrainval_25-May-2011.tar",
             "md5": "6c3384ef61512963050cb5d687e5bf1e", "base_dir": os.path.join("TrainVal", "VOCdevkit", "VOC2011")},
    "2010": {"url": _URL + "voc2010/VOCtrainval_03-May-2010.tar", "filename": "VOCtrainval_03-May-2010.tar",
             "md5": "da459979d0c395079b5c75ee67908abb", "base_dir": os.path.join("VOCdevkit", "VOC2010")},
    "2009": {"url": _URL + "voc2009/VOCtrainval_11-May-2009.tar", "filename": "VOCtrainval_11-May-2009.tar",
             "md5": "a3e00b113cfcfebf17e343f59da3caa1", "base_dir": os.path.join("VOCdevkit", "VOC2009")},
    # torchvision's entry (the file name is 2012's), kept so downloads land where torchvision puts them
    "2008": {"url": _URL + "voc2008/VOCtrainval_14-Jul-2008.tar", "filename": "VOCtrainval_11-May-2012.tar",
             "md5": "2629fa636546599198acfcfbfcf1904a", "base_dir": os.path.join("VOCdevkit", "VOC2008")},
    "2007": {"url": _URL + "voc2007/VOCtrainval_06-Nov-2007.tar", "filename": "VOCtrainval_06-Nov-2007.tar",
             "md5": "c52e279531787c972589f7e41ab4ae64", "base_dir": os.path.join("VOCdevkit", "VOC2007")},
    "2007-test": {"url": _URL + "voc2007/VOCtest_06-Nov-2007.tar", "filename": "VOCtest_06-Nov-2007.tar",
                  "md5": "b6e924de25625d8de591ea690078ad9f", "base_dir": os.path.join("VOCdevkit", "VOC2007")},
}
del _URL


class _VOCBase(VisionDataset):
    """The image list of one ImageSets/<_SPLITS_DIR>/<image_set>.txt, with each image's target file."""
    _SPLITS_DIR = _TARGET_DIR = _TARGET_FILE_EXT = None

    def __init__(self, root, year="2012", image_set="train", download=False, transform=None, target_transform=None,
                 transforms=None):
        super().__init__(root, transforms, transform, target_transform)
        self.year = verify_str_arg(year, "year", valid_values=[str(y) for y in range(2007, 2013)])
        valid_sets = ["train", "trainval", "val"] + (["test"] if year == "2007" else [])
        self.image_set = verify_str_arg(image_set, "image_set", valid_sets)
        entry = DATASET_YEAR_DICT["2007-test" if year == "2007" and image_set == "test" else year]
        self.url, self.filename, self.md5 = entry["url"], entry["filename"], entry["md5"]
        voc_root = os.path.join(self.root, entry["base_dir"])
        if download:
            download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.md5)
        require([(voc_root + os.sep, None)])
        with open(os.path.join(voc_root, "ImageSets", self._SPLITS_DIR, image_set + ".txt")) as f:
            names = [line.strip() for line in f]
        self.images = [os.path.join(voc_root, "JPEGImages", n + ".jpg") for n in names]
        self.targets = [os.path.join(voc_root, self._TARGET_DIR, n + self._TARGET_FILE_EXT) for n in names]

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        img = Image.open(self.images[index]).convert("RGB")
        target = self._load_target(self.targets[index])
        return self.transforms(img, target) if self.transforms is not None else (img, target)


class VOCSegmentation(_VOCBase):
    """(RGB image, class mask as a palette PNG)."""
    _SPLITS_DIR, _TARGET_DIR, _TARGET_FILE_EXT = "Segmentation", "SegmentationClass", ".png"

    @property
    def masks(self):
        return self.targets

    def _load_target(self, path):
        return Image.open(path)


class VOCDetection(_VOCBase):
    """(RGB image, the annotation XML as nested dicts: {'annotation': {..., 'object': [{...}, ...]}})."""
    _SPLITS_DIR, _TARGET_DIR, _TARGET_FILE_EXT = "Main", "Annotations", ".xml"

    @property
    def annotations(self):
        return self.targets

    def _load_target(self, path):
        return self.parse_voc_xml(_parse_xml(path).getroot())

    @staticmethod
    def parse_voc_xml(node):
        """An XML element as {tag: text} for a leaf, else {tag: {child tag: value or list of values}};
        an annotation's 'object' is always a list."""
        out = {}
        children = list(node)
        if children:
            grouped = collections.defaultdict(list)
            for child in map(VOCDetection.parse_voc_xml, children):
                for tag, value in child.items():
                    grouped[tag].append(value)
            if node.tag == "annotation":
                grouped["object"] = [grouped["object"]]
            out = {node.tag: {tag: v[0] if len(v) == 1 else v for tag, v in grouped.items()}}
        if node.text and not children:
            out[node.tag] = node.text.strip()
        return out
