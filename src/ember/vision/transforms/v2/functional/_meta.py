"""Sizes and bounding-box formats (torchvision.transforms.v2.functional._meta)."""

import ember
from ember.compat import NotImplementedInEmber
from .... import tv_tensors
from ....tv_tensors import BoundingBoxFormat, is_rotated_bounding_format
from ... import functional as F1
from ._utils import _register_kernel_internal, _register_image_kernels, _get_kernel, is_pure_tensor


def get_dimensions(inpt):
    """[channels, height, width]."""
    return _get_kernel(get_dimensions, type(inpt))(inpt)


def get_dimensions_image(image):
    return F1.get_dimensions(image)


get_dimensions_video = get_dimensions_image
_register_image_kernels(get_dimensions, get_dimensions_image, F1.get_dimensions, wrap=False)


def get_num_channels(inpt):
    return _get_kernel(get_num_channels, type(inpt))(inpt)


def get_num_channels_image(image):
    return F1.get_dimensions(image)[0]


get_num_channels_video = get_num_channels_image
_register_image_kernels(get_num_channels, get_num_channels_image, get_num_channels_image, wrap=False)
get_image_num_channels = get_num_channels


def get_size(inpt):
    """[height, width] of an image, video, mask, or the canvas of boxes / key points."""
    return _get_kernel(get_size, type(inpt))(inpt)


def get_size_image(image):
    return list(F1.get_dimensions(image)[1:])


get_size_video = get_size_mask = get_size_image
_register_image_kernels(get_size, get_size_image, get_size_image, wrap=False)
_register_kernel_internal(get_size, tv_tensors.Mask, tv_tensor_wrapper=False)(get_size_mask)


@_register_kernel_internal(get_size, tv_tensors.BoundingBoxes, tv_tensor_wrapper=False)
def get_size_bounding_boxes(bounding_box):
    return list(bounding_box.canvas_size)


@_register_kernel_internal(get_size, tv_tensors.KeyPoints, tv_tensor_wrapper=False)
def get_size_keypoints(keypoints):
    return list(keypoints.canvas_size)


def get_image_size(inpt):
    """[width, height] (v1's order)."""
    return F1.get_image_size(inpt)


def get_num_frames(inpt):
    return _get_kernel(get_num_frames, type(inpt))(inpt)


def get_num_frames_video(video):
    return video.shape[-4]


_register_kernel_internal(get_num_frames, ember.Tensor)(get_num_frames_video)
_register_kernel_internal(get_num_frames, tv_tensors.Video, tv_tensor_wrapper=False)(get_num_frames_video)


# ---------------------------------------------------------------------- box formats
def _check_axis_aligned(format):
    if is_rotated_bounding_format(format):
        raise NotImplementedInEmber(f"rotated bounding boxes ({format}) are not implemented in Ember")


def _to_xyxy(boxes, format):
    """Boxes of an axis-aligned `format` as XYXY (integer boxes keep their dtype, rounding as torchvision)."""
    if format == BoundingBoxFormat.XYXY:
        return boxes.clone()
    xy, wh = boxes[..., :2], boxes[..., 2:]
    if format == BoundingBoxFormat.XYWH:
        return ember.cat([xy, xy + wh], -1)
    # CXCYWH: in float, corners truncated back for integer boxes
    f = boxes if boxes.is_floating_point() else boxes.float()
    lo = f[..., :2] - f[..., 2:] / 2
    return ember.cat([lo, lo + f[..., 2:]], -1).to(boxes.dtype)


def _from_xyxy(boxes, format):
    if format == BoundingBoxFormat.XYXY:
        return boxes
    lo, hi = boxes[..., :2], boxes[..., 2:]
    wh = hi - lo
    if format == BoundingBoxFormat.XYWH:
        return ember.cat([lo, wh], -1)
    centre = (lo * 2 + wh) / 2 if boxes.is_floating_point() else ember.div(lo * 2 + wh, 2, rounding_mode="floor")
    return ember.cat([centre, wh], -1)


def _convert_bounding_box_format(boxes, old_format, new_format, inplace=False):
    if new_format == old_format:
        return boxes
    if is_rotated_bounding_format(old_format) ^ is_rotated_bounding_format(new_format):
        raise ValueError("Cannot convert between rotated and unrotated bounding boxes.")
    _check_axis_aligned(old_format)
    if {old_format, new_format} == {BoundingBoxFormat.XYWH, BoundingBoxFormat.CXCYWH}:
        xy, wh = boxes[..., :2], boxes[..., 2:]
        if old_format == BoundingBoxFormat.XYWH:  # the centre, floored for integer boxes
            half = wh / 2 if boxes.is_floating_point() else ember.div(wh, 2, rounding_mode="floor")
            out = ember.cat([xy + half, wh], -1)
        else:  # the corner, and the width that keeps the far corner where truncation puts it
            f = boxes if boxes.is_floating_point() else boxes.float()
            lo = f[..., :2] - f[..., 2:] / 2
            far = (lo + f[..., 2:]).to(boxes.dtype)
            lo = lo.to(boxes.dtype)
            out = ember.cat([lo, far - lo], -1)
    else:
        out = _from_xyxy(_to_xyxy(boxes, old_format), new_format)
    if inplace:
        boxes.copy_(out)
        return boxes
    return out


