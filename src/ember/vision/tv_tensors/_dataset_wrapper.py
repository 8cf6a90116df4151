"""wrap_dataset_for_transforms_v2 (torchvision.datasets.wrap_dataset_for_transforms_v2): a dataset whose
samples carry their boxes and masks as tv_tensors, so that transforms.v2 moves them along with the image."""
import collections
import collections.abc
import copy
import functools

import numpy as np

import ember
from ._bounding_boxes import BoundingBoxes, BoundingBoxFormat
from ._mask import Mask

__all__ = ["wrap_dataset_for_transforms_v2"]


def wrap_dataset_for_transforms_v2(dataset, target_keys=None):
    """`dataset` (a VisionDataset instance) as an object of a new class `Wrapped<Name>` deriving from its own, whose
    samples hold tv_tensors: detection targets become dicts of BoundingBoxes (XYXY) and label tensors, segmentation
    targets Mask; classification datasets pass through. `target_keys` picks the keys of dict targets (None: the
    dataset's default, "all", or a collection of names; CocoDetection, VOCDetection, Kitti and WIDERFace only).
    The dataset's own transforms run after the wrapping."""
    if not (target_keys is None or target_keys == "all" or (
            isinstance(target_keys, collections.abc.Collection) and all(isinstance(k, str) for k in target_keys))):
        raise ValueError(f"`target_keys` can be None, 'all', or a collection of strings denoting the keys to be "
                         f"returned, but got {target_keys}")
    # deriving from the dataset's class keeps isinstance checks true; __init__ below never rebuilds the dataset
    cls = type(f"Wrapped{type(dataset).__name__}", (VisionDatasetTVTensorWrapper, type(dataset)), {})
    return cls(dataset, target_keys)


class VisionDatasetTVTensorWrapper:
    """The wrapping half of every `Wrapped<Name>` class: holds the dataset (with its transforms switched off, so
    the raw sample can be wrapped first), and hands every other attribute through to it."""

    def __init__(self, dataset, target_keys):
        from ..datasets.vision import VisionDataset
        if not isinstance(dataset, VisionDataset):
            raise TypeError(
                f"This wrapper is meant for subclasses of `torchvision.datasets.VisionDataset`, but got a "
                f"'{type(dataset).__name__}' instead.\nFor an example of how to perform the wrapping for custom "
                "datasets, see\n\nhttps://pytorch.org/vision/main/auto_examples/plot_tv_tensors.html"
                "#do-i-have-to-wrap-the-output-of-the-datasets-myself")
        self._dataset = dataset
        self._target_keys = target_keys
        self._wrapper = _factory_for(type(dataset), target_keys)(dataset, target_keys)
        # datasets apply transform/target_transform or the joint transforms themselves: take all three away
        self.transform, dataset.transform = dataset.transform, None
        self.target_transform, dataset.target_transform = dataset.target_transform, None
        self.transforms, dataset.transforms = dataset.transforms, None

    def __getattr__(self, name):
        if name == "_dataset":  # not set yet (a half-built copy): no endless lookup
            raise AttributeError(name)
        return getattr(self._dataset, name)

    def __getitem__(self, idx):
        sample = self._wrapper(idx, self._dataset[idx])
        return sample if self.transforms is None else self.transforms(*sample)

    def __len__(self):
        return len(self._dataset)

    def __reduce__(self):
        # pickled (DataLoader workers) as the call that wraps a copy of the dataset with its transforms back on
        dataset = copy.copy(self._dataset)
        dataset.transform, dataset.target_transform = self.transform, self.target_transform
        dataset.transforms = self.transforms
        return wrap_dataset_for_transforms_v2, (dataset, self._target_keys)


# ------------------------------------------------------------------------------ choosing the per-dataset wrapper
_TARGET_KEYS_DATASETS = ("CocoDetection", "VOCDetection", "Kitti", "WIDERFace")


def _factory_for(dataset_cls, target_keys):
    from .. import datasets
    factories = _factories()
    for cls in dataset_cls.__mro__:
        if cls in factories:
            if target_keys is not None and cls not in {getattr(datasets, n) for n in _TARGET_KEYS_DATASETS}:
                raise ValueError(f"`target_keys` is currently only supported for `CocoDetection`, `VOCDetection`, "
                                 f"`Kitti`, and `WIDERFace`, but got {cls.__name__}.")
            return factories[cls]
        if cls is datasets.VisionDataset:
            break
    msg = f"No wrapper exists for dataset class {dataset_cls.__name__}. Please wrap the output yourself."
    if dataset_cls in vars(datasets).values():
        msg += (" If an automated wrapper for this dataset would be useful for you, please open an issue at "
                "https://github.com/pytorch/vision/issues.")
    raise TypeError(msg)


