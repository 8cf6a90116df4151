"""wrap_dataset_for_transforms_v2 against torchvision's on the same fake dataset layouts (the builders of
tests/vision/datasets/test_parity.py): the wrapped class, every wrapped sample (tv_tensor types, box format and
canvas, values), target_keys, the errors of what is unsupported, transforms after wrapping, pickling."""
import json
import pickle
import sys
import types

import numpy as np
import pytest
import torch

import ember
from ember.vision import datasets as E
from ember.vision.transforms import v2 as ev2
from tests.vision.datasets.test_parity import BUILDERS, T, image_file, same

from torchvision import tv_tensors as ttv  # noqa: E402
from torchvision.transforms import v2 as tv2  # noqa: E402


def tensor_leaves(x):
    """The tensors in a nested sample, dict entries in key order."""
    if isinstance(x, dict):
        return [leaf for k in sorted(x, key=str) for leaf in tensor_leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in tensor_leaves(v)]
    return [x] if isinstance(x, (ember.Tensor, torch.Tensor)) else []


def same_wrapped(e, t, where="sample"):
    """`same` (structure, types, values), and tv_tensors of the same kind with the same box format and canvas."""
    same(e, t, where)
    for a, b in zip(tensor_leaves(e), tensor_leaves(t), strict=True):
        assert type(a).__name__ == type(b).__name__, (where, type(a), type(b))
        if isinstance(b, ttv.BoundingBoxes):
            assert a.format.name == b.format.name and tuple(a.canvas_size) == tuple(b.canvas_size), where


# ------------------------------------------------------------------------------ COCO through a stand-in pycocotools
COCO_IMAGES = [{"id": 9, "file_name": "b.jpg"}, {"id": 3, "file_name": "a.jpg"}, {"id": 5, "file_name": "c.jpg"}]
COCO_ANNS = [
    {"id": 1, "image_id": 9, "bbox": [1, 2, 3, 4], "category_id": 18, "area": 12.0, "iscrowd": 0,
     "segmentation": [[1, 2, 4, 2, 4, 6], [0, 0, 1, 1, 0, 1]]},
    {"id": 7, "image_id": 3, "bbox": [0.5, 0, 2, 2.5], "category_id": 1, "area": 5.0, "iscrowd": 1,
     "segmentation": {"size": [10, 12], "counts": [3, 4, 5]}},
    {"id": 2, "image_id": 9, "bbox": [2, 2, 1, 1], "category_id": 1, "area": 1.0, "iscrowd": 1,
     "segmentation": {"size": [10, 12], "counts": "abcdefg"}}]


class FakeCOCO:
    """The few pycocotools.coco.COCO lookups torchvision's CocoDetection makes (pycocotools is not installed)."""

    def __init__(self, ann_file):
        with open(ann_file) as f:
            data = json.load(f)
        self.imgs = {img["id"]: img for img in data["images"]}
        self.anns = data["annotations"]

    def getAnnIds(self, img_id):
        return [i for i, ann in enumerate(self.anns) if ann["image_id"] == img_id]

    def loadAnns(self, ids):
        return [self.anns[i] for i in ids]

    def loadImgs(self, img_id):
        return [self.imgs[img_id]]


def fake_rle(obj, h, w):
    if isinstance(obj, list):
        return [{"size": [h, w], "poly": p} for p in obj]
    return {"size": [h, w], "counts": "enc" + "".join(map(str, obj["counts"]))}


def fake_decode(rle):
    """A mask that depends on every polygon vertex and RLE string, so any plumbing difference shows."""
    m = np.zeros(rle["size"], np.uint8)
    for p in rle.get("polys", []):
        m[int(min(p[1::2])):int(max(p[1::2])) + 1, int(min(p[0::2])):int(max(p[0::2])) + 1] = 1
    m.flat[:len(rle.get("counts", ""))] = 1
    return m


