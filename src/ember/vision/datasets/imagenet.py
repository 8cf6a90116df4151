"""ImageNet 2012 classification from the official archives or their extracted folders
(torchvision.datasets.imagenet): root/{train,val}/<wnid>/*.JPEG and root/meta.bin, built on first use from
ILSVRC2012_img_{train,val}.tar and ILSVRC2012_devkit_t12.tar.gz placed in root (ImageNet cannot be downloaded
without an account)."""
import os
import shutil
import tempfile

import ember
from .folder import ImageFolder
from .utils import check_integrity, extract_archive, verify_str_arg

ARCHIVE_META = {"train": ("ILSVRC2012_img_train.tar", "1d675b47d978889d74fa0da5fadfb00e"),
                "val": ("ILSVRC2012_img_val.tar", "29b22e2961454d5413ddabcf34fc5622"),
                "devkit": ("ILSVRC2012_devkit_t12.tar.gz", "fa75699e90414af021442c21a62c3abf")}
META_FILE = "meta.bin"


class ImageNet(ImageFolder):
    """An ImageFolder over root/<split> whose `classes` are each wnid's names (tuples) and whose
    `class_to_idx` maps every name to its index; `wnids` and `wnid_to_idx` keep the folder names."""

    def __init__(self, root, split="train", **kwargs):
        root = self.root = os.path.expanduser(os.fspath(root))
        self.split = verify_str_arg(split, "split", ("train", "val"))
        self.parse_archives()
        wnid_to_classes = load_meta_file(self.root)[0]
        super().__init__(self.split_folder, **kwargs)
        self.root = root
        self.wnids, self.wnid_to_idx = self.classes, self.class_to_idx
        self.classes = [wnid_to_classes[w] for w in self.wnids]
        self.class_to_idx = {name: i for i, names in enumerate(self.classes) for name in names}

    def parse_archives(self):
        if not check_integrity(os.path.join(self.root, META_FILE)):
            parse_devkit_archive(self.root)
        if not os.path.isdir(self.split_folder):
            (parse_train_archive if self.split == "train" else parse_val_archive)(self.root)

    @property
    def split_folder(self):
        return os.path.join(self.root, self.split)

    def extra_repr(self):
        return f"Split: {self.split}"


def load_meta_file(root, file=None):
    """(wnid -> class names, the validation images' wnids) from root/meta.bin (a PyTorch-format file, so
    torchvision's and Ember's are interchangeable)."""
    path = os.path.join(root, file or META_FILE)
    if not check_integrity(path):
        raise RuntimeError(f"The meta file {path} is not present in the root directory or is corrupted. This file is "
                           f"automatically created by the ImageNet dataset from ILSVRC2012_devkit_t12.tar.gz.")
    return ember.load(path, weights_only=True)


def _verify_archive(root, file, md5):
    if not check_integrity(os.path.join(root, file), md5):
        raise RuntimeError(f"The archive {file} is not present in the root directory or is corrupted. You need to "
                           f"download it externally and place it in {root}.")


def parse_devkit_archive(root, file=None):
    """Write root/meta.bin from the devkit: the leaf synsets' wnids and names, and the validation ground truth."""
    import scipy.io
    file, md5 = file or ARCHIVE_META["devkit"][0], ARCHIVE_META["devkit"][1]
    _verify_archive(root, file, md5)
    tmp = tempfile.mkdtemp()
    try:
        extract_archive(os.path.join(root, file), tmp)
        devkit = os.path.join(tmp, "ILSVRC2012_devkit_t12")
        synsets = scipy.io.loadmat(os.path.join(devkit, "data", "meta.mat"), squeeze_me=True)["synsets"]
        # a synset record: (ILSVRC2012_ID, WNID, words, gloss, num_children, ...); the 1000 classes are the leaves
        leaves = [s for s in synsets if s[4] == 0]
        idx_to_wnid = {s[0]: s[1] for s in leaves}
        wnid_to_classes = {s[1]: tuple(s[2].split(", ")) for s in leaves}
        with open(os.path.join(devkit, "data", "ILSVRC2012_validation_ground_truth.txt")) as f:
            val_wnids = [idx_to_wnid[int(line)] for line in f]
        ember.save((wnid_to_classes, val_wnids), os.path.join(root, META_FILE))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def parse_train_archive(root, file=None, folder="train"):
    """Extract ILSVRC2012_img_train.tar (one tar per class) into root/train/<wnid>/."""
    file, md5 = file or ARCHIVE_META["train"][0], ARCHIVE_META["train"][1]
    _verify_archive(root, file, md5)
    train_root = os.path.join(root, folder)
    extract_archive(os.path.join(root, file), train_root)
    for archive in [os.path.join(train_root, a) for a in os.listdir(train_root)]:
        extract_archive(archive, os.path.splitext(archive)[0], remove_finished=True)


def parse_val_archive(root, file=None, wnids=None, folder="val"):
    """Extract ILSVRC2012_img_val.tar into root/val/ and sort its images into wnid folders (ground truth from meta.bin)."""
    file, md5 = file or ARCHIVE_META["val"][0], ARCHIVE_META["val"][1]
    wnids = load_meta_file(root)[1] if wnids is None else wnids
    _verify_archive(root, file, md5)
    val_root = os.path.join(root, folder)
    extract_archive(os.path.join(root, file), val_root)
    images = sorted(os.path.join(val_root, image) for image in os.listdir(val_root))
    for wnid in set(wnids):
        os.mkdir(os.path.join(val_root, wnid))
    for wnid, image in zip(wnids, images):
        shutil.move(image, os.path.join(val_root, wnid, os.path.basename(image)))
