"""Geometric transforms of v2 (torchvision.transforms.v2._geometry): the random parameters are
drawn once per sample, so images, masks, boxes and points move together."""
import numbers
from collections.abc import Sequence

from PIL import Image as PILImage

import ember
from ... import tv_tensors
from .. import transforms as _v1
from ..functional import InterpolationMode, _interpolation, _perspective_coeffs
from . import functional as F
from .functional._geometry import _parse_pad_padding
from ._transform import Transform, _RandomApplyTransform
from ._utils import (_check_sequence_input, _get_fill, _setup_angle, _setup_fill_arg, _setup_number_or_seq,
                     _setup_size, get_bounding_boxes, has_all, has_any, query_size)


def _uniform(lo, hi):
    return ember.empty(1).uniform_(float(lo), float(hi)).item()


class RandomHorizontalFlip(_RandomApplyTransform):
    """Mirror the sample left-right with probability p."""
    _v1_transform_cls = _v1.RandomHorizontalFlip

    def transform(self, inpt, params):
        return self._call_kernel(F.horizontal_flip, inpt)


class RandomVerticalFlip(_RandomApplyTransform):
    """Mirror the sample top-bottom with probability p."""
    _v1_transform_cls = _v1.RandomVerticalFlip

    def transform(self, inpt, params):
        return self._call_kernel(F.vertical_flip, inpt)


def _resize_size(size, max_size):
    if isinstance(size, int):
        return [size]
    if isinstance(size, Sequence) and len(size) in (1, 2):
        return list(size)
    if size is None:
        if not isinstance(max_size, int):
            raise ValueError(f"max_size must be an integer when size is None, but got {max_size} instead.")
        return None
    raise ValueError(f"size can be an integer, a sequence of one or two integers, or None, but got {size} instead.")


class Resize(Transform):
    """Resize to (h, w), the smaller edge to `size`, or (size=None) the longer edge to max_size."""
    _v1_transform_cls = _v1.Resize

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        super().__init__()
        self.size = _resize_size(size, max_size)
        self.max_size = max_size
        self.interpolation = _interpolation(interpolation).value
        self.antialias = antialias

    def transform(self, inpt, params):
        return self._call_kernel(F.resize, inpt, self.size, interpolation=self.interpolation,
                                 max_size=self.max_size, antialias=self.antialias)


class CenterCrop(Transform):
    """The central crop of `size`."""
    _v1_transform_cls = _v1.CenterCrop

    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")

    def transform(self, inpt, params):
        return self._call_kernel(F.center_crop, inpt, output_size=self.size)


class RandomResizedCrop(Transform):
    """A crop of random area and aspect ratio, resized to `size` (the Inception augmentation)."""
    _v1_transform_cls = _v1.RandomResizedCrop

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        _v1._check_scale_ratio(scale, ratio)
        self.scale, self.ratio = scale, ratio
        self.interpolation = _interpolation(interpolation).value
        self.antialias = antialias

    def make_params(self, flat_inputs):
        top, left, height, width = _v1._resized_crop_params(*query_size(flat_inputs), self.scale, self.ratio)
        return dict(top=top, left=left, height=height, width=width)

    def transform(self, inpt, params):
        return self._call_kernel(F.resized_crop, inpt, **params, size=self.size, interpolation=self.interpolation,
                                 antialias=self.antialias)


class FiveCrop(Transform):
    """The four corner crops and the central crop (images and videos)."""
    _v1_transform_cls = None

    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")

    def check_inputs(self, flat_inputs):
        if has_any(flat_inputs, tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints):
            raise TypeError(f"BoundingBoxes'es, KeyPoints'es, and Mask's are not supported by {type(self).__name__}()")

    def transform(self, inpt, params):
        return self._call_kernel(F.five_crop, inpt, self.size)


class TenCrop(FiveCrop):
    """five_crop of the image and of its mirror (vertical_flip picks the mirror)."""

    def __init__(self, size, vertical_flip=False):
        super().__init__(size)
        self.vertical_flip = vertical_flip

    def transform(self, inpt, params):
        return self._call_kernel(F.ten_crop, inpt, self.size, vertical_flip=self.vertical_flip)


def _check_padding_mode(padding_mode):
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("`padding_mode` must be one of 'constant', 'edge', 'reflect' or 'symmetric'.")


def _check_padding(padding):
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in [1, 2, 4]:
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