@functools.cache
def _factories():
    # built on first use: the datasets package imports this module, so it cannot be imported at the top
    from .. import datasets as D
    table = {cls: _identity for cls in (D.Caltech256, D.CIFAR10, D.CIFAR100, D.ImageNet, D.MNIST, D.FashionMNIST,
                                        D.GTSRB, D.DatasetFolder, D.ImageFolder, D.Imagenette, D.CocoCaptions)}
    table.update({D.VOCSegmentation: _segmentation, D.Caltech101: _caltech101, D.CocoDetection: _coco_detection,
                  D.VOCDetection: _voc_detection, D.SBDataset: _sbd, D.CelebA: _celeba, D.Kitti: _kitti,
                  D.OxfordIIITPet: _oxford_iiit_pet, D.Cityscapes: _cityscapes, D.WIDERFace: _widerface})
    return table


# ------------------------------------------------------------------------------ helpers of the wrappers
def _unsupported(what):
    raise RuntimeError(f"{what} is currently not supported by this wrapper. If this would be helpful for you, "
                       "please open an issue at https://github.com/pytorch/vision/issues.")


def _select_keys(target_keys, *, available, default):
    """The set of keys to return: `default` for None, all of `available` for "all", else the given ones."""
    keys = default if target_keys is None else target_keys
    if keys == "all":
        return set(available)
    keys = set(keys)
    if keys - available:
        raise ValueError(f"Target keys {sorted(keys - available)} are not available")
    return keys


def _by_key(records):
    """A list of dicts as one dict of lists (keys in order of first appearance)."""
    out = collections.defaultdict(list)
    for record in records:
        for key, value in record.items():
            out[key].append(value)
    return dict(out)


def _by_type(target, target_types, wrap):
    """Each part of a multi-type target wrapped by wrap[its type] (if any); one part comes back unpacked."""
    parts = target if isinstance(target, (tuple, list)) else [target]
    out = tuple(wrap.get(t, lambda x: x)(part) for t, part in zip(target_types, parts))
    return out[0] if len(out) == 1 else out


def _xywh_boxes_as_xyxy(boxes, canvas_size):
    from ..transforms.v2 import functional as F
    return F.convert_bounding_box_format(BoundingBoxes(boxes, format=BoundingBoxFormat.XYWH, canvas_size=canvas_size),
                                         new_format=BoundingBoxFormat.XYXY)


def _hw(image):
    return (image.height, image.width)


# ------------------------------------------------------------------------------ the wrappers (factory(dataset, keys))
def _identity(dataset, target_keys):
    return lambda idx, sample: sample


def _segmentation(dataset, target_keys):
    return lambda idx, sample: (sample[0], Mask(sample[1]))


def _caltech101(dataset, target_keys):
    if "annotation" in dataset.target_type:
        _unsupported("Caltech101 dataset with `target_type=['annotation', ...]`")
    return _identity(dataset, target_keys)


def _sbd(dataset, target_keys):
    if dataset.mode == "boundaries":
        _unsupported("SBDataset with mode='boundaries'")
    return _segmentation(dataset, target_keys)


def _coco_detection(dataset, target_keys):
    keys = _select_keys(target_keys, default={"image_id", "boxes", "labels"},
                        available={"segmentation", "area", "iscrowd", "image_id", "bbox", "category_id",
                                   "boxes", "masks", "labels"})

    def wrapper(idx, sample):
        image, anns = sample
        image_id = dataset.ids[idx]
        if not anns:
            return image, {"image_id": image_id}
        from ..transforms.v2 import functional as F
        canvas_size = tuple(F.get_size(image))
        columns = _by_key(anns)
        target = {}
        if "image_id" in keys:
            target["image_id"] = image_id
        if "boxes" in keys:
            target["boxes"] = _xywh_boxes_as_xyxy(columns["bbox"], canvas_size)
        if "masks" in keys:
            target["masks"] = Mask(ember.stack([_coco_mask(s, canvas_size) for s in columns["segmentation"]]))
        if "labels" in keys:
            target["labels"] = ember.tensor(columns["category_id"])
        for key in keys - {"image_id", "boxes", "masks", "labels"}:
            target[key] = columns[key]
        return image, target
    return wrapper


