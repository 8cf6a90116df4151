"""CIFAR-10 and CIFAR-100 from python batches built in tmp_path: extracted, inside the .tar.gz,
refusing hostile pickles, and download=True against a stand-in for the network."""
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import datasets, transforms
from ember.vision.datasets import utils as dutils
from tests.vision.conftest import make_cifar, CIFAR10_CLASSES


@pytest.mark.parametrize("kind", ["cifar10", "cifar100"])
@pytest.mark.parametrize("archive", [False, True])
@pytest.mark.parametrize("protocol", [2, 5])
def test_reads_batches(tmp_path, kind, archive, protocol):
    written = make_cifar(tmp_path, kind, archive=archive, protocol=protocol)
    cls = datasets.CIFAR10 if kind == "cifar10" else datasets.CIFAR100
    train, test = cls(str(tmp_path), train=True), cls(str(tmp_path), train=False)
    train_names = [n for n in written if n not in ("test_batch", "test")]
    want = np.concatenate([written[n][0] for n in train_names])
    assert isinstance(train.data, np.ndarray) and train.data.dtype == np.uint8
    assert train.data.shape == (len(want), 32, 32, 3) and np.array_equal(train.data, want)
    assert train.targets == [y for n in train_names for y in written[n][1]] and isinstance(train.targets, list)
    test_name = "test_batch" if kind == "cifar10" else "test"
    assert np.array_equal(test.data, written[test_name][0]) and test.targets == written[test_name][1]
    assert len(train) == len(want) and len(test) == 8
    if kind == "cifar10":
        assert train.classes == CIFAR10_CLASSES and train.class_to_idx["cat"] == 3
    else:
        assert len(train.classes) == 100 and train.class_to_idx["class42"] == 42
    img, target = train[5]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (32, 32)
    assert np.array_equal(np.array(img), want[5]) and target == train.targets[5] and type(target) is int


def test_transform_and_repr(tmp_path):
    written = make_cifar(tmp_path)
    ds = datasets.CIFAR10(str(tmp_path), train=False, transform=transforms.Compose([transforms.ToTensor()]))
    x, y = ds[0]
    assert x.shape == ember.Size([3, 32, 32]) and x.dtype == ember.float32
    assert np.allclose(x.numpy(), written["test_batch"][0][0].transpose(2, 0, 1) / 255.0)
    assert repr(ds) == (f"Dataset CIFAR10\n    Number of datapoints: 8\n    Root location: {tmp_path}\n"
                        "    Split: Test\n    StandardTransform\nTransform: Compose(\n               ToTensor()\n"
                        "           )")


def test_missing_dataset(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use download=True") as info:
        datasets.CIFAR10(str(tmp_path))
    assert "cifar-10-python.tar.gz" in str(info.value) and "data_batch_1" in str(info.value)


class Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


@pytest.mark.parametrize("payload", ["exploit", "garbage", "wrong_shape"])
def test_hostile_or_broken_batches_are_refused(tmp_path, payload, monkeypatch):
    make_cifar(tmp_path)
    monkeypatch.chdir(tmp_path)
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    if payload == "exploit":
        batch.write_bytes(pickle.dumps({"data": Exploit(), "labels": []}))
    elif payload == "garbage":
        batch.write_bytes(b"\x80\x04not a pickle")
    else:
        batch.write_bytes(pickle.dumps({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}))
    with pytest.raises(RuntimeError) as info:
        datasets.CIFAR10(str(tmp_path))
    assert "data_batch_3" in str(info.value)
    assert not (tmp_path / "pwned").exists()


# ---------------------------------------------------------------------- download=True, with the network stubbed
def _archive_bytes(tmp_path):
    make_cifar(tmp_path / "src", archive=True)
    return (tmp_path / "src" / "cifar-10-python.tar.gz").read_bytes()


def _entries(root):
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_download_offline(tmp_path, served):
    root = tmp_path / "data"
    with pytest.raises(RuntimeError) as info:
        datasets.CIFAR10(str(root), download=True)
    msg = str(info.value)
    assert datasets.CIFAR10.url in msg and "Temporary failure in name resolution" in msg
    assert f"put the official file cifar-10-python.tar.gz (MD5 c58f30108f718f92721af3b95e74349a) at {root}" in msg
    assert _entries(root) == []  # no partial download, no half-extracted folder


def test_download_extracts_atomically_and_only_once(tmp_path, served, monkeypatch):
    data = _archive_bytes(tmp_path)
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5(data).hexdigest())
    served.files[datasets.CIFAR10.url] = data
    root = tmp_path / "data"
    ds = datasets.CIFAR10(str(root), download=True)
    assert len(ds) == 40 and _entries(root) == ["cifar-10-batches-py", "cifar-10-python.tar.gz"]
    served.requests.clear()
    datasets.CIFAR10(str(root), train=False, download=True)
    assert served.requests == []


def test_local_corrupt_archive_offline(tmp_path, served):
    root = tmp_path / "data"
    root.mkdir()
    (root / "cifar-10-python.tar.gz").write_bytes(b"half a download")
    with pytest.raises(RuntimeError) as info:
        datasets.CIFAR10(str(root), download=True)
    msg = str(info.value)
    assert f"{root / 'cifar-10-python.tar.gz'} is corrupt (MD5 mismatch)" in msg
    assert "put the official file cifar-10-python.tar.gz (MD5 c58f30108f718f92721af3b95e74349a)" in msg
    assert _entries(root) == ["cifar-10-python.tar.gz"]
    # without download=True the archive is read as it is, and found wanting
    with pytest.raises(RuntimeError, match="cannot be read"):
        datasets.CIFAR10(str(root))


def test_corrupt_download_is_not_kept(tmp_path, served):
    served.files[datasets.CIFAR10.url] = b"<html>rate limited</html>"
    root = tmp_path / "data"
    with pytest.raises(RuntimeError, match="is corrupt: its MD5 .* is not the expected c58f30108f718f92721af3b95e74349a"):
        datasets.CIFAR10(str(root), download=True)
    assert _entries(root) == []


def test_truncated_archive_with_right_checksum_leaves_no_half_extracted_folder(tmp_path, served, monkeypatch):
    data = _archive_bytes(tmp_path)[:3000]
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5(data).hexdigest())
    served.files[datasets.CIFAR10.url] = data
    root = tmp_path / "data"
    with pytest.raises(RuntimeError, match="Could not extract .*cifar-10-python.tar.gz"):
        datasets.CIFAR10(str(root), download=True)
    assert _entries(root) == ["cifar-10-python.tar.gz"]


def test_extract_archive_refuses_paths_outside(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(RuntimeError):
        dutils.extract_archive(str(evil), str(tmp_path / "out"))
    assert not (tmp_path / "escaped.txt").exists() and _entries(tmp_path / "out") == []


def test_integrity_helpers(tmp_path):
    f = tmp_path / "x.bin"
    f.write_bytes(b"ember")
    md5 = hashlib.md5(b"ember").hexdigest()
    assert dutils.calculate_md5(str(f)) == md5 and dutils.check_integrity(str(f), md5)
    assert not dutils.check_integrity(str(f), "0" * 32) and dutils.check_integrity(str(f))
    assert not dutils.check_integrity(str(tmp_path / "absent"))