class Pad(Transform):
    """Pad the borders (fill may be a dict giving a value per input type)."""
    _v1_transform_cls = _v1.Pad

    def __init__(self, padding, fill=0, padding_mode="constant"):
        super().__init__()
        _check_padding(padding)
        _check_padding_mode(padding_mode)
        self.padding = list(padding) if isinstance(padding, (tuple, list)) else padding
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        self.padding_mode = padding_mode

    def transform(self, inpt, params):
        return self._call_kernel(F.pad, inpt, padding=self.padding, fill=_get_fill(self._fill, type(inpt)),
                                 padding_mode=self.padding_mode)


class RandomZoomOut(_RandomApplyTransform):
    """Place the sample on a canvas `side_range` times larger, at a random place (SSD's zoom out)."""

    def __init__(self, fill=0, side_range=(1.0, 4.0), p=0.5):
        super().__init__(p=p)
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        _check_sequence_input(side_range, "side_range", req_sizes=(2,))
        self.side_range = side_range
        if side_range[0] < 1.0 or side_range[0] > side_range[1]:
            raise ValueError(f"Invalid side range provided {side_range}.")

    def make_params(self, flat_inputs):
        orig_h, orig_w = query_size(flat_inputs)
        r = self.side_range[0] + ember.rand(1).item() * (self.side_range[1] - self.side_range[0])
        canvas_w, canvas_h = int(orig_w * r), int(orig_h * r)
        r = ember.rand(2)
        left, top = int((canvas_w - orig_w) * r[0].item()), int((canvas_h - orig_h) * r[1].item())
        return dict(padding=[left, top, canvas_w - (left + orig_w), canvas_h - (top + orig_h)])

    def transform(self, inpt, params):
        return self._call_kernel(F.pad, inpt, **params, fill=_get_fill(self._fill, type(inpt)))


def _fill_and_center(transform, fill, center):
    transform.fill = fill
    transform._fill = _setup_fill_arg(fill)
    if center is not None:
        _check_sequence_input(center, "center", req_sizes=(2,))
    transform.center = center


class RandomRotation(Transform):
    """Rotate by an angle drawn uniformly from `degrees`."""
    _v1_transform_cls = _v1.RandomRotation

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        super().__init__()
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        self.interpolation = _interpolation(interpolation).value
        self.expand = expand
        _fill_and_center(self, fill, center)

    def make_params(self, flat_inputs):
        return dict(angle=_uniform(self.degrees[0], self.degrees[1]))

    def transform(self, inpt, params):
        return self._call_kernel(F.rotate, inpt, **params, interpolation=self.interpolation, expand=self.expand,
                                 center=self.center, fill=_get_fill(self._fill, type(inpt)))


class RandomAffine(Transform):
    """Rotate, translate, scale and shear by amounts drawn from the given ranges."""
    _v1_transform_cls = _v1.RandomAffine

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None):
        super().__init__()
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if translate is not None:
            _check_sequence_input(translate, "translate", req_sizes=(2,))
            for t in translate:
                if not (0.0 <= t <= 1.0):
                    raise ValueError("translation values should be between 0 and 1")
        self.translate = translate
        if scale is not None:
            _check_sequence_input(scale, "scale", req_sizes=(2,))
            for s in scale:
                if s <= 0:
                    raise ValueError("scale values should be positive")
        self.scale = scale
        self.shear = _setup_angle(shear, name="shear", req_sizes=(2, 4)) if shear is not None else None
        self.interpolation = _interpolation(interpolation).value
        _fill_and_center(self, fill, center)

    def make_params(self, flat_inputs):
        height, width = query_size(flat_inputs)
        angle, translate, scale, shear = _v1.RandomAffine.get_params(self.degrees, self.translate, self.scale,
                                                                     self.shear, [width, height])
        return dict(angle=angle, translate=translate, scale=scale, shear=shear)

    def transform(self, inpt, params):
        return self._call_kernel(F.affine, inpt, **params, interpolation=self.interpolation,
                                 fill=_get_fill(self._fill, type(inpt)), center=self.center)