@pytest.fixture
def coco_root(tmp_path, monkeypatch):
    for img in COCO_IMAGES:
        image_file(str(tmp_path / "imgs" / img["file_name"]), size=(12, 10))
    (tmp_path / "ann.json").write_text(json.dumps({"images": COCO_IMAGES, "annotations": COCO_ANNS}))
    package = types.ModuleType("pycocotools")
    package.coco = types.SimpleNamespace(COCO=FakeCOCO)
    package.mask = types.SimpleNamespace(frPyObjects=fake_rle, decode=fake_decode,
                                         merge=lambda rles: {"size": rles[0]["size"],
                                                             "polys": [r["poly"] for r in rles]})
    for name in ("coco", "mask"):
        monkeypatch.setitem(sys.modules, f"pycocotools.{name}", getattr(package, name))
    monkeypatch.setitem(sys.modules, "pycocotools", package)
    return tmp_path


def coco_pair(root, **kwargs):
    return (E.CocoDetection(str(root / "imgs"), str(root / "ann.json"), **kwargs.get("em", {})),
            T.CocoDetection(str(root / "imgs"), str(root / "ann.json"), **kwargs.get("tv", {})))


def assert_wrapped_alike(em, tv, target_keys):
    ew, tw = E.wrap_dataset_for_transforms_v2(em, target_keys), T.wrap_dataset_for_transforms_v2(tv, target_keys)
    assert type(ew).__name__ == type(tw).__name__ == f"Wrapped{type(tv).__name__}"
    assert type(ew).__mro__[1].__name__ == "VisionDatasetTVTensorWrapper" and isinstance(ew, type(em))
    assert len(ew) == len(tw) > 0
    try:
        expected = repr(tw)
    except KeyError:  # torchvision's extra_repr of some datasets reads __dict__, which the wrapper lacks
        expected = None
    assert expected is None or repr(ew) == expected
    for i in range(len(tw)):
        same_wrapped(ew[i], tw[i], f"[{i}]")
    return ew, tw


@pytest.mark.parametrize("target_keys", [None, "all", ["masks", "area", "bbox"], ("iscrowd", "segmentation", "labels")])
def test_coco_detection(coco_root, target_keys):
    assert_wrapped_alike(*coco_pair(coco_root), target_keys)


def test_coco_masks_without_pycocotools_fail_alike(coco_root, monkeypatch):
    em, tv = coco_pair(coco_root)
    ew, tw = E.wrap_dataset_for_transforms_v2(em, ["masks"]), T.wrap_dataset_for_transforms_v2(tv, ["masks"])
    for name in ("pycocotools", "pycocotools.mask"):
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError) as tv_err:
        tw[2]
    with pytest.raises(tv_err.type) as em_err:
        ew[2]
    assert str(em_err.value) == str(tv_err.value)
    same_wrapped(ew[1], tw[1])  # an image without annotations needs no masks


def test_v2_pipeline_moves_coco_boxes(coco_root):
    """The dataset's own transforms run after the wrapping, so a v2 flip and resize move the boxes too."""
    em, tv = coco_pair(coco_root, em={"transforms": ev2.Compose([ev2.ToImage(), ev2.RandomHorizontalFlip(p=1),
                                                                  ev2.Resize((7, 15))])},
                       tv={"transforms": tv2.Compose([tv2.ToImage(), tv2.RandomHorizontalFlip(p=1),
                                                      tv2.Resize((7, 15))])})
    ew, tw = E.wrap_dataset_for_transforms_v2(em), T.wrap_dataset_for_transforms_v2(tv)
    for i in range(len(tw)):
        (image, target), (tv_image, tv_target) = ew[i], tw[i]
        same_wrapped(target, tv_target, f"[{i}]")
        assert type(image).__name__ == type(tv_image).__name__ == "Image"
        # torch's uint8 resize kernel rounds differently in the last bit
        np.testing.assert_allclose(image.numpy().astype(int), tv_image.numpy().astype(int), atol=1)
    target = ew[0][1]
    assert tuple(target["boxes"].canvas_size) == (7, 15) and target["boxes"].format.name == "XYXY"
    # the box [0.5, 0, 2, 2.5] (XYWH) on a 10x12 canvas: x 0.5..2.5 flips to 9.5..11.5, then x * 15/12, y * 7/10
    np.testing.assert_allclose(target["boxes"].numpy()[0], [9.5 * 1.25, 0, 11.5 * 1.25, 2.5 * 0.7], rtol=1e-6)