def _coco_mask(segmentation, canvas_size):
    """One annotation's segmentation (polygons, or RLE counted or encoded) as an (H, W) uint8 mask, by pycocotools."""
    from pycocotools import mask as coco_mask  # an optional dependency, as in torchvision
    if isinstance(segmentation, dict):
        if not isinstance(segmentation["counts"], str):  # uncompressed RLE; a string is already encoded
            segmentation = coco_mask.frPyObjects(segmentation, *canvas_size)
    elif isinstance(segmentation, list):
        segmentation = coco_mask.merge(coco_mask.frPyObjects(segmentation, *canvas_size))
    else:
        raise ValueError(f"COCO segmentation expected to be a dict or a list, got {type(segmentation)}")
    return ember.from_numpy(np.asarray(coco_mask.decode(segmentation)))


# the index of a class name in the label tensors: VOC counts from a background class at 0
_VOC_CLASSES = ("__background__", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair",
                "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train",
                "tvmonitor")
_KITTI_CLASSES = ("Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc", "DontCare")


def _voc_detection(dataset, target_keys):
    keys = _select_keys(target_keys, available={"annotation", "boxes", "labels"}, default={"boxes", "labels"})

    def wrapper(idx, sample):
        image, target = sample
        objects = _by_key(target["annotation"]["object"])
        if "annotation" not in keys:
            target = {}
        if "boxes" in keys:
            corners = [[int(box[c]) for c in ("xmin", "ymin", "xmax", "ymax")] for box in objects["bndbox"]]
            target["boxes"] = BoundingBoxes(corners, format=BoundingBoxFormat.XYXY, canvas_size=_hw(image))
        if "labels" in keys:
            target["labels"] = ember.tensor([_VOC_CLASSES.index(name) for name in objects["name"]])
        return image, target
    return wrapper


def _kitti(dataset, target_keys):
    keys = _select_keys(target_keys, default={"boxes", "labels"},
                        available={"type", "truncated", "occluded", "alpha", "bbox", "dimensions", "location",
                                   "rotation_y", "boxes", "labels"})

    def wrapper(idx, sample):
        image, objects = sample
        if objects is None:  # the test split has no labels
            return image, objects
        columns, target = _by_key(objects), {}
        if "boxes" in keys:
            target["boxes"] = BoundingBoxes(columns["bbox"], format=BoundingBoxFormat.XYXY, canvas_size=_hw(image))
        if "labels" in keys:
            target["labels"] = ember.tensor([_KITTI_CLASSES.index(name) for name in columns["type"]])
        for key in keys - {"boxes", "labels"}:
            target[key] = columns[key]
        return image, target
    return wrapper


def _widerface(dataset, target_keys):
    keys = _select_keys(target_keys, default="all",
                        available={"bbox", "blur", "expression", "illumination", "occlusion", "pose", "invalid"})

    def wrapper(idx, sample):
        image, target = sample
        if target is None:  # the test split has no labels
            return image, target
        target = {key: target[key] for key in keys}
        if "bbox" in keys:
            target["bbox"] = _xywh_boxes_as_xyxy(target["bbox"], _hw(image))
        return image, target
    return wrapper


def _celeba(dataset, target_keys):
    if any(t in dataset.target_type for t in ("attr", "landmarks")):
        _unsupported("`CelebA` dataset with `target_type=['attr', 'landmarks', ...]`")

    def wrapper(idx, sample):
        image, target = sample
        return image, _by_type(target, dataset.target_type,
                               {"bbox": lambda box: _xywh_boxes_as_xyxy(box, _hw(image))})
    return wrapper


def _oxford_iiit_pet(dataset, target_keys):
    def wrapper(idx, sample):
        image, target = sample
        if target is not None:
            target = _by_type(target, dataset._target_types, {"segmentation": Mask})
        return image, target
    return wrapper


def _cityscapes(dataset, target_keys):
    if any(t in dataset.target_type for t in ("polygon", "color")):
        _unsupported("`Cityscapes` dataset with `target_type=['polygon', 'color', ...]`")

    def instances(image):
        # Cityscapes instance ids: a class id below 1000, or class id * 1000 + instance number
        ids_map = Mask(image).as_subclass(ember.Tensor)
        ids = ids_map.unique()
        masks = ids_map.unsqueeze(0) == ids.reshape((-1,) + (1,) * ids_map.ndim)
        # Ember's comparison and division, as torch's, so a uint8 map meets 1000 as torch has it meet it
        labels = ember.where(ids >= 1000, ids // 1000, ids)
        return {"masks": Mask(masks), "labels": labels}

    def wrapper(idx, sample):
        image, target = sample
        return image, _by_type(target, dataset.target_type, {"instance": instances, "semantic": Mask})
    return wrapper