class RandomCrop(Transform):
    """A crop of `size` at a random place, after optional padding (pad_if_needed pads small images)."""
    _v1_transform_cls = _v1.RandomCrop

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        if pad_if_needed or padding is not None:
            if padding is not None:
                _check_padding(padding)
            _check_padding_mode(padding_mode)
        self.padding = _parse_pad_padding(padding) if padding else None  # (left, right, top, bottom)
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        self.padding_mode = padding_mode

    def make_params(self, flat_inputs):
        height, width = query_size(flat_inputs)
        left, right, top, bottom = self.padding if self.padding is not None else (0, 0, 0, 0)
        height, width = height + top + bottom, width + left + right
        crop_h, crop_w = self.size
        if self.pad_if_needed:  # pad both sides by the shortfall, as v1 does
            if height < crop_h:
                diff = crop_h - height
                top, bottom, height = top + diff, bottom + diff, height + 2 * diff
            if width < crop_w:
                diff = crop_w - width
                left, right, width = left + diff, right + diff, width + 2 * diff
        if height < crop_h or width < crop_w:
            raise ValueError(f"Required crop size {(crop_h, crop_w)} is larger than input image size "
                             f"{(height, width)}.")
        padding = [left, top, right, bottom]
        top_c = int(ember.randint(0, height - crop_h + 1, size=()).item()) if height > crop_h else 0
        left_c = int(ember.randint(0, width - crop_w + 1, size=()).item()) if width > crop_w else 0
        return dict(needs_crop=height > crop_h or width > crop_w, top=top_c, left=left_c, height=crop_h, width=crop_w,
                    needs_pad=any(padding), padding=padding)

    def transform(self, inpt, params):
        if params["needs_pad"]:
            inpt = self._call_kernel(F.pad, inpt, padding=params["padding"], fill=_get_fill(self._fill, type(inpt)),
                                     padding_mode=self.padding_mode)
        if params["needs_crop"]:
            inpt = self._call_kernel(F.crop, inpt, top=params["top"], left=params["left"], height=params["height"],
                                     width=params["width"])
        return inpt


class RandomPerspective(_RandomApplyTransform):
    """A random perspective warp (corners moved by up to distortion_scale of half the size)."""
    _v1_transform_cls = _v1.RandomPerspective

    def __init__(self, distortion_scale=0.5, p=0.5, interpolation=InterpolationMode.BILINEAR, fill=0):
        super().__init__(p=p)
        if not (0 <= distortion_scale <= 1):
            raise ValueError("Argument distortion_scale value should be between 0 and 1")
        self.distortion_scale = distortion_scale
        self.interpolation = _interpolation(interpolation).value
        self.fill = fill
        self._fill = _setup_fill_arg(fill)

    def make_params(self, flat_inputs):
        height, width = query_size(flat_inputs)
        start, end = _v1.RandomPerspective.get_params(width, height, self.distortion_scale)
        return dict(coefficients=_perspective_coeffs(start, end))

    def transform(self, inpt, params):
        return self._call_kernel(F.perspective, inpt, startpoints=None, endpoints=None,
                                 fill=_get_fill(self._fill, type(inpt)), interpolation=self.interpolation, **params)


class ElasticTransform(Transform):
    """Displace pixels by smoothed random fields (strength alpha, smoothness sigma)."""
    _v1_transform_cls = _v1.ElasticTransform

    def __init__(self, alpha=50.0, sigma=5.0, interpolation=InterpolationMode.BILINEAR, fill=0):
        super().__init__()
        self.alpha = _setup_number_or_seq(alpha, "alpha")
        self.sigma = _setup_number_or_seq(sigma, "sigma")
        self.interpolation = _interpolation(interpolation).value
        self.fill = fill
        self._fill = _setup_fill_arg(fill)

    def make_params(self, flat_inputs):
        return dict(displacement=_v1.ElasticTransform.get_params(self.alpha, self.sigma, list(query_size(flat_inputs))))

    def transform(self, inpt, params):
        return self._call_kernel(F.elastic, inpt, **params, fill=_get_fill(self._fill, type(inpt)),
                                 interpolation=self.interpolation)


def _box_iou(a, b):
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    lt = ember.maximum(a[:, None, :2], b[None, :, :2])
    rb = ember.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


