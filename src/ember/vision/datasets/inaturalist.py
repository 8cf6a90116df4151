"""iNaturalist 2017-2021 (torchvision.datasets.inaturalist): root/<version>/<category folder>/*.jpg, the 2021
folders named <id>_<kingdom>_<phylum>_<class>_<order>_<family>_<genus>_<species>, the earlier ones
<super category>/<category>."""
import os

from PIL import Image

from .utils import download_and_extract_archive, verify_str_arg
from .vision import VisionDataset

CATEGORIES_2021 = ["kingdom", "phylum", "class", "order", "family", "genus"]
_S3 = "https://ml-inat-competition-datasets.s3.amazonaws.com/"
DATASET_URLS = {"2017": _S3 + "2017/train_val_images.tar.gz", "2018": _S3 + "2018/train_val2018.tar.gz",
                "2019": _S3 + "2019/train_val2019.tar.gz", "2021_train": _S3 + "2021/train.tar.gz",
                "2021_train_mini": _S3 + "2021/train_mini.tar.gz", "2021_valid": _S3 + "2021/val.tar.gz"}
DATASET_MD5 = {"2017": "7c784ea5e424efaec655bd392f87301f", "2018": "b1c6952ce38f31868cc50ea72d066cc3",
               "2019": "c60a6e2962c9b8ccbd458d12c8582644", "2021_train": "e0526d53c7f7b2e3167b2b43bb2690ed",
               "2021_train_mini": "db6ed8330e634445efc8fec83ae81442", "2021_valid": "f6f6e0e242e3d4c9569ba56400938afc"}
del _S3


class INaturalist(VisionDataset):
    """(image, target) where `target_type` is 'full' (the category index) or a taxonomic level (2021:
    kingdom ... genus; earlier: 'super'), a tuple for several."""

    def __init__(self, root, version="2021_train", target_type="full", transform=None, target_transform=None,
                 download=False, loader=None):
        self.version = verify_str_arg(version, "version", DATASET_URLS.keys())
        super().__init__(os.path.join(root, version), transform=transform, target_transform=target_transform)
        os.makedirs(root, exist_ok=True)
        if download:
            self.download()
        if not (os.path.exists(self.root) and os.listdir(self.root)):
            raise RuntimeError(f"Dataset not found or corrupted. You can use download=True to download it "
                               f"(missing or empty: {self.root})")
        self.all_categories, self.categories_index, self.categories_map = [], {}, []
        target_type = target_type if isinstance(target_type, list) else [target_type]
        if version.startswith("2021"):
            self.target_type = [verify_str_arg(t, "target_type", ("full", *CATEGORIES_2021)) for t in target_type]
            self._init_2021()
        else:
            self.target_type = [verify_str_arg(t, "target_type", ("full", "super")) for t in target_type]
            self._init_pre2021()
        self.index = [(i, name) for i, folder in enumerate(self.all_categories)
                      for name in os.listdir(os.path.join(self.root, folder))]
        self.loader = loader

    def _init_2021(self):
        self.all_categories = sorted(os.listdir(self.root))
        self.categories_index = {k: {} for k in CATEGORIES_2021}
        for i, folder in enumerate(self.all_categories):
            pieces = folder.split("_")
            if len(pieces) != 8:
                raise RuntimeError(f"Unexpected category name {folder}, wrong number of pieces")
            if pieces[0] != f"{i:05d}":
                raise RuntimeError(f"Unexpected category id {pieces[0]}, expecting {i:05d}")
            # each level's names are numbered in order of first appearance
            self.categories_map.append({level: self.categories_index[level].setdefault(name, len(self.categories_index[level]))
                                        for level, name in zip(CATEGORIES_2021, pieces[1:7])})

    def _init_pre2021(self):
        self.categories_index = {"super": {}}
        counter = 0
        for s, super_cat in enumerate(sorted(os.listdir(self.root))):
            self.categories_index["super"][super_cat] = s
            for sub in sorted(os.listdir(os.path.join(self.root, super_cat))):
                if self.version == "2017":  # 2017 numbers categories in listing order, later versions by folder name
                    i, counter = counter, counter + 1
                else:
                    try:
                        i = int(sub)
                    except ValueError:
                        raise RuntimeError(f"Unexpected non-numeric dir name: {sub}") from None
                if i >= len(self.categories_map):
                    grow = i - len(self.categories_map) + 1
                    self.categories_map.extend([{}] * grow)
                    self.all_categories.extend([""] * grow)
                if self.categories_map[i]:
                    raise RuntimeError(f"Duplicate category {sub}")
                self.categories_map[i] = {"super": s}
                self.all_categories[i] = os.path.join(super_cat, sub)
        for i, c in enumerate(self.categories_map):
            if not c:
                raise RuntimeError(f"Missing category {i}")

    def __getitem__(self, index):
        cat, name = self.index[index]
        path = os.path.join(self.root, self.all_categories[cat], name)
        img = self.loader(path) if self.loader is not None else Image.open(path)
        target = [cat if t == "full" else self.categories_map[cat][t] for t in self.target_type]
        return self._apply_transforms(img, tuple(target) if len(target) > 1 else target[0])

    def __len__(self):
        return len(self.index)

    def category_name(self, category_type, category_id):
        """The name of category `category_id` at level `category_type` ('full' gives its folder)."""
        if category_type == "full":
            return self.all_categories[category_id]
        if category_type not in self.categories_index:
            raise ValueError(f"Invalid category type '{category_type}'")
        for name, i in self.categories_index[category_type].items():
            if i == category_id:
                return name
        raise ValueError(f"Invalid category id {category_id} for {category_type}")

    def download(self):
        if os.path.exists(self.root) and os.listdir(self.root):
            return
        base = os.path.dirname(self.root)
        download_and_extract_archive(DATASET_URLS[self.version], base, filename=f"{self.version}.tgz",
                                     md5=DATASET_MD5[self.version])
        # torchvision strips the characters of ".tar.gz" from the archive's name to find the folder
        extracted = os.path.join(base, os.path.basename(DATASET_URLS[self.version]).rstrip(".tar.gz"))
        if not os.path.exists(extracted):
            raise RuntimeError(f"Unable to find downloaded files at {extracted}")
        os.rename(extracted, self.root)