def test_separate_transforms_apply_after_wrapping(coco_root):
    em, tv = coco_pair(coco_root, em={"transform": ev2.ToImage(), "target_transform": sorted},
                       tv={"transform": tv2.ToImage(), "target_transform": sorted})
    ew, tw = assert_wrapped_alike(em, tv, "all")
    assert ew[0][1] == tw[0][1] == sorted(tw._wrapper(0, tw._dataset[0])[1])
    assert em.transform is None and ew.transform is not None  # switched off on the dataset, kept on the wrapper


def test_pickles_with_its_transforms(coco_root):
    em, tv = coco_pair(coco_root, em={"transforms": ev2.Compose([ev2.ToImage(), ev2.RandomHorizontalFlip(p=1)])},
                       tv={"transforms": tv2.Compose([tv2.ToImage(), tv2.RandomHorizontalFlip(p=1)])})
    keys = ["boxes", "area"]
    ew, tw = E.wrap_dataset_for_transforms_v2(em, keys), T.wrap_dataset_for_transforms_v2(tv, keys)
    back = pickle.loads(pickle.dumps(ew))
    assert type(back).__name__ == "WrappedCocoDetection" and back._target_keys == ["boxes", "area"]
    assert back.transforms is not None and back._dataset.transforms is None and len(back) == len(ew)
    for i in range(len(ew)):
        same_wrapped(back[i], tw[i])


def test_attributes_pass_through(coco_root):
    em, _ = coco_pair(coco_root)
    ew = E.wrap_dataset_for_transforms_v2(em)
    assert ew.ids == em.ids == [3, 5, 9] and ew.root == em.root and ew._load_target(9) == em._load_target(9)
    with pytest.raises(AttributeError):
        ew.no_such_attribute


# ------------------------------------------------------------------------------ the other datasets, on their layouts
CASES = [("gtsrb-0", {}, None), ("caltech256-0", {}, None), ("caltech101-0", {"target_type": "category"}, None),
         ("voc_detection-0", {}, None), ("voc_detection-0", {}, "all"),
         ("voc_detection-1", {"year": "2007", "image_set": "test"}, ["annotation", "labels"]),
         ("voc_segmentation-0", {}, None), ("sbd-0", {"mode": "segmentation"}, None),
         ("celeba-0", {"target_type": "bbox"}, None), ("celeba-0", {"target_type": ["identity", "bbox"]}, None),
         ("celeba-0", {"target_type": []}, None),
         ("kitti-0", {}, None), ("kitti-0", {}, "all"), ("kitti-0", {}, ["type", "alpha", "boxes"]),
         ("kitti-1", {"train": False}, None),
         ("oxford_pet-1", {"split": "test", "target_types": ["category", "segmentation"]}, None),
         ("oxford_pet-1", {"target_types": "segmentation"}, None), ("oxford_pet-1", {"target_types": []}, None),
         ("widerface-0", {}, None), ("widerface-0", {"split": "val"}, ["bbox", "blur"]),
         ("widerface-0", {"split": "test"}, None),
         ("cityscapes-0", {"target_type": ["instance", "semantic"]}, None),
         ("cityscapes-0", {"split": "val", "target_type": "instance"}, None)]


@pytest.mark.parametrize("case,kwargs,target_keys", CASES, ids=[f"{c}-{k}-{t}" for c, k, t in CASES])
def test_wrapped_samples_match_torchvision(case, kwargs, target_keys, tmp_path, monkeypatch):
    name = BUILDERS[case][0](tmp_path, monkeypatch)
    assert_wrapped_alike(getattr(E, name)(str(tmp_path), **kwargs), getattr(T, name)(str(tmp_path), **kwargs),
                         target_keys)


