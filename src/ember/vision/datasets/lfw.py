"""Labeled Faces in the Wild (torchvision.datasets.lfw): root/lfw-py/{lfw*, people*.txt, pairs*.txt, lfw-names.txt}."""
import os

from ._labelled import require
from .folder import default_loader
from .utils import verify_str_arg
from .vision import VisionDataset


class _LFW(VisionDataset):
    """One alignment's image folder (`image_set` 'original', 'funneled' or 'deepfunneled') and the list file
    of a `view` ('people' or 'pairs') and `split` ('10fold', 'train', 'test')."""

    base_folder = "lfw-py"
    download_url_prefix = "http://vis-www.cs.umass.edu/lfw/"
    file_dict = {"original": ("lfw", "lfw.tgz", "a17d05bd522c52d84eca14327a23d494"),
                 "funneled": ("lfw_funneled", "lfw-funneled.tgz", "1b42dfed7d15c9b2dd63d5e5840c86ad"),
                 "deepfunneled": ("lfw-deepfunneled", "lfw-deepfunneled.tgz", "68331da3eb755a505a502b5aacb3c201")}
    checksums = {"pairs.txt": "9f1ba174e4e1c508ff7cdf10ac338a7d", "pairsDevTest.txt": "5132f7440eb68cf58910c8a45a2ac10b",
                 "pairsDevTrain.txt": "4f27cbf15b2da4a85c1907eb4181ad21", "people.txt": "450f0863dd89e85e73936a6d71a3474b",
                 "peopleDevTest.txt": "e4bf5be0a43b5dcd9dc5ccfcb8fb19c5",
                 "peopleDevTrain.txt": "54eaac34beb6d042ed3a7d883e247a21",
                 "lfw-names.txt": "a6d0a479bd074669f656265a6e693f6d"}
    annot_file = {"10fold": "", "train": "DevTrain", "test": "DevTest"}
    names = "lfw-names.txt"

    def __init__(self, root, split, image_set, view, transform=None, target_transform=None, download=False,
                 loader=default_loader):
        super().__init__(os.path.join(root, self.base_folder), transform=transform, target_transform=target_transform)
        self.image_set = verify_str_arg(image_set.lower(), "image_set", self.file_dict.keys())
        images_dir, self.filename, self.md5 = self.file_dict[self.image_set]
        self.view = verify_str_arg(view.lower(), "view", ["people", "pairs"])
        self.split = verify_str_arg(split.lower(), "split", ["10fold", "train", "test"])
        self.labels_file = f"{self.view}{self.annot_file[self.split]}.txt"
        self.data = []
        if download:
            raise ValueError("LFW dataset is no longer available for automatic download.Please download the dataset "
                             "manually and place it in the specified directory.A commonly used mirror is available at: "
                             "https://www.kaggle.com/datasets/jessicali9530/lfw-dataset")
        files = [(os.path.join(self.root, self.filename), self.md5),
                 (os.path.join(self.root, self.labels_file), self.checksums[self.labels_file])]
        if self.view == "people":
            files.append((os.path.join(self.root, self.names), self.checksums[self.names]))
        require(files, hint=f"Put the official files in {self.root}")
        self.images_dir = os.path.join(self.root, images_dir)
        self._loader = loader

    def _get_path(self, identity, no):
        return os.path.join(self.images_dir, identity, f"{identity}_{int(no):04d}.jpg")

    def _lines(self):
        with open(os.path.join(self.root, self.labels_file)) as f:
            return f.readlines()

    def extra_repr(self):
        return f"Alignment: {self.image_set}\nSplit: {self.split}"

    def __len__(self):
        return len(self.data)


class LFWPeople(_LFW):
    """(face image, identity index); identities from lfw-names.txt."""

    def __init__(self, root, split="10fold", image_set="funneled", transform=None, target_transform=None,
                 download=False, loader=default_loader):
        super().__init__(root, split, image_set, "people", transform, target_transform, download, loader=loader)
        with open(os.path.join(self.root, self.names)) as f:
            self.class_to_idx = {line.split()[0]: i for i, line in enumerate(f)}
        self.data, self.targets = [], []
        lines = self._lines()
        # a list is "<count>" then count "<name>\t<images>" lines; the 10-fold file starts with the fold count
        folds, at = (int(lines[0]), 1) if self.split == "10fold" else (1, 0)
        for _ in range(folds):
            n = int(lines[at])
            for identity, count in (line.strip().split("\t") for line in lines[at + 1:at + n + 1]):
                for no in range(1, int(count) + 1):
                    self.data.append(self._get_path(identity, no))
                    self.targets.append(self.class_to_idx[identity])
            at += n + 1

    def __getitem__(self, index):
        return self._apply_transforms(self._loader(self.data[index]), self.targets[index])

    def extra_repr(self):
        return super().extra_repr() + f"\nClasses (identities): {len(self.class_to_idx)}"


class LFWPairs(_LFW):
    """(face image, face image, 1 if the same person else 0)."""

    def __init__(self, root, split="10fold", image_set="funneled", transform=None, target_transform=None,
                 download=False, loader=default_loader):
        super().__init__(root, split, image_set, "pairs", transform, target_transform, download, loader=loader)
        self.pair_names, self.data, self.targets = [], [], []
        lines = self._lines()
        if self.split == "10fold":
            folds, n = (int(v) for v in lines[0].split("\t"))
        else:
            folds, n = 1, int(lines[0])
        at = 1
        for _ in range(folds):  # each fold: n matched "<name>\t<a>\t<b>", then n mismatched "<n1>\t<a>\t<n2>\t<b>"
            for p in (line.strip().split("\t") for line in lines[at:at + n]):
                self.pair_names.append((p[0], p[0]))
                self.data.append((self._get_path(p[0], p[1]), self._get_path(p[0], p[2])))
                self.targets.append(1)
            for p in (line.strip().split("\t") for line in lines[at + n:at + 2 * n]):
                self.pair_names.append((p[0], p[2]))
                self.data.append((self._get_path(p[0], p[1]), self._get_path(p[2], p[3])))
                self.targets.append(0)
            at += 2 * n

    def __getitem__(self, index):
        img1, img2 = (self._loader(p) for p in self.data[index])
        if self.transform is not None:
            img1, img2 = self.transform(img1), self.transform(img2)
        target = self.targets[index]
        return img1, img2, target if self.target_transform is None else self.target_transform(target)
