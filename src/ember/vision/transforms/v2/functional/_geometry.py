"""Geometric functionals of transforms.v2 (torchvision.transforms.v2.functional._geometry): each moves
images (tensor and PIL), videos, masks, bounding boxes and key points the same way. Image kernels are
the v1 functionals; boxes and points are transformed as coordinates."""
import numpy as np
from PIL import Image as PILImage

import ember
from .... import tv_tensors
from ....tv_tensors import BoundingBoxFormat
from ... import functional as F1
from ... import _functional_tensor as F_t
from ...functional import InterpolationMode, _interpolation as _v1_interpolation
from ._meta import _to_xyxy, _from_xyxy, _clamp_bounding_boxes, _check_axis_aligned
from ._utils import _register_kernel_internal, _register_image_kernels, _get_kernel

_BB = tv_tensors.BoundingBoxes


def _interpolation(mode):
    """An InterpolationMode, from one, its name ("bilinear", as v2 transforms keep it) or a Pillow constant."""
    return InterpolationMode(mode) if isinstance(mode, str) else _v1_interpolation(mode)


def _mask_kernel(image_kernel):
    """A mask kernel from an image kernel: a 2-D mask gets a channel dimension for the call."""
    def kernel(mask, *args, **kwargs):
        if mask.ndim >= 3:
            return image_kernel(mask, *args, **kwargs)
        return image_kernel(mask.unsqueeze(0), *args, **kwargs).squeeze(0)
    return kernel


def _register_boxes(functional, kernel):
    """BoundingBoxes go through kernel(boxes, format, canvas_size, *args, clamping_mode=...) ->
    (boxes, canvas_size); the result keeps the input's metadata with the new canvas."""
    @_register_kernel_internal(functional, _BB, tv_tensor_wrapper=False)
    def dispatch(inpt, *args, **kwargs):
        out, size = kernel(inpt.as_subclass(ember.Tensor), inpt.format, inpt.canvas_size, *args,
                           clamping_mode=inpt.clamping_mode, **kwargs)
        return tv_tensors.wrap(out, like=inpt, canvas_size=size)


def _register_keypoints(functional, kernel):
    """KeyPoints go through kernel(points, canvas_size, *args) -> (points, canvas_size)."""
    @_register_kernel_internal(functional, tv_tensors.KeyPoints, tv_tensor_wrapper=False)
    def dispatch(inpt, *args, **kwargs):
        out, size = kernel(inpt.as_subclass(ember.Tensor), inpt.canvas_size, *args, **kwargs)
        return tv_tensors.wrap(out, like=inpt, canvas_size=size)


def _offset(format, dx, dy):
    """What adding (dx, dy) to every point means for the four numbers of a box in `format`."""
    return [dx, dy, dx, dy] if format == BoundingBoxFormat.XYXY else [dx, dy, 0, 0]


def _transform_points(boxes, format, canvas_size, points_fn, new_canvas, clamping_mode):
    """Boxes mapped by a point transform: the enclosing box of their four mapped corners (in float,
    cast back), clamped to the new canvas."""
    _check_axis_aligned(format)
    if boxes.numel() == 0:
        return boxes, new_canvas
    shape, dtype = boxes.shape, boxes.dtype
    xyxy = _to_xyxy(boxes if boxes.is_floating_point() else boxes.float(), format).reshape(-1, 4)
    corners = xyxy[:, [0, 1, 2, 1, 2, 3, 0, 3]].reshape(-1, 2)
    pts = points_fn(corners).reshape(-1, 4, 2)
    out = ember.cat([pts.amin(dim=1), pts.amax(dim=1)], dim=1)
    out = _clamp_bounding_boxes(out, BoundingBoxFormat.XYXY, new_canvas, clamping_mode)
    return _from_xyxy(out, format).to(dtype).reshape(shape), new_canvas


def _affine_points_fn(matrix):
    m = ember.tensor(matrix, dtype=ember.float32).reshape(2, 3)
    return lambda pts: pts @ m[:, :2].T + m[:, 2]


# ---------------------------------------------------------------------- flips
def horizontal_flip(inpt):
    """Mirror left-right."""
    return _get_kernel(horizontal_flip, type(inpt))(inpt)


def horizontal_flip_image(image):
    return F1.hflip(image)


horizontal_flip_mask = horizontal_flip_video = horizontal_flip_image


