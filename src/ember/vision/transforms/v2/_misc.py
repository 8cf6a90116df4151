"""Identity, Lambda, LinearTransformation, Normalize, GaussianBlur, GaussianNoise, ToDtype,
ConvertImageDtype, SanitizeBoundingBoxes (torchvision.transforms.v2._misc)."""
import warnings

from PIL import Image as PILImage

import ember
from ... import tv_tensors
from .. import transforms as _v1
from . import functional as F
from ._transform import Transform
from ._utils import (_parse_labels_getter, _setup_number_or_seq, get_bounding_boxes, get_keypoints, has_any,
                     tree_flatten, tree_unflatten)


class Identity(Transform):
    """Leaves the sample as it is."""

    def transform(self, inpt, params):
        return inpt


class Lambda(Transform):
    """Apply a user function to the leaves of the given types (all by default)."""
    _transformed_types = (object,)

    def __init__(self, lambd, *types):
        super().__init__()
        self.lambd = lambd
        self.types = types or self._transformed_types

    def transform(self, inpt, params):
        return self.lambd(inpt) if isinstance(inpt, self.types) else inpt

    def extra_repr(self):
        name = getattr(self.lambd, "__name__", None)
        extras = [] if name is None else [name]
        extras.append(f"types={[type.__name__ for type in self.types]}")
        return ", ".join(extras)


class LinearTransformation(Transform):
    """(x - mean_vector) @ transformation_matrix on each flattened image (whitening, ZCA)."""
    _v1_transform_cls = None

    def __init__(self, transformation_matrix, mean_vector):
        super().__init__()
        _v1.LinearTransformation.check(transformation_matrix, mean_vector)
        self.transformation_matrix, self.mean_vector = transformation_matrix, mean_vector

    def check_inputs(self, sample):
        if has_any(sample, PILImage.Image):
            raise TypeError(f"{type(self).__name__}() does not support PIL images.")

    def transform(self, inpt, params):
        if isinstance(inpt, (tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints)):
            return inpt
        out = _v1.LinearTransformation.apply(inpt.as_subclass(ember.Tensor), self.transformation_matrix,
                                             self.mean_vector)
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.TVTensor) else out


class Normalize(Transform):
    """(x - mean[c]) / std[c] for float images and videos."""
    _v1_transform_cls = _v1.Normalize

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean, self.std, self.inplace = list(mean), list(std), inplace

    def check_inputs(self, sample):
        if has_any(sample, PILImage.Image):
            raise TypeError(f"{type(self).__name__}() does not support PIL images.")

    def transform(self, inpt, params):
        return self._call_kernel(F.normalize, inpt, mean=self.mean, std=self.std, inplace=self.inplace)


class GaussianBlur(Transform):
    """Blur with a Gaussian whose std is drawn uniformly from `sigma` (min, max)."""
    _v1_transform_cls = _v1.GaussianBlur

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        self.kernel_size = _v1.GaussianBlur._kernel_size(kernel_size)
        self.sigma = _setup_number_or_seq(sigma, "sigma")
        if not 0.0 < self.sigma[0] <= self.sigma[1]:
            raise ValueError(f"sigma values should be positive and of the form (min, max). Got {self.sigma}")

    def make_params(self, flat_inputs):
        sigma = ember.empty(1).uniform_(self.sigma[0], self.sigma[1]).item()
        return dict(sigma=[sigma, sigma])

    def transform(self, inpt, params):
        return self._call_kernel(F.gaussian_blur, inpt, self.kernel_size, **params)


class GaussianNoise(Transform):
    """Add Gaussian noise to float images."""

    def __init__(self, mean=0.0, sigma=0.1, clip=True):
        super().__init__()
        self.mean, self.sigma, self.clip = mean, sigma, clip

    def transform(self, inpt, params):
        return self._call_kernel(F.gaussian_noise, inpt, mean=self.mean, sigma=self.sigma, clip=self.clip)


