"""MNIST and Fashion-MNIST, read from the official IDX files (torchvision.datasets.mnist)."""
import gzip
import os
import warnings

import numpy as np
from PIL import Image

import ember
from .utils import download_and_extract_archive
from .vision import VisionDataset

# IDX type codes (the third byte of the magic number) -> big-endian NumPy dtypes
_IDX_TYPES = {8: ">u1", 9: ">i1", 11: ">i2", 12: ">i4", 13: ">f4", 14: ">f8"}


def read_idx(path):
    """An IDX file (raw, or gzip-compressed when `path` ends in .gz) as a NumPy array."""
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
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
        """The file for `name` (without .gz) in the raw folder, uncompressed or gzipped; None if neither."""
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _missing(self):
        return [f for f, _ in self.resources if self._raw_path(os.path.splitext(f)[0]) is None]

    def _load_data(self):
        split = "train" if self.train else "t10k"
        data = read_image_file(self._raw_path(f"{split}-images-idx3-ubyte"))
        targets = read_label_file(self._raw_path(f"{split}-labels-idx1-ubyte"))
        if len(data) != len(targets):
            raise RuntimeError(f"{self.raw_folder}: {len(data)} {split} images but {len(targets)} labels")
        return data, targets

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
