"""ImageFolder / DatasetFolder over class folders built in tmp_path, and FakeData."""
import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import datasets, transforms
from tests.vision.conftest import rgb_array


@pytest.fixture
def tree(tmp_path):
    """root/<class>/... with images in several formats, a nested folder, and files to ignore."""
    root = tmp_path / "root"
    files = {"dog/b.png": rgb_array(5, 6, 1), "dog/a.jpg": None, "cat/x/deep.bmp": rgb_array(4, 4, 2),
             "cat/z.PNG": rgb_array(3, 7, 3), "bird/gray.png": rgb_array(6, 6, 4)[..., 0]}
    for rel, arr in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if arr is None:  # JPEG is lossy: keep what was written
            Image.fromarray(rgb_array(8, 8, 5)).save(path)
        else:
            Image.fromarray(arr).save(path)
    (root / "dog" / "notes.txt").write_text("not an image")
    (root / "README").write_text("a file at the top is not a class")
    return root


def test_image_folder(tree):
    ds = datasets.ImageFolder(str(tree))
    assert ds.classes == ["bird", "cat", "dog"] and ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    rel = [(str(p).replace(str(tree) + "/", ""), t) for p, t in ds.samples]
    # sorted(os.walk(...)), as torchvision: a folder's own files come before its sub-folders' files
    assert rel == [("bird/gray.png", 0), ("cat/z.PNG", 1), ("cat/x/deep.bmp", 1), ("dog/a.jpg", 2), ("dog/b.png", 2)]
    assert ds.targets == [0, 1, 1, 2, 2] and ds.imgs == ds.samples and len(ds) == 5
    img, target = ds[0]
    assert img.mode == "RGB" and target == 0  # greyscale files are converted to RGB
    assert np.array_equal(np.array(img)[..., 1], rgb_array(6, 6, 4)[..., 0])
    img, _ = ds[4]
    assert np.array_equal(np.array(img), rgb_array(5, 6, 1))
    x, y = datasets.ImageFolder(str(tree), transform=transforms.ToTensor(), target_transform=str)[1]
    assert x.shape == ember.Size([3, 3, 7]) and y == "1"
    assert repr(ds).startswith(f"Dataset ImageFolder\n    Number of datapoints: 5\n    Root location: {tree}")


def test_dataset_folder_with_custom_loader(tmp_path):
    for cls, values in (("neg", [-1.0, -2.0]), ("pos", [3.0])):
        (tmp_path / cls).mkdir()
        for i, v in enumerate(values):
            np.save(tmp_path / cls / f"{i}.npy", np.full(3, v))
    ds = datasets.DatasetFolder(str(tmp_path), loader=np.load, extensions=(".npy",))
    assert [(x.tolist(), y) for x, y in (ds[i] for i in range(len(ds)))] == [
        ([-1.0] * 3, 0), ([-2.0] * 3, 0), ([3.0] * 3, 1)]
    only_first = datasets.DatasetFolder(str(tmp_path), loader=np.load, is_valid_file=lambda p: p.endswith("0.npy"))
    assert len(only_first) == 2


def test_folder_errors(tmp_path, tree):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(str(tmp_path / "root" / "bird"))
    (tree / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty. Supported extensions are: "
                                                ".jpg, .jpeg, .png"):
        datasets.ImageFolder(str(tree))
    assert len(datasets.ImageFolder(str(tree), allow_empty=True).classes) == 4
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        datasets.DatasetFolder(str(tree), loader=np.load)


def test_fake_data():
    ds = datasets.FakeData(size=6, image_size=(3, 10, 12), num_classes=4, transform=transforms.ToTensor())
    ember.manual_seed(0)
    before = ember.rand(3)
    ember.manual_seed(0)
    a, ya = ds[2]
    assert ember.equal(ember.rand(3), before)  # the global stream is left where it was
    b, yb = ds[2]
    c, _ = ds[3]
    assert ember.equal(a, b) and ya == yb and not ember.equal(a, c)
    assert a.shape == ember.Size([3, 10, 12]) and type(ya) is int and 0 <= ya < 4 and len(ds) == 6
    assert datasets.FakeData(2, (1, 5, 5))[0][0].mode == "L"
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[6]
    offset = datasets.FakeData(size=6, image_size=(3, 10, 12), num_classes=4, transform=transforms.ToTensor(),
                               random_offset=1)
    assert ember.equal(offset[2][0], c)
    assert repr(datasets.FakeData(3)) == "Dataset FakeData\n    Number of datapoints: 3"