def _parse_format(format):
    return BoundingBoxFormat[format.upper()] if isinstance(format, str) else format


def convert_bounding_box_format(inpt, old_format=None, new_format=None, inplace=False):
    """Boxes in `new_format` (torchvision.transforms.v2.functional.convert_bounding_box_format)."""
    if new_format is None:
        raise TypeError("convert_bounding_box_format() missing 1 required argument: 'new_format'")
    old_format, new_format = _parse_format(old_format), _parse_format(new_format)
    if is_pure_tensor(inpt):
        if old_format is None:
            raise ValueError("For pure tensor inputs, `old_format` has to be passed.")
        return _convert_bounding_box_format(inpt, old_format, new_format, inplace)
    if isinstance(inpt, tv_tensors.BoundingBoxes):
        if old_format is not None:
            raise ValueError("For bounding box tv_tensor inputs, `old_format` must not be passed.")
        out = _convert_bounding_box_format(inpt.as_subclass(ember.Tensor), inpt.format, new_format, inplace)
        return tv_tensors.wrap(out, like=inpt, format=new_format)
    raise TypeError(f"Input can either be a plain tensor or a bounding box tv_tensor, but got {type(inpt)} instead.")


def _clamp_bounding_boxes(boxes, format, canvas_size, clamping_mode):
    if clamping_mode is None:
        return boxes.clone()
    _check_axis_aligned(format)
    xyxy = _to_xyxy(boxes if boxes.is_floating_point() else boxes.float(), format)
    h, w = canvas_size
    xyxy = ember.stack([xyxy[..., 0].clamp(0, w), xyxy[..., 1].clamp(0, h),
                        xyxy[..., 2].clamp(0, w), xyxy[..., 3].clamp(0, h)], -1)
    return _from_xyxy(xyxy, format).to(boxes.dtype)


def clamp_bounding_boxes(inpt, format=None, canvas_size=None, clamping_mode="auto"):
    """Boxes clipped to their canvas (torchvision.transforms.v2.functional.clamp_bounding_boxes)."""
    if clamping_mode is not None and clamping_mode not in ("soft", "hard", "auto"):
        raise ValueError(f"clamping_mode must be soft, hard, auto or None, got {clamping_mode}")
    if is_pure_tensor(inpt):
        if format is None or canvas_size is None or clamping_mode == "auto":
            raise ValueError("For pure tensor inputs, `format`, `canvas_size` and `clamping_mode` have to be passed.")
        return _clamp_bounding_boxes(inpt, _parse_format(format), canvas_size, clamping_mode)
    if isinstance(inpt, tv_tensors.BoundingBoxes):
        if format is not None or canvas_size is not None:
            raise ValueError("For bounding box tv_tensor inputs, `format` and `canvas_size` must not be passed.")
        mode = inpt.clamping_mode if clamping_mode == "auto" else clamping_mode
        out = _clamp_bounding_boxes(inpt.as_subclass(ember.Tensor), inpt.format, inpt.canvas_size, mode)
        return tv_tensors.wrap(out, like=inpt)
    raise TypeError(f"Input can either be a plain tensor or a bounding box tv_tensor, but got {type(inpt)} instead.")


def _clamp_keypoints(points, canvas_size):
    dtype = points.dtype
    f = points if points.is_floating_point() else points.float()
    h, w = canvas_size
    return ember.stack([f[..., 0].clamp(0, w - 1), f[..., 1].clamp(0, h - 1)], -1).to(dtype)


def clamp_keypoints(inpt, canvas_size=None):
    """Key points clipped to their canvas."""
    if is_pure_tensor(inpt):
        if canvas_size is None:
            raise ValueError("For pure tensor inputs, `canvas_size` has to be passed.")
        return _clamp_keypoints(inpt, canvas_size)
    if isinstance(inpt, tv_tensors.KeyPoints):
        if canvas_size is not None:
            raise ValueError("For keypoints tv_tensor inputs, `canvas_size` must not be passed.")
        return tv_tensors.wrap(_clamp_keypoints(inpt.as_subclass(ember.Tensor), inpt.canvas_size), like=inpt)
    raise TypeError(f"Input can either be a plain tensor or a keypoints tv_tensor, but got {type(inpt)} instead.")


