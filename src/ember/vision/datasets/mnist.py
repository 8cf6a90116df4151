"""MNIST and its family (Fashion-MNIST, KMNIST, EMNIST, QMNIST), read from the official IDX files
(torchvision.datasets.mnist)."""
import gzip
import lzma
import os
import shutil
import string
import warnings

import numpy as np
from PIL import Image

import ember
from .utils import download_and_extract_archive, extract_archive, verify_str_arg
from .vision import VisionDataset

# IDX type codes (the third byte of the magic number) -> big-endian NumPy dtypes
_IDX_TYPES = {8: ">u1", 9: ">i1", 11: ">i2", 12: ">i4", 13: ">f4", 14: ">f8"}


def read_idx(path):
    """An IDX file (raw, or compressed when `path` ends in .gz or .xz) as a NumPy array."""
    try:
        opener = {".gz": gzip.open, ".xz": lzma.open}.get(os.path.splitext(path)[1], open)
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, lzma.LZMAError) as e:
        raise RuntimeError(f"{path} is corrupt or truncated ({e}); delete it and download it again") from None
    magic = int.from_bytes(data[:4], "big")
    code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
    if len(data) < 4 + 4 * ndim or magic >> 16 or code not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (magic number {magic:#010x})")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[code])
    body = data[4 + 4 * ndim:]
    if len(body) != dtype.itemsize * int(np.prod(shape)):
        raise RuntimeError(f"{path} is truncated: its header announces shape {shape} ({dtype.itemsize * np.prod(shape)} "
                           f"bytes of data) but it holds {len(body)} bytes")
    return np.frombuffer(body, dtype).astype(dtype.newbyteorder("="), copy=False).reshape(shape)


def read_label_file(path):
    x = read_idx(path)
    if x.dtype != np.uint8 or x.ndim != 1:
        raise RuntimeError(f"{path} does not hold labels: expected a 1-d uint8 IDX array, got {x.dtype} {x.shape}")
    return ember.from_numpy(x.astype(np.int64))


def read_image_file(path):
    x = read_idx(path)
    if x.dtype != np.uint8 or x.ndim != 3:
        raise RuntimeError(f"{path} does not hold images: expected a 3-d uint8 IDX array, got {x.dtype} {x.shape}")
    return ember.from_numpy(x.copy())  # frombuffer is read-only; tensors are writable


def _uncompressed(name):
    return name[:-3] if name.endswith((".gz", ".xz")) else name


class MNIST(VisionDataset):
    """The MNIST digits from root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].

    `.data` is a uint8 tensor (N, 28, 28), `.targets` an int64 tensor; a sample is
    (PIL image in mode 'L' passed through `transform`, int label)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        missing = self._missing()
        if missing:
            raise RuntimeError(f"Dataset not found. You can use download=True to download it (or put the official "
                               f"files in {self.raw_folder}; missing: {', '.join(missing)})")
        self.data, self.targets = self._load_data()
        if len(self.data) != len(self.targets):
            raise RuntimeError(f"{self.raw_folder}: {len(self.data)} images but {len(self.targets)} labels")

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def processed_folder(self):
        return os.path.join(self.root, type(self).__name__, "processed")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _raw_path(self, name):
        """The file for `name` (without .gz/.xz) in the raw folder, uncompressed or compressed; None if none."""
        for candidate in (name, name + ".gz", name + ".xz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _raw_files(self):
        """The IDX files this dataset reads, as published (maybe compressed); each must be in the raw folder,
        compressed or not."""
        return [f for f, _ in self.resources]

    def _missing(self):
        return [f for f in self._raw_files() if self._raw_path(_uncompressed(f)) is None]

    def _split_files(self):
        """The (images, labels) IDX files of the chosen split, without compression suffix."""
        split = "train" if self.train else "t10k"
        return f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"

    @property
    def images_file(self):
        return self._raw_path(self._split_files()[0])

    @property
    def labels_file(self):
        return self._raw_path(self._split_files()[1])

    def _load_data(self):
        return read_image_file(self.images_file), read_label_file(self.labels_file)

    def download(self):
        """Fetch the missing files from the mirrors (MD5-checked) and decompress them."""
        missing = self._missing()
        if not missing:
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if filename not in missing:
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    download_and_extract_archive(mirror + filename, self.raw_folder, filename=filename, md5=md5)
                    break
                except RuntimeError as e:
                    errors.append(str(e))
            else:
                raise RuntimeError(f"Error downloading {filename} from every mirror:\n  " + "\n  ".join(errors) +
                                   f"\nWithout network access, put the official {filename} (MD5 {md5}) in "
                                   f"{self.raw_folder}")

    def __getitem__(self, index):
        img = Image.fromarray(self.data.numpy()[index], mode="L")
        return self._apply_transforms(img, int(self.targets[index]))

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"

    def _renamed(old, new):
        def get(self):
            warnings.warn(f"{old} has been renamed {new}")
            return getattr(self, new)
        return property(get)

    # the names of torchvision's early releases
    train_labels = _renamed("train_labels", "targets")
    test_labels = _renamed("test_labels", "targets")
    train_data = _renamed("train_data", "data")
    test_data = _renamed("test_data", "data")
    del _renamed


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format and layout (root/FashionMNIST/raw/), ten clothing classes."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: ten classes of cursive Japanese characters, MNIST's format (root/KMNIST/raw/)."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST (handwritten letters and digits) in one of its six splits, from
    root/EMNIST/raw/emnist-<split>-{train,test}-{images-idx3,labels-idx1}-ubyte (the official gzip.zip's files)."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _merged = set("cijklmopsuvwxyz")  # letters whose upper and lower case share a class when merged
    classes_split_dict = {
        "byclass": sorted(string.digits + string.ascii_letters),
        "bymerge": sorted(set(string.digits + string.ascii_letters) - _merged),
        "balanced": sorted(set(string.digits + string.ascii_letters) - _merged),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split, **kwargs):
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file, self.test_file = f"training_{split}.pt", f"test_{split}.pt"
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @property
    def _file_prefix(self):
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    def _split_files(self):
        return f"{self._file_prefix}-images-idx3-ubyte", f"{self._file_prefix}-labels-idx1-ubyte"

    def _raw_files(self):
        return list(self._split_files())

    def download(self):
        """Fetch gzip.zip (MD5-checked) and decompress its IDX files into the raw folder."""
        if not self._missing():
            return
        download_and_extract_archive(self.url, self.raw_folder, md5=self.md5)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, name), self.raw_folder)
        shutil.rmtree(gzip_folder)


class QMNIST(MNIST):
    """QMNIST, MNIST rebuilt from NIST with each digit's full record: `what` is 'train', 'test', 'test10k',
    'test50k' or 'nist'. Targets are (N, 8) int64 rows; with compat=True a sample's target is the class alone."""

    subsets = {"train": "train", "test": "test", "test10k": "test", "test50k": "test", "nist": "nist"}
    _base = "https://raw.githubusercontent.com/facebookresearch/qmnist/master/"
    resources = {
        "train": [(_base + "qmnist-train-images-idx3-ubyte.gz", "ed72d4157d28c017586c42bc6afe6370"),
                  (_base + "qmnist-train-labels-idx2-int.gz", "0058f8dd561b90ffdd0f734c6a30e5e4")],
        "test": [(_base + "qmnist-test-images-idx3-ubyte.gz", "1394631089c404de565df7b7aeaf9412"),
                 (_base + "qmnist-test-labels-idx2-int.gz", "5b5b05890a5e13444e108efe57b788aa")],
        "nist": [(_base + "xnist-images-idx3-ubyte.xz", "7f124b3b8ab81486c9d8c2749c17f834"),
                 (_base + "xnist-labels-idx2-int.xz", "5ed0e788978e45d4a8bd4b7caec3d79d")],
    }
    del _base
    classes = MNIST.classes

    def __init__(self, root, what=None, compat=True, train=True, **kwargs):
        if what is None:
            what = "train" if train else "test"
        self.what = verify_str_arg(what, "what", tuple(self.subsets))
        self.compat = compat
        self.data_file = self.training_file = self.test_file = what + ".pt"
        super().__init__(root, train, **kwargs)

    def _raw_files(self):
        return [os.path.basename(url) for url, _ in self.resources[self.subsets[self.what]]]

    def _split_files(self):
        return tuple(_uncompressed(f) for f in self._raw_files())

    def _load_data(self):
        data, targets = read_idx(self.images_file), read_idx(self.labels_file)
        if data.dtype != np.uint8 or data.ndim != 3 or targets.ndim != 2:
            raise RuntimeError(f"{self.raw_folder}: expected (N, H, W) uint8 images and (N, 8) labels, got "
                               f"{data.dtype} {data.shape} and {targets.dtype} {targets.shape}")
        part = {"test10k": slice(0, 10000), "test50k": slice(10000, None)}.get(self.what, slice(None))
        return ember.from_numpy(data[part].copy()), ember.from_numpy(targets[part].astype(np.int64))

    def download(self):
        """Fetch only the files of the chosen subset (MD5-checked) and decompress them."""
        if not self._missing():
            return
        for url, md5 in self.resources[self.subsets[self.what]]:
            download_and_extract_archive(url, self.raw_folder, md5=md5)

    def __getitem__(self, index):
        img = Image.fromarray(self.data.numpy()[index], mode="L")
        target = self.targets[index]
        return self._apply_transforms(img, int(target[0]) if self.compat else target)

    def extra_repr(self):
        return f"Split: {self.what}"
