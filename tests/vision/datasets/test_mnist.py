"""MNIST and FashionMNIST read from IDX files built in tmp_path (raw and gzipped), the shipped
mnist-5k sample, and download=True against a stand-in for the network."""
import gzip
import hashlib
import os

import numpy as np
import pytest
from PIL import Image

import ember
from ember.utils.data import DataLoader
from ember.vision import datasets, transforms
from tests.vision.conftest import make_mnist, write_idx

MNIST_5K = "/work/shared/data/mnist-5k"


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("train", [True, False])
def test_reads_idx_files(tmp_path, gz, train):
    arrays = make_mnist(tmp_path, gz=gz)
    ds = datasets.MNIST(str(tmp_path), train=train)
    split = "train" if train else "t10k"
    images, labels = arrays[f"{split}-images-idx3-ubyte"], arrays[f"{split}-labels-idx1-ubyte"]
    assert isinstance(ds.data, ember.Tensor) and ds.data.dtype == ember.uint8 and ds.data.shape == images.shape
    assert np.array_equal(ds.data.numpy(), images)
    assert isinstance(ds.targets, ember.Tensor) and ds.targets.dtype == ember.int64
    assert ds.targets.tolist() == labels.tolist() and len(ds) == len(labels)
    img, target = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert np.array_equal(np.array(img), images[3]) and type(target) is int and target == labels[3]


def test_transforms_and_attributes(tmp_path):
    arrays = make_mnist(tmp_path)
    ds = datasets.MNIST(tmp_path, transform=transforms.ToTensor(), target_transform=lambda y: y + 100)
    x, y = ds[0]
    assert x.shape == ember.Size([1, 28, 28]) and x.dtype == ember.float32
    assert np.allclose(x.numpy()[0], arrays["train-images-idx3-ubyte"][0] / 255.0)
    assert y == arrays["train-labels-idx1-ubyte"][0] + 100
    assert ds.classes[3] == "3 - three" and ds.class_to_idx["9 - nine"] == 9 and len(ds.classes) == 10
    assert ds.raw_folder == os.path.join(str(tmp_path), "MNIST", "raw")
    with pytest.warns(UserWarning, match="train_labels has been renamed targets"):
        assert ds.train_labels is ds.targets


def test_repr_as_torchvision(tmp_path):
    make_mnist(tmp_path)
    ds = datasets.MNIST(str(tmp_path), train=False,
                        transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]))
    assert repr(ds) == (f"Dataset MNIST\n    Number of datapoints: 10\n    Root location: {tmp_path}\n    Split: Test\n"
                        "    StandardTransform\nTransform: Compose(\n               ToTensor()\n"
                        "               Normalize(mean=(0.5,), std=(0.5,))\n           )")
    assert repr(datasets.MNIST(str(tmp_path))) == (f"Dataset MNIST\n    Number of datapoints: 30\n"
                                                   f"    Root location: {tmp_path}\n    Split: Train")


def test_fashion_mnist(tmp_path):
    arrays = make_mnist(tmp_path, name="FashionMNIST", gz=False)
    ds = datasets.FashionMNIST(str(tmp_path), train=True)
    assert np.array_equal(ds.data.numpy(), arrays["train-images-idx3-ubyte"])
    assert ds.classes[0] == "T-shirt/top" and ds.classes[9] == "Ankle boot"
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.MNIST(str(tmp_path))  # MNIST looks in root/MNIST/raw


def test_shipped_mnist_sample():
    train = datasets.MNIST(MNIST_5K, train=True, transform=transforms.ToTensor())
    test = datasets.MNIST(MNIST_5K, train=False)
    assert (len(train), len(test)) == (4000, 1000)
    assert np.bincount(train.targets.numpy()).tolist() == [400] * 10
    assert np.bincount(test.targets.numpy()).tolist() == [100] * 10
    # the seed's loader: batches of [64, 1, 28, 28] float32 images and int64 labels
    x, y = next(iter(DataLoader(train, batch_size=64)))
    assert x.shape == ember.Size([64, 1, 28, 28]) and x.dtype == ember.float32 and y.dtype == ember.int64
    assert 0.0 <= x.min().item() and x.max().item() <= 1.0 and 0.05 < x.mean().item() < 0.25


def test_missing_files_say_which(tmp_path):
    make_mnist(tmp_path)
    os.remove(tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True to download it") as info:
        datasets.MNIST(str(tmp_path))
    assert "t10k-labels-idx1-ubyte.gz" in str(info.value) and str(tmp_path / "MNIST" / "raw") in str(info.value)


@pytest.mark.parametrize("damage", ["truncated_gz", "not_idx", "short_body", "labels_as_images"])
def test_corrupt_files_raise_runtime_error_naming_them(tmp_path, damage):
    make_mnist(tmp_path)
    raw = tmp_path / "MNIST" / "raw"
    target = raw / "train-images-idx3-ubyte.gz"
    if damage == "truncated_gz":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "not_idx":
        with gzip.open(target, "wb") as f:
            f.write(b"<html>404</html>")
    elif damage == "short_body":
        write_idx(target, np.zeros((30, 28, 28), np.uint8))
        data = gzip.decompress(target.read_bytes())[:-5]
        target.write_bytes(gzip.compress(data))
    else:
        write_idx(target, np.zeros(30, np.uint8))
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(str(tmp_path))
    assert str(target) in str(info.value)


# ---------------------------------------------------------------------- download=True, with the network stubbed
def _official_gz(tmp_path):
    """The four MNIST files as gzipped IDX bytes, built in a scratch folder."""
    make_mnist(tmp_path / "src")
    return {f: (tmp_path / "src" / "MNIST" / "raw" / f).read_bytes() for f, _ in datasets.MNIST.resources}


def _leftovers(folder):
    return [p for p in folder.rglob("*") if ".part" in p.name or ".extracting" in p.name] if folder.exists() else []


def test_download_offline_names_each_file_and_where_to_put_it(tmp_path, served):
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(str(tmp_path / "data"), download=True)
    msg = str(info.value)
    raw = tmp_path / "data" / "MNIST" / "raw"
    assert "train-images-idx3-ubyte.gz" in msg and "f68b3c2dcbeaaa9fbdd348bbdeb94873" in msg and str(raw) in msg
    assert "Temporary failure in name resolution" in msg
    assert served.requests == [m + "train-images-idx3-ubyte.gz" for m in datasets.MNIST.mirrors]
    assert list(raw.iterdir()) == []  # nothing half-written


def test_download_fetches_checks_and_extracts(tmp_path, served, monkeypatch):
    files = _official_gz(tmp_path)
    monkeypatch.setattr(datasets.MNIST, "resources",
                        [(f, hashlib.md5(b).hexdigest()) for f, b in files.items()])
    for f, b in files.items():  # only the second mirror answers
        served.files[datasets.MNIST.mirrors[1] + f] = b
    root = tmp_path / "data"
    ds = datasets.MNIST(str(root), download=True)
    assert len(ds) == 30
    raw = root / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(list(files) + [f[:-3] for f in files])
    assert _leftovers(root) == []
    served.requests.clear()
    datasets.MNIST(str(root), download=True, train=False)
    assert served.requests == []  # already there: nothing fetched


def test_download_with_wrong_checksum_keeps_nothing(tmp_path, served):
    for f, _ in datasets.MNIST.resources:
        for m in datasets.MNIST.mirrors:
            served.files[m + f] = b"not the real file"
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(str(tmp_path), download=True)
    assert "MD5" in str(info.value) and "train-images-idx3-ubyte.gz" in str(info.value)
    assert list((tmp_path / "MNIST" / "raw").iterdir()) == []