class RandomIoUCrop(Transform):
    """SSD's crop: a random crop whose overlap (IoU) with some box reaches a randomly chosen threshold;
    boxes whose centre falls outside are zeroed (SanitizeBoundingBoxes removes them)."""

    def __init__(self, min_scale=0.3, max_scale=1.0, min_aspect_ratio=0.5, max_aspect_ratio=2.0,
                 sampler_options=None, trials=40):
        super().__init__()
        self.min_scale, self.max_scale = min_scale, max_scale
        self.min_aspect_ratio, self.max_aspect_ratio = min_aspect_ratio, max_aspect_ratio
        # a threshold of 1.0 or more stands for "leave the sample as it is"
        self.options = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0] if sampler_options is None else sampler_options
        self.trials = trials

    def check_inputs(self, flat_inputs):
        if not (has_all(flat_inputs, tv_tensors.BoundingBoxes)
                and has_any(flat_inputs, tv_tensors.Image, F.is_pure_tensor, PILImage.Image)):
            raise TypeError(f"{type(self).__name__}() requires input sample to contain tensor or PIL images and "
                            "bounding boxes. Sample can also contain masks.")

    def make_params(self, flat_inputs):
        orig_h, orig_w = query_size(flat_inputs)
        boxes = get_bounding_boxes(flat_inputs)
        while True:
            min_overlap = self.options[int(ember.randint(0, len(self.options), size=(1,)).item())]
            if min_overlap >= 1.0:
                return dict()
            for _ in range(self.trials):
                r = self.min_scale + (self.max_scale - self.min_scale) * ember.rand(2)
                new_w, new_h = int(orig_w * r[0].item()), int(orig_h * r[1].item())
                if not (self.min_aspect_ratio <= new_w / new_h <= self.max_aspect_ratio):
                    continue
                r = ember.rand(2)
                left, top = int((orig_w - new_w) * r[0].item()), int((orig_h - new_h) * r[1].item())
                right, bottom = left + new_w, top + new_h
                if left == right or top == bottom:
                    continue
                xyxy = F.convert_bounding_box_format(boxes.as_subclass(ember.Tensor), boxes.format, "XYXY")
                cx, cy = 0.5 * (xyxy[..., 0] + xyxy[..., 2]), 0.5 * (xyxy[..., 1] + xyxy[..., 3])
                inside = (left < cx) & (cx < right) & (top < cy) & (cy < bottom)
                if not inside.any():
                    continue
                crop_box = ember.tensor([[left, top, right, bottom]], dtype=xyxy.dtype)
                if _box_iou(xyxy[inside].float(), crop_box.float()).max() < min_overlap:
                    continue
                return dict(top=top, left=left, height=new_h, width=new_w, is_within_crop_area=inside)

    def transform(self, inpt, params):
        if len(params) < 1:
            return inpt
        out = self._call_kernel(F.crop, inpt, top=params["top"], left=params["left"], height=params["height"],
                                width=params["width"])
        if isinstance(out, tv_tensors.BoundingBoxes):
            out[~params["is_within_crop_area"]] = 0
        return out


class RandomShortestSize(Transform):
    """Resize the shorter edge to one of min_size (picked at random), the longer edge at most max_size."""

    def __init__(self, min_size, max_size=None, interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.min_size = [min_size] if isinstance(min_size, int) else list(min_size)
        self.max_size = max_size
        self.interpolation = _interpolation(interpolation).value
        self.antialias = antialias

    def make_params(self, flat_inputs):
        orig_h, orig_w = query_size(flat_inputs)
        min_size = self.min_size[int(ember.randint(len(self.min_size), ()).item())]
        r = min_size / min(orig_h, orig_w)
        if self.max_size is not None:
            r = min(r, self.max_size / max(orig_h, orig_w))
        return dict(size=(int(orig_h * r), int(orig_w * r)))

    def transform(self, inpt, params):
        return self._call_kernel(F.resize, inpt, params["size"], interpolation=self.interpolation,
                                 antialias=self.antialias)


class RandomResize(Transform):
    """Resize the shorter edge to a size drawn from [min_size, max_size)."""

    def __init__(self, min_size, max_size, interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.min_size, self.max_size = min_size, max_size
        self.interpolation = _interpolation(interpolation).value
        self.antialias = antialias

    def make_params(self, flat_inputs):
        return dict(size=[int(ember.randint(self.min_size, self.max_size, ()).item())])

    def transform(self, inpt, params):
        return self._call_kernel(F.resize, inpt, params["size"], interpolation=self.interpolation,
                                 antialias=self.antialias)


class ScaleJitter(Transform):
    """Resize by a factor drawn from scale_range so the image fits target_size (large-scale jitter)."""

    def __init__(self, target_size, scale_range=(0.1, 2.0), interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
        super().__init__()
        self.target_size, self.scale_range = target_size, scale_range
        self.interpolation = _interpolation(interpolation).value
        self.antialias = antialias

    def make_params(self, flat_inputs):
        orig_h, orig_w = query_size(flat_inputs)
        scale = self.scale_range[0] + ember.rand(1).item() * (self.scale_range[1] - self.scale_range[0])
        r = min(self.target_size[1] / orig_h, self.target_size[0] / orig_w) * scale
        return dict(size=(int(orig_h * r), int(orig_w * r)))

    def transform(self, inpt, params):
        return self._call_kernel(F.resize, inpt, params["size"], interpolation=self.interpolation,
                                 antialias=self.antialias)