class ToDtype(Transform):
    """Images (and videos) to `dtype`, rescaling values with scale=True; a dict gives a dtype per
    input type ("others" for the rest)."""

    def __init__(self, dtype, scale=False):
        super().__init__()
        if not isinstance(dtype, (dict, ember.dtype)):
            raise ValueError(f"dtype must be a dict or a torch.dtype, got {type(dtype)} instead")
        if isinstance(dtype, dict) and ember.Tensor in dtype and any(
                cls in dtype for cls in [tv_tensors.Image, tv_tensors.Video]):
            warnings.warn("Got `dtype` values for `torch.Tensor` and either `tv_tensors.Image` or "
                          "`tv_tensors.Video`. Note that a plain `torch.Tensor` will *not* be transformed by this "
                          "(or any other transformation) in case a `tv_tensors.Image` or `tv_tensors.Video` is "
                          "present in the input.")
        self.dtype, self.scale = dtype, scale

    def transform(self, inpt, params):
        if isinstance(self.dtype, ember.dtype):
            # a single dtype is for images and videos only
            if not F.is_pure_tensor(inpt) and not isinstance(inpt, (tv_tensors.Image, tv_tensors.Video)):
                return inpt
            dtype = self.dtype
        elif type(inpt) in self.dtype:
            dtype = self.dtype[type(inpt)]
        elif "others" in self.dtype:
            dtype = self.dtype["others"]
        else:
            raise ValueError(f"No dtype was specified for type {type(inpt)}. If you only need to convert the dtype "
                             "of images or videos, you can just pass e.g. dtype=torch.float32. If you're passing a "
                             "dict as dtype, you can use 'others' as a catch-all key e.g. "
                             "dtype={tv_tensors.Mask: torch.int64, 'others': None} to pass-through the rest of the "
                             "inputs.")
        if dtype is None:
            return inpt
        return self._call_kernel(F.to_dtype, inpt, dtype=dtype, scale=self.scale)


class ConvertImageDtype(Transform):
    """Images to `dtype`, rescaling their values."""
    _v1_transform_cls = _v1.ConvertImageDtype

    def __init__(self, dtype=ember.float32):
        super().__init__()
        self.dtype = dtype

    def transform(self, inpt, params):
        if not (F.is_pure_tensor(inpt) or isinstance(inpt, (tv_tensors.Image, tv_tensors.Video))):
            return inpt
        return self._call_kernel(F.to_dtype, inpt, dtype=self.dtype, scale=True)


class _Sanitize(Transform):
    """Drop the invalid entries of the sample's boxes (or key points), with the labels and the other
    tensors indexed alike; `_valid(flat_inputs)` says which (target, mask)."""
    _indexed_types = ()
    _count_message = ""

    def __init__(self, labels_getter, **settings):
        super().__init__()
        for name, value in settings.items():  # before labels_getter: torchvision's order, as its repr shows
            setattr(self, name, value)
        self.labels_getter = labels_getter
        self._labels_getter = _parse_labels_getter(labels_getter)

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        labels = self._labels_getter(inputs)
        if labels is not None:
            msg = "The labels in the input to forward() must be a tensor or None, got {type} instead."
            if isinstance(labels, ember.Tensor):
                labels = (labels,)
            elif isinstance(labels, (tuple, list)):
                for entry in labels:
                    if not isinstance(entry, ember.Tensor):
                        raise ValueError(msg.format(type=type(entry)))
            else:
                raise ValueError(msg.format(type=type(labels)))
        flat_inputs, spec = tree_flatten(inputs)
        target, valid = self._valid(flat_inputs)
        for label in labels or ():
            if target.shape[0] != label.shape[0]:
                raise ValueError(self._count_message.format(target=target.shape, label=label.shape))
        params = dict(valid=valid, labels=labels)
        return tree_unflatten([self.transform(inpt, params) for inpt in flat_inputs], spec)

    def transform(self, inpt, params):
        is_label = params["labels"] is not None and any(inpt is label for label in params["labels"])
        if not (is_label or isinstance(inpt, self._indexed_types)):
            return inpt
        try:
            out = inpt[params["valid"]]
        except IndexError:
            return inpt
        return out if is_label else tv_tensors.wrap(out, like=inpt)


class SanitizeBoundingBoxes(_Sanitize):
    """Drop the boxes that are too small or outside the canvas, with their labels and masks."""
    _indexed_types = (tv_tensors.BoundingBoxes, tv_tensors.Mask)
    _count_message = "Number of boxes (shape={target}) and must match the number of labels.Found labels with " \
                     "shape={label})."

    def __init__(self, min_size=1.0, min_area=1.0, labels_getter="default"):
        if min_size < 1:
            raise ValueError(f"min_size must be >= 1, got {min_size}.")
        if min_area < 1:
            raise ValueError(f"min_area must be >= 1, got {min_area}.")
        super().__init__(labels_getter, min_size=min_size, min_area=min_area)

    def _valid(self, flat_inputs):
        boxes = get_bounding_boxes(flat_inputs)
        return boxes, F.sanitize_bounding_boxes(boxes, min_size=self.min_size, min_area=self.min_area)[1]


class SanitizeKeyPoints(_Sanitize):
    """Drop the key points (or groups of them) outside the canvas, with their labels."""
    _indexed_types = (tv_tensors.KeyPoints,)
    _count_message = "Number of kepyoints (shape={target}) must match the number of labels.Found labels with " \
                     "shape={label})."

    def __init__(self, labels_getter=None):
        super().__init__(labels_getter)

    def _valid(self, flat_inputs):
        points = get_keypoints(flat_inputs)
        return points, F.sanitize_keypoints(points)[1]
