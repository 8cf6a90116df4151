"""CIFAR-10 and CIFAR-100, read from the official "python version" batches
(torchvision.datasets.cifar)."""
import io
import os
import pickle
import tarfile

import numpy as np
from PIL import Image

from .utils import download_and_extract_archive
from .vision import VisionDataset


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles CIFAR batches, which are pickled dicts of NumPy arrays, and refuses anything
    else: a batch file cannot run code."""
    _ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("multiarray", "_reconstruct"), ("multiarray", "scalar"),
                ("numeric", "_frombuffer"), ("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor"),
                ("__builtin__", "object"), ("builtins", "object"), ("_codecs", "encode")}

    def find_class(self, module, name):
        key = (module.rsplit(".", 1)[-1] if module.startswith("numpy.") else module, name)
        if key not in self._ALLOWED:
            raise pickle.UnpicklingError(f"a CIFAR batch may only hold NumPy arrays, not {module}.{name}")
        if module.startswith("numpy.core.") and hasattr(np, "_core"):  # NumPy 2 renamed numpy.core to numpy._core
            module = "numpy._core." + module[len("numpy.core."):]
        return super().find_class(module, name)


def _load_batch(f, where):
    try:
        return _BatchUnpickler(f, encoding="latin1").load()
    except Exception as e:
        raise RuntimeError(f"{where} is not a readable CIFAR batch ({type(e).__name__}: {e}); delete it and "
                           f"download the dataset again") from None


class CIFAR10(VisionDataset):
    """CIFAR-10 from root/cifar-10-batches-py/ (or, before extraction, root/cifar-10-python.tar.gz).

    `.data` is a uint8 NumPy array (N, 32, 32, 3), `.targets` a list of ints; a sample is
    (PIL RGB image passed through `transform`, int label)."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        names = [name for name, _ in (self.train_list if train else self.test_list)]
        batches = self._read(names + [self.meta["filename"]])
        meta = batches.pop()
        for name, b in zip(names, batches):
            shape = getattr(b.get("data") if isinstance(b, dict) else None, "shape", None)
            if shape is None or len(shape) != 2 or shape[1] != 3 * 32 * 32:
                raise RuntimeError(f"{name} in {self.root} is not a CIFAR batch: expected a dict whose 'data' is an "
                                   f"(N, 3072) uint8 array, got {shape}")
        self.data = np.vstack([b["data"] for b in batches]).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))  # HWC
        self.targets = [int(y) for b in batches for y in (b["labels"] if "labels" in b else b["fine_labels"])]
        self.classes = list(meta[self.meta["key"]])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _folder_complete(self):
        names = [n for n, _ in self.train_list + self.test_list] + [self.meta["filename"]]
        return all(os.path.isfile(os.path.join(self.root, self.base_folder, n)) for n in names)

    def _read(self, names):
        """The named batch files, from the extracted folder or else straight from the archive."""
        folder = os.path.join(self.root, self.base_folder)
        if self._folder_complete():
            out = []
            for n in names:
                with open(os.path.join(folder, n), "rb") as f:
                    out.append(_load_batch(f, os.path.join(folder, n)))
            return out
        archive = os.path.join(self.root, self.filename)
        if os.path.isfile(archive):
            wanted = {f"{self.base_folder}/{n}": None for n in names}
            try:
                with tarfile.open(archive) as tar:
                    for member in tar:  # one pass: a .tar.gz cannot seek back cheaply
                        if member.name in wanted:
                            wanted[member.name] = tar.extractfile(member).read()
            except (tarfile.TarError, OSError, EOFError) as e:
                raise RuntimeError(f"Dataset not found or corrupted: {archive} cannot be read ({e}). Delete it and "
                                   f"use download=True, or put the official {self.filename} (MD5 {self.tgz_md5}) "
                                   f"there") from None
            lost = [k for k, v in wanted.items() if v is None]
            if lost:
                raise RuntimeError(f"Dataset not found or corrupted: {archive} lacks {', '.join(lost)}. Delete it and "
                                   f"use download=True, or put the official {self.filename} there")
            return [_load_batch(io.BytesIO(v), f"{archive}:{k}") for k, v in wanted.items()]
        absent = [n for n in names if not os.path.isfile(os.path.join(folder, n))]
        raise RuntimeError(f"Dataset not found or corrupted. You can use download=True to download it (or put the "
                           f"official {self.filename} in {self.root}, or its contents in {folder}; missing: "
                           f"{', '.join(absent)})")

    def download(self):
        """Fetch the archive (MD5-checked) and extract it, unless the batches are already there."""
        if self._folder_complete():
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)

    def __getitem__(self, index):
        img = Image.fromarray(self.data[index])
        return self._apply_transforms(img, self.targets[index])

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (fine labels) from root/cifar-100-python/ or root/cifar-100-python.tar.gz."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