class Custom(E.VisionDataset):
    pass


class TvCustom(T.VisionDataset):
    pass


ERRORS = [("caltech101-0", {"target_type": ["category", "annotation"]}, None),
          ("celeba-0", {"target_type": ["bbox", "attr"]}, None),
          ("cityscapes-0", {"target_type": ["semantic", "polygon"]}, None),
          ("sbd-0", {"mode": "boundaries"}, None),
          ("gtsrb-0", {}, "all"), ("voc_segmentation-0", {}, ["boxes"]),
          ("voc_detection-0", {}, ["boxes", "masks", "area"]), ("kitti-0", {}, ["bbox", "nope"]),
          ("voc_detection-0", {}, 3), ("voc_detection-0", {}, ["boxes", 1]),
          ("flowers102-0", {}, None), ("lfw_people-0", {}, None)]


@pytest.mark.parametrize("case,kwargs,target_keys", ERRORS, ids=[f"{c}-{k}-{t}" for c, k, t in ERRORS])
def test_unsupported_fails_alike(case, kwargs, target_keys, tmp_path, monkeypatch):
    name = BUILDERS[case][0](tmp_path, monkeypatch)
    with pytest.raises(Exception) as tv_err:
        T.wrap_dataset_for_transforms_v2(getattr(T, name)(str(tmp_path), **kwargs), target_keys)
    with pytest.raises(tv_err.type) as em_err:
        E.wrap_dataset_for_transforms_v2(getattr(E, name)(str(tmp_path), **kwargs), target_keys)
    assert str(em_err.value) == str(tv_err.value)


@pytest.mark.parametrize("make", [lambda lib: [1, 2], lambda lib: (Custom if lib is E else TvCustom)("root")])
def test_non_datasets_fail_alike(make):
    with pytest.raises(TypeError) as tv_err:
        T.wrap_dataset_for_transforms_v2(make(T))
    with pytest.raises(TypeError) as em_err:
        E.wrap_dataset_for_transforms_v2(make(E))
    assert str(em_err.value) == str(tv_err.value).replace("TvCustom", "Custom")


def test_dataloader_spawn_worker_gets_the_wrapped_samples(tmp_path, monkeypatch):
    """A spawned worker receives the wrapper by pickling; its samples are the wrapped ones, transforms included."""
    name = BUILDERS["voc_detection-0"][0](tmp_path, monkeypatch)
    em = E.wrap_dataset_for_transforms_v2(getattr(E, name)(str(tmp_path), transforms=ev2.RandomHorizontalFlip(p=1)))
    tw = T.wrap_dataset_for_transforms_v2(getattr(T, name)(str(tmp_path), transforms=tv2.RandomHorizontalFlip(p=1)))
    loader = ember.utils.data.DataLoader(em, batch_size=2, num_workers=1, collate_fn=list,
                                         multiprocessing_context="spawn")
    same_wrapped(next(iter(loader)), [tw[0], tw[1]])


def test_cityscapes_instance_ids_from_1000_carry_their_class(tmp_path, monkeypatch):
    """Instance ids of 1000 and above hold the class id times 1000 plus the instance number (a 32-bit map, stored
    as TIFF under the .png name: Pillow reads it by content)."""
    from PIL import Image
    BUILDERS["cityscapes-0"][0](tmp_path, monkeypatch)
    ids = np.array([[7, 7, 26001, 26001, 26002], [7, 24000, 24000, 0, 0]] * 2, dtype=np.int32)
    for city in ("aachen", "bonn"):
        path = tmp_path / "gtFine" / "train" / city / f"{city}_000000_000019_gtFine_instanceIds.png"
        Image.fromarray(ids).save(path, format="TIFF")
    em, tv = (lib.Cityscapes(str(tmp_path), target_type="instance") for lib in (E, T))
    _, tw = assert_wrapped_alike(em, tv, None)
    assert tw[0][1]["labels"].tolist() == [0, 7, 24, 26, 26]
