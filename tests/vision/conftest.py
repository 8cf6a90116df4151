"""Shared helpers for the ember.vision tests."""
import sys
import types

import numpy as np
import torch
from PIL import Image

import ember

# torchvision's C++ ops (built against CUDA) cannot load beside the CPU torch; the pure-Python parts the
# tests compare with (models, transforms, presets) need none of them
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))


def rgb_array(h=13, w=17, seed=0, channels=3):
    """A random uint8 image (H, W, C)."""
    return np.random.default_rng(seed).integers(0, 256, (h, w, channels)).astype(np.uint8)


def pil_rgb(h=13, w=17, seed=0):
    return Image.fromarray(rgb_array(h, w, seed), mode="RGB")


def both(arr):
    """The same array as an Ember tensor and a torch tensor."""
    arr = np.ascontiguousarray(arr)
    return ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy())


def assert_close(e, t, atol=0.0, rtol=0.0):
    """Ember tensor `e` equals torch tensor `t`: dtype, shape and values (within atol/rtol)."""
    assert isinstance(e, ember.Tensor), type(e)
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    np.testing.assert_allclose(e.numpy().astype(np.float64), t.numpy().astype(np.float64), atol=atol, rtol=rtol)


# ---------------------------------------------------------------------- small datasets in the official formats
def write_idx(path, array, gz=None):
    """Write `array` as an IDX file (gzip-compressed if the path ends in .gz): magic 0 0 <type> <ndim>,
    big-endian dimensions, big-endian data."""
    import gzip
    codes = {np.dtype(np.uint8): 8, np.dtype(np.int8): 9, np.dtype(">i2"): 11, np.dtype(">i4"): 12,
             np.dtype(">f4"): 13, np.dtype(">f8"): 14}
    big = array.astype(array.dtype.newbyteorder(">")) if array.dtype.itemsize > 1 else array
    header = bytes([0, 0, codes[big.dtype], array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    payload = header + big.tobytes()
    with (gzip.open if str(path).endswith(".gz") else open)(path, "wb") as f:
        f.write(payload)


def make_mnist(root, name="MNIST", n_train=30, n_test=10, gz=True, seed=0):
    """root/<name>/raw/ with the four IDX files; returns the arrays written."""
    rng = np.random.default_rng(seed)
    raw = root / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8),
              "train-labels-idx1-ubyte": rng.integers(0, 10, n_train).astype(np.uint8),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test).astype(np.uint8)}
    for fname, arr in arrays.items():
        write_idx(raw / (fname + (".gz" if gz else "")), arr)
    return arrays


CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def make_cifar(root, kind="cifar10", per_batch=8, seed=0, archive=False, protocol=2):
    """CIFAR's python batches (pickled dicts of (N, 3072) channel-planar uint8 rows) under
    root/cifar-10-batches-py/ (or cifar-100-python/), or packed as the official .tar.gz.
    Returns {batch name: (images (N, 32, 32, 3), labels)}."""
    import pickle
    import tarfile
    rng = np.random.default_rng(seed)
    if kind == "cifar10":
        folder, names, key, meta = "cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"], \
            "labels", ("batches.meta", {"label_names": CIFAR10_CLASSES, "num_cases_per_batch": per_batch})
    else:
        folder, names, key, meta = "cifar-100-python", ["train", "test"], "fine_labels", \
            ("meta", {"fine_label_names": [f"class{i}" for i in range(100)],
                      "coarse_label_names": [f"super{i}" for i in range(20)]})
    out = {}
    base = root / folder
    base.mkdir(parents=True, exist_ok=True)
    for name in names:
        imgs = rng.integers(0, 256, (per_batch, 32, 32, 3)).astype(np.uint8)
        labels = rng.integers(0, 10 if kind == "cifar10" else 100, per_batch).tolist()
        entry = {"batch_label": name, key: labels, "data": imgs.transpose(0, 3, 1, 2).reshape(per_batch, 3072),
                 "filenames": [f"img{i}.png" for i in range(per_batch)]}
        if kind != "cifar10":
            entry["coarse_labels"] = [y // 5 for y in labels]
        with open(base / name, "wb") as f:
            pickle.dump(entry, f, protocol=protocol)
        out[name] = (imgs, labels)
    with open(base / meta[0], "wb") as f:
        pickle.dump(meta[1], f, protocol=protocol)
    if archive:
        import shutil
        tgz = root / ("cifar-10-python.tar.gz" if kind == "cifar10" else "cifar-100-python.tar.gz")
        with tarfile.open(tgz, "w:gz") as tar:
            tar.add(base, arcname=folder)
        shutil.rmtree(base)
    return out