def _flip_boxes(bounding_boxes, format, extent, axis):
    """Boxes mirrored along x (axis 0, extent = width) or y (axis 1, extent = height)."""
    _check_axis_aligned(format)
    b = bounding_boxes.clone()
    lo, hi = bounding_boxes[..., axis], bounding_boxes[..., axis + 2]
    if format == BoundingBoxFormat.XYXY:
        b[..., axis], b[..., axis + 2] = extent - hi, extent - lo
    elif format == BoundingBoxFormat.XYWH:
        b[..., axis] = extent - lo - hi
    else:
        b[..., axis] = extent - lo
    return b


def horizontal_flip_bounding_boxes(bounding_boxes, format, canvas_size):
    return _flip_boxes(bounding_boxes, format, canvas_size[1], 0)


def horizontal_flip_keypoints(keypoints, canvas_size):
    out = keypoints.clone()
    out[..., 0] = canvas_size[1] - 1 - keypoints[..., 0]  # points sit on pixel centres
    return out


def vertical_flip(inpt):
    """Mirror top-bottom."""
    return _get_kernel(vertical_flip, type(inpt))(inpt)


def vertical_flip_image(image):
    return F1.vflip(image)


vertical_flip_mask = vertical_flip_video = vertical_flip_image


def vertical_flip_bounding_boxes(bounding_boxes, format, canvas_size):
    return _flip_boxes(bounding_boxes, format, canvas_size[0], 1)


def vertical_flip_keypoints(keypoints, canvas_size):
    out = keypoints.clone()
    out[..., 1] = canvas_size[0] - 1 - keypoints[..., 1]
    return out


hflip, vflip = horizontal_flip, vertical_flip
for _f, _image, _boxes, _points in ((horizontal_flip, horizontal_flip_image, horizontal_flip_bounding_boxes,
                                     horizontal_flip_keypoints),
                                    (vertical_flip, vertical_flip_image, vertical_flip_bounding_boxes,
                                     vertical_flip_keypoints)):
    _register_image_kernels(_f, _image, _image)
    _register_kernel_internal(_f, tv_tensors.Mask)(_image)
    _register_boxes(_f, lambda b, fmt, size, clamping_mode, k=_boxes: (k(b, fmt, size), size))
    _register_keypoints(_f, lambda p, size, k=_points: (k(p, size), size))


# ---------------------------------------------------------------------- resize
def _compute_resized_output_size(canvas_size, size, max_size=None):
    h, w = canvas_size
    if size is None:
        if max_size is None:
            raise ValueError("max_size must be an integer when size is None, but got None instead.")
        if w >= h:
            return [int(max_size * h / w), max_size]
        return [max_size, int(max_size * w / h)]
    size = [size] if isinstance(size, int) else list(size)
    return F1._resized_size(h, w, size, max_size)


def resize(inpt, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to size (h, w), or the smaller edge to size; with size=None the longer edge to max_size."""
    return _get_kernel(resize, type(inpt))(inpt, size=size, interpolation=interpolation, max_size=max_size,
                                           antialias=antialias)


def resize_image(image, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    interpolation = _interpolation(interpolation)
    out = _compute_resized_output_size(F1.get_dimensions(image)[1:], size, max_size)
    if size is not None and isinstance(size, (list, tuple)) and len(size) == 2 and max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. "
                         "size should be an int or a sequence of length 1 in torchscript mode.")
    return F1.resize(image, out, _interpolation(interpolation), antialias=antialias)


resize_video = resize_image


def resize_mask(mask, size, max_size=None, **kwargs):
    return _mask_kernel(resize_image)(mask, size, InterpolationMode.NEAREST, max_size)


def resize_bounding_boxes(bounding_boxes, canvas_size, size, max_size=None, format=BoundingBoxFormat.XYXY,
                          clamping_mode="soft"):
    _check_axis_aligned(format)
    new_h, new_w = _compute_resized_output_size(canvas_size, size, max_size)
    if (new_h, new_w) == tuple(canvas_size):
        return bounding_boxes, canvas_size
    ratios = ember.tensor([new_w / canvas_size[1], new_h / canvas_size[0]] * 2)
    return bounding_boxes.mul(ratios).to(bounding_boxes.dtype), (new_h, new_w)


def resize_keypoints(keypoints, canvas_size, size, max_size=None):
    new_h, new_w = _compute_resized_output_size(canvas_size, size, max_size)
    ratios = ember.tensor([new_w / canvas_size[1], new_h / canvas_size[0]])
    return keypoints.mul(ratios).to(keypoints.dtype), (new_h, new_w)


_register_image_kernels(resize, resize_image, resize_image)
_register_kernel_internal(resize, tv_tensors.Mask)(resize_mask)
_register_boxes(resize, lambda b, fmt, cs, size, max_size=None, clamping_mode="soft", **kw:
                resize_bounding_boxes(b, cs, size, max_size, fmt, clamping_mode))
_register_keypoints(resize, lambda p, cs, size, max_size=None, **kw: resize_keypoints(p, cs, size, max_size))


# ---------------------------------------------------------------------- crop, pad
def crop(inpt, top, left, height, width):
    """The height x width window at (top, left); outside the image is zeros (boxes are shifted and clamped)."""
    return _get_kernel(crop, type(inpt))(inpt, top=top, left=left, height=height, width=width)


def crop_image(image, top, left, height, width):
    return F1.crop(image, top, left, height, width)


crop_video = crop_image
crop_mask = _mask_kernel(crop_image)


def crop_bounding_boxes(bounding_boxes, format, top, left, height, width, clamping_mode="soft"):
    _check_axis_aligned(format)
    shifted = bounding_boxes - ember.tensor(_offset(format, left, top), dtype=bounding_boxes.dtype)
    return _clamp_bounding_boxes(shifted, format, (height, width), clamping_mode), (height, width)


def crop_keypoints(keypoints, top, left, height, width):
    shifted = keypoints - ember.tensor([left, top], dtype=keypoints.dtype)
    return shifted, (height, width)


_register_image_kernels(crop, crop_image, crop_image)
_register_kernel_internal(crop, tv_tensors.Mask)(crop_mask)
_register_boxes(crop, lambda b, fmt, cs, top, left, height, width, clamping_mode="soft":
                crop_bounding_boxes(b, fmt, top, left, height, width, clamping_mode))
_register_keypoints(crop, lambda p, cs, top, left, height, width: crop_keypoints(p, top, left, height, width))


def _parse_pad_padding(padding):
    """(left, right, top, bottom) from an int or a sequence of 1, 2 or 4."""
    left, top, right, bottom = F1._ltrb(padding)
    return [left, right, top, bottom]


def pad(inpt, padding, fill=None, padding_mode="constant"):
    """Pad the borders (int, (left/right, top/bottom) or (left, top, right, bottom))."""
    return _get_kernel(pad, type(inpt))(inpt, padding=padding, fill=fill, padding_mode=padding_mode)


def pad_image(image, padding, fill=None, padding_mode="constant"):
    if isinstance(padding, (list, tuple)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    return F1.pad(image, padding, 0 if fill is None else fill, padding_mode)


pad_video = pad_image


def pad_mask(mask, padding, fill=None, padding_mode="constant"):
    if fill is None:
        fill = 0
    if isinstance(fill, (tuple, list)):
        raise ValueError("Non-scalar fill value is not supported")
    return _mask_kernel(pad_image)(mask, padding, fill, padding_mode)


def pad_bounding_boxes(bounding_boxes, format, canvas_size, padding, padding_mode="constant", clamping_mode="soft"):
    if padding_mode not in ["constant"]:
        raise ValueError(f"Padding mode '{padding_mode}' is not supported with bounding boxes")
    _check_axis_aligned(format)
    left, right, top, bottom = _parse_pad_padding(padding)
    shifted = bounding_boxes + ember.tensor(_offset(format, left, top), dtype=bounding_boxes.dtype)
    size = (canvas_size[0] + top + bottom, canvas_size[1] + left + right)
    return _clamp_bounding_boxes(shifted, format, size, clamping_mode), size


def pad_keypoints(keypoints, canvas_size, padding, padding_mode="constant"):
    if padding_mode not in ["constant"]:
        raise ValueError(f"Padding mode '{padding_mode}' is not supported with KeyPoints")
    left, right, top, bottom = _parse_pad_padding(padding)
    size = (canvas_size[0] + top + bottom, canvas_size[1] + left + right)
    return keypoints + ember.tensor([left, top], dtype=keypoints.dtype), size


_register_image_kernels(pad, pad_image, pad_image)
_register_kernel_internal(pad, tv_tensors.Mask)(pad_mask)
_register_boxes(pad, lambda b, fmt, cs, padding, fill=None, padding_mode="constant", clamping_mode="soft":
                pad_bounding_boxes(b, fmt, cs, padding, padding_mode, clamping_mode))
_register_keypoints(pad, lambda p, cs, padding, fill=None, padding_mode="constant":
                    pad_keypoints(p, cs, padding, padding_mode))


def _center_crop_anchor(output_size, canvas_size):
    ch, cw = F1._pair(output_size)
    h, w = canvas_size
    return int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)), ch, cw


def center_crop(inpt, output_size):
    """The central crop of output_size (padded with zeros where the image is smaller)."""
    return _get_kernel(center_crop, type(inpt))(inpt, output_size=output_size)


def center_crop_image(image, output_size):
    return F1.center_crop(image, output_size)


center_crop_video = center_crop_image
center_crop_mask = _mask_kernel(center_crop_image)


def center_crop_bounding_boxes(bounding_boxes, format, canvas_size, output_size, clamping_mode="soft"):
    return crop_bounding_boxes(bounding_boxes, format, *_center_crop_anchor(output_size, canvas_size),
                               clamping_mode=clamping_mode)


def center_crop_keypoints(keypoints, canvas_size, output_size):
    return crop_keypoints(keypoints, *_center_crop_anchor(output_size, canvas_size))


_register_image_kernels(center_crop, center_crop_image, center_crop_image)
_register_kernel_internal(center_crop, tv_tensors.Mask)(center_crop_mask)
_register_boxes(center_crop, center_crop_bounding_boxes)
_register_keypoints(center_crop, center_crop_keypoints)


def resized_crop(inpt, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    """crop, then resize to `size`."""
    return _get_kernel(resized_crop, type(inpt))(inpt, top=top, left=left, height=height, width=width, size=size,
                                                 interpolation=interpolation, antialias=antialias)


def resized_crop_image(image, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                       antialias=True):
    return resize_image(crop_image(image, top, left, height, width), size, interpolation, antialias=antialias)


resized_crop_video = resized_crop_image


def resized_crop_mask(mask, top, left, height, width, size, **kwargs):
    return resize_mask(crop_mask(mask, top, left, height, width), size)


def resized_crop_bounding_boxes(bounding_boxes, format, top, left, height, width, size, clamping_mode="soft"):
    boxes, canvas = crop_bounding_boxes(bounding_boxes, format, top, left, height, width, clamping_mode)
    return resize_bounding_boxes(boxes, canvas, size, format=format, clamping_mode=clamping_mode)


def resized_crop_keypoints(keypoints, top, left, height, width, size):
    points, canvas = crop_keypoints(keypoints, top, left, height, width)
    return resize_keypoints(points, canvas, size)


_register_image_kernels(resized_crop, resized_crop_image, resized_crop_image)
_register_kernel_internal(resized_crop, tv_tensors.Mask)(resized_crop_mask)
_register_boxes(resized_crop, lambda b, fmt, cs, top, left, height, width, size, clamping_mode="soft", **kw:
                resized_crop_bounding_boxes(b, fmt, top, left, height, width, size, clamping_mode))
_register_keypoints(resized_crop, lambda p, cs, top, left, height, width, size, **kw:
                    resized_crop_keypoints(p, top, left, height, width, size))


def five_crop(inpt, size):
    """The four corner crops and the central crop (images and videos only)."""
    return _get_kernel(five_crop, type(inpt))(inpt, size)


def ten_crop(inpt, size, vertical_flip=False):
    """five_crop of the image and of its mirror (images and videos only)."""
    return _get_kernel(ten_crop, type(inpt))(inpt, size, vertical_flip=vertical_flip)


def _tuple_of(kernel):
    """A kernel returning a tuple of images, each wrapped as the input's TVTensor class."""
    def dispatch(inpt, *args, **kwargs):
        return tuple(tv_tensors.wrap(o, like=inpt) for o in kernel(inpt.as_subclass(ember.Tensor), *args, **kwargs))
    return dispatch


five_crop_image = five_crop_video = F1.five_crop
ten_crop_image = ten_crop_video = F1.ten_crop
for _f, _k in ((five_crop, F1.five_crop), (ten_crop, F1.ten_crop)):
    _register_kernel_internal(_f, ember.Tensor)(_k)
    _register_kernel_internal(_f, PILImage.Image)(_k)
    for _cls in (tv_tensors.Image, tv_tensors.Video):
        _register_kernel_internal(_f, _cls, tv_tensor_wrapper=False)(_tuple_of(_k))


# ---------------------------------------------------------------------- affine, rotate
def _affine_parse_args(angle, translate, scale, shear, center):
    shear = F1._affine_args(angle, translate, scale, shear, center)
    return float(angle), [float(t) for t in translate], float(scale), [float(s) for s in shear], center


def affine(inpt, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Rotate (degrees), translate (pixels), scale and shear (degrees) about `center`, keeping the size."""
    return _get_kernel(affine, type(inpt))(inpt, angle=angle, translate=translate, scale=scale, shear=shear,
                                           interpolation=interpolation, fill=fill, center=center)


def affine_image(image, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None,
                 center=None):
    angle, translate, scale, shear, center = _affine_parse_args(angle, translate, scale, shear, center)
    return F1.affine(image, angle, translate, scale, shear, _interpolation(interpolation), fill, center)


affine_video = affine_image


def affine_mask(mask, angle, translate, scale, shear, fill=0, center=None, **kwargs):
    return _mask_kernel(affine_image)(mask, angle, translate, scale, shear, InterpolationMode.NEAREST, fill, center)


def _affine_boxes(bounding_boxes, format, canvas_size, angle, translate, scale, shear, center=None, expand=False,
                  clamping_mode="soft"):
    angle, translate, scale, shear, center = _affine_parse_args(angle, translate, scale, shear, center)
    h, w = canvas_size
    centre = [w * 0.5, h * 0.5] if center is None else center
    forward = F1._inverse_affine_matrix(centre, angle, translate, scale, shear, inverted=False)
    move = _affine_points_fn(forward)
    size = canvas_size
    if expand:  # the rotated canvas, shifted so its top-left corner is the origin
        corners = move(ember.tensor([[0.0, 0.0], [0.0, float(h)], [float(w), float(h)], [float(w), 0.0]]))
        shift = corners.amin(dim=0)
        ow, oh = _affine_output_size(F1._inverse_affine_matrix(centre, angle, translate, scale, shear), w, h)
        size = (oh, ow)
        return _transform_points(bounding_boxes, format, canvas_size, lambda p: move(p) - shift, size, clamping_mode)
    return _transform_points(bounding_boxes, format, canvas_size, move, size, clamping_mode)


def _affine_output_size(matrix, w, h):
    """(width, height) of the canvas holding the whole transformed image (torchvision's, trimmed at 1e-4)."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, -0.5 * h, 1.0]], np.float32)
    new = pts @ np.asarray(matrix, np.float32).reshape(2, 3).T + np.float32([0.5 * w, 0.5 * h])
    hi = np.ceil(np.trunc(new.max(0) * np.float32(1e4)) * np.float32(1e-4))
    lo = np.floor(np.trunc(new.min(0) * np.float32(1e4)) * np.float32(1e-4))
    size = hi - lo
    return int(size[0]), int(size[1])


def affine_bounding_boxes(bounding_boxes, format, canvas_size, angle, translate, scale, shear, center=None,
                          clamping_mode="soft"):
    return _affine_boxes(bounding_boxes, format, canvas_size, angle, translate, scale, shear, center,
                         clamping_mode=clamping_mode)[0]


def _affine_keypoints(keypoints, canvas_size, angle, translate, scale, shear, center=None, expand=False):
    angle, translate, scale, shear, center = _affine_parse_args(angle, translate, scale, shear, center)
    h, w = canvas_size
    centre = [w * 0.5, h * 0.5] if center is None else center
    move = _affine_points_fn(F1._inverse_affine_matrix(centre, angle, translate, scale, shear, inverted=False))
    pts = move(keypoints.reshape(-1, 2).float())
    size = canvas_size
    if expand:
        corners = move(ember.tensor([[0.0, 0.0], [0.0, float(h)], [float(w), float(h)], [float(w), 0.0]]))
        pts = pts - corners.amin(dim=0)
        ow, oh = _affine_output_size(F1._inverse_affine_matrix(centre, angle, translate, scale, shear), w, h)
        size = (oh, ow)
    return pts.reshape(keypoints.shape).to(keypoints.dtype), size


def affine_keypoints(keypoints, canvas_size, angle, translate, scale, shear, center=None):
    return _affine_keypoints(keypoints, canvas_size, angle, translate, scale, shear, center)


_register_image_kernels(affine, affine_image, affine_image)
_register_kernel_internal(affine, tv_tensors.Mask)(affine_mask)
_register_boxes(affine, lambda b, fmt, cs, angle, translate, scale, shear, center=None, clamping_mode="soft", **kw:
                _affine_boxes(b, fmt, cs, angle, translate, scale, shear, center, clamping_mode=clamping_mode))
_register_keypoints(affine, lambda p, cs, angle, translate, scale, shear, center=None, **kw:
                    _affine_keypoints(p, cs, angle, translate, scale, shear, center))


def rotate(inpt, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by `angle` degrees (expand=True grows the canvas to hold it all)."""
    return _get_kernel(rotate, type(inpt))(inpt, angle=angle, interpolation=interpolation, expand=expand,
                                           center=center, fill=fill)


def rotate_image(image, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    return F1.rotate(image, angle, _interpolation(interpolation), expand, center, fill)


rotate_video = rotate_image


def rotate_mask(mask, angle, expand=False, center=None, fill=0, **kwargs):
    return _mask_kernel(rotate_image)(mask, angle, InterpolationMode.NEAREST, expand, center, fill)


def rotate_bounding_boxes(bounding_boxes, format, canvas_size, angle, expand=False, center=None,
                          clamping_mode="soft"):
    return _affine_boxes(bounding_boxes, format, canvas_size, -angle, [0.0, 0.0], 1.0, [0.0, 0.0], center, expand,
                         clamping_mode)


def rotate_keypoints(keypoints, canvas_size, angle, expand=False, center=None):
    return _affine_keypoints(keypoints, canvas_size, -angle, [0.0, 0.0], 1.0, [0.0, 0.0], center, expand)


_register_image_kernels(rotate, rotate_image, rotate_image)
_register_kernel_internal(rotate, tv_tensors.Mask)(rotate_mask)
_register_boxes(rotate, lambda b, fmt, cs, angle, expand=False, center=None, clamping_mode="soft", **kw:
                rotate_bounding_boxes(b, fmt, cs, angle, expand, center, clamping_mode))
_register_keypoints(rotate, lambda p, cs, angle, expand=False, center=None, **kw:
                    rotate_keypoints(p, cs, angle, expand, center))


# ---------------------------------------------------------------------- perspective, elastic
def _perspective_coefficients(startpoints, endpoints, coefficients):
    if coefficients is not None:
        if startpoints is not None and endpoints is not None:
            raise ValueError("The startpoints/endpoints and the coefficients shouldn't be defined concurrently.")
        if len(coefficients) != 8:
            raise ValueError("Argument coefficients should have 8 float values")
        return coefficients
    if startpoints is not None and endpoints is not None:
        return F1._perspective_coeffs(startpoints, endpoints)
    raise ValueError("Either the startpoints/endpoints or the coefficients must have non `None` values.")


def perspective(inpt, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None,
                coefficients=None):
    """Warp so that the four startpoints land on the endpoints (or by the 8 given coefficients)."""
    return _get_kernel(perspective, type(inpt))(inpt, startpoints=startpoints, endpoints=endpoints,
                                                interpolation=interpolation, fill=fill, coefficients=coefficients)


def perspective_image(image, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None,
                      coefficients=None):
    coeffs = _perspective_coefficients(startpoints, endpoints, coefficients)
    interpolation = _interpolation(interpolation)
    if isinstance(image, PILImage.Image):
        from ... import _functional_pil as F_pil
        return F_pil.perspective(image, coeffs, F1._PIL_FILTER[interpolation], fill)
    return F_t.perspective(image, coeffs, interpolation.value, fill)


perspective_video = perspective_image


def perspective_mask(mask, startpoints, endpoints, fill=0, coefficients=None, **kwargs):
    return _mask_kernel(perspective_image)(mask, startpoints, endpoints, InterpolationMode.NEAREST, fill,
                                           coefficients)


def _perspective_points_fn(startpoints, endpoints, coefficients):
    """The forward projective map (source to output): the inverse of the sampling coefficients."""
    a, b, c, d, e, f, g, h = _perspective_coefficients(startpoints, endpoints, coefficients)
    forward = np.linalg.inv(np.array([[a, b, c], [d, e, f], [g, h, 1.0]], np.float64))
    m = ember.tensor(forward / forward[2, 2], dtype=ember.float64)

    def move(pts):
        p = ember.cat([pts.double(), ember.ones(pts.shape[0], 1, dtype=ember.float64)], -1) @ m.T
        return (p[:, :2] / p[:, 2:]).float()
    return move


def perspective_bounding_boxes(bounding_boxes, format, canvas_size, startpoints, endpoints, coefficients=None,
                               clamping_mode="soft"):
    move = _perspective_points_fn(startpoints, endpoints, coefficients)
    return _transform_points(bounding_boxes, format, canvas_size, move, canvas_size, clamping_mode)[0]


def perspective_keypoints(keypoints, canvas_size, startpoints, endpoints, coefficients=None):
    move = _perspective_points_fn(startpoints, endpoints, coefficients)
    return move(keypoints.reshape(-1, 2).float()).reshape(keypoints.shape).to(keypoints.dtype)


_register_image_kernels(perspective, perspective_image, perspective_image)
_register_kernel_internal(perspective, tv_tensors.Mask)(perspective_mask)
_register_boxes(perspective, lambda b, fmt, cs, startpoints, endpoints, coefficients=None, clamping_mode="soft",
                **kw: (perspective_bounding_boxes(b, fmt, cs, startpoints, endpoints, coefficients, clamping_mode),
                       cs))
_register_keypoints(perspective, lambda p, cs, startpoints, endpoints, coefficients=None, **kw:
                    (perspective_keypoints(p, cs, startpoints, endpoints, coefficients), cs))


def elastic(inpt, displacement, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Move each pixel by `displacement` (1, H, W, 2 in grid_sample's [-1, 1] units)."""
    return _get_kernel(elastic, type(inpt))(inpt, displacement=displacement, interpolation=interpolation, fill=fill)


elastic_transform = elastic


def elastic_image(image, displacement, interpolation=InterpolationMode.BILINEAR, fill=None):
    return F1.elastic_transform(image, displacement, _interpolation(interpolation), fill)


elastic_video = elastic_image


def elastic_mask(mask, displacement, fill=0, **kwargs):
    return _mask_kernel(elastic_image)(mask, displacement, InterpolationMode.NEAREST, fill)


def _elastic_points_fn(displacement, canvas_size):
    """Where a point goes: approximately back along the displacement found at its pixel."""
    h, w = canvas_size
    disp = displacement.reshape(h, w, 2).float()
    ys = ember.linspace((-h + 1) / h, (h - 1) / h, h)
    xs = ember.linspace((-w + 1) / w, (w - 1) / w, w)
    inverse = ember.stack([xs.expand(h, w), ys.unsqueeze(1).expand(h, w)], -1) - disp
    size = ember.tensor([w, h], dtype=ember.float32)

    def move(pts):
        ix = pts[:, 0].long().clamp(0, w - 1)
        iy = pts[:, 1].long().clamp(0, h - 1)
        return (inverse[iy, ix] + 1) * 0.5 * size - 0.5
    return move


def elastic_bounding_boxes(bounding_boxes, format, canvas_size, displacement, clamping_mode="soft"):
    move = _elastic_points_fn(displacement, canvas_size)
    return _transform_points(bounding_boxes, format, canvas_size, move, canvas_size, clamping_mode)[0]


def elastic_keypoints(keypoints, canvas_size, displacement):
    move = _elastic_points_fn(displacement, canvas_size)
    return move(keypoints.reshape(-1, 2).float()).reshape(keypoints.shape).to(keypoints.dtype)


_register_image_kernels(elastic, elastic_image, elastic_image)
_register_kernel_internal(elastic, tv_tensors.Mask)(elastic_mask)
_register_boxes(elastic, lambda b, fmt, cs, displacement, clamping_mode="soft", **kw:
                (elastic_bounding_boxes(b, fmt, cs, displacement, clamping_mode), cs))
_register_keypoints(elastic, lambda p, cs, displacement, **kw: (elastic_keypoints(p, cs, displacement), cs))
