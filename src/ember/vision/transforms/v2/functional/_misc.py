"""normalize, gaussian_blur, gaussian_noise, to_dtype, sanitize_bounding_boxes
(torchvision.transforms.v2.functional._misc)."""
import ember
from .... import tv_tensors
from ... import functional as F1
from ... import _functional_tensor as F_t
from ._meta import _convert_bounding_box_format, _parse_format
from ._utils import _register_kernel_internal, _register_image_kernels, _get_kernel, is_pure_tensor


def normalize(inpt, mean, std, inplace=False):
    """(x - mean[c]) / std[c] for a float image or video."""
    return _get_kernel(normalize, type(inpt))(inpt, mean=mean, std=std, inplace=inplace)


def normalize_image(image, mean, std, inplace=False):
    return F_t.normalize(image, mean, std, inplace)


normalize_video = normalize_image
_register_image_kernels(normalize, normalize_image)


def gaussian_blur(inpt, kernel_size, sigma=None):
    """Blur with a Gaussian kernel (odd sizes; sigma defaults from the size)."""
    return _get_kernel(gaussian_blur, type(inpt))(inpt, kernel_size=kernel_size, sigma=sigma)


gaussian_blur_image = gaussian_blur_video = F1.gaussian_blur
_register_image_kernels(gaussian_blur, F1.gaussian_blur, F1.gaussian_blur)


def gaussian_noise(inpt, mean=0.0, sigma=0.1, clip=True):
    """Add N(mean, sigma) noise to a float image (clipped to [0, 1] unless clip=False)."""
    return _get_kernel(gaussian_noise, type(inpt))(inpt, mean=mean, sigma=sigma, clip=clip)


def gaussian_noise_image(image, mean=0.0, sigma=0.1, clip=True):
    if not image.is_floating_point():
        raise ValueError(f"Input tensor is expected to be in float dtype, got dtype={image.dtype}")
    if sigma < 0:
        raise ValueError(f"sigma shouldn't be negative. Got {sigma}")
    noisy = image + ember.randn_like(image) * sigma + mean
    return noisy.clamp(0, 1) if clip else noisy


gaussian_noise_video = gaussian_noise_image
_register_image_kernels(gaussian_noise, gaussian_noise_image)


def _num_value_bits(dtype):
    return {ember.uint8: 8, ember.int8: 7, ember.int16: 15, ember.int32: 31, ember.int64: 63}.get(dtype, 0)


def to_dtype_image(image, dtype=ember.float32, scale=False):
    """The image as `dtype`; with scale=True its values go from one dtype's range to the other's."""
    if image.dtype == dtype:
        return image
    if not scale:
        return image.to(dtype)
    if not image.is_floating_point() and dtype.is_floating_point:
        # a multiply by the reciprocal, as torchvision's v2 does (v1 divides)
        return image.to(dtype).mul_(1.0 / F_t.max_value(image.dtype))
    return F_t.convert_image_dtype(image, dtype)


to_dtype_video = to_dtype_image


def to_dtype(inpt, dtype=ember.float32, scale=False):
    """torchvision.transforms.v2.functional.to_dtype."""
    return _get_kernel(to_dtype, type(inpt))(inpt, dtype=dtype, scale=scale)


def _to_dtype_tensor(inpt, dtype, scale=False):
    return inpt.to(dtype)


_register_image_kernels(to_dtype, to_dtype_image)
for _cls in (tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints):
    _register_kernel_internal(to_dtype, _cls, tv_tensor_wrapper=False)(_to_dtype_tensor)


def convert_image_dtype(image, dtype=ember.float32):
    """to_dtype with scale=True (the v1 name)."""
    return to_dtype(image, dtype, scale=True)


def _sanitize_mask(boxes, format, canvas_size, min_size=1.0, min_area=1.0):
    xyxy = _convert_bounding_box_format(boxes, format, tv_tensors.BoundingBoxFormat.XYXY)
    ws, hs = xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]
    h, w = canvas_size
    valid = (ws >= min_size) & (hs >= min_size) & (xyxy >= 0).all(dim=-1) & (ws * hs >= min_area)
    valid = valid & (xyxy[:, 0] <= w) & (xyxy[:, 2] <= w)
    return valid & (xyxy[:, 1] <= h) & (xyxy[:, 3] <= h)


def sanitize_bounding_boxes(bounding_boxes, format=None, canvas_size=None, min_size=1.0, min_area=1.0):
    """(the boxes that are large enough and inside the canvas, the boolean mask of those kept)."""
    if is_pure_tensor(bounding_boxes):
        if format is None or canvas_size is None:
            raise ValueError("format and canvas_size cannot be None if bounding_boxes is a pure tensor. "
                             f"Got format={format} and canvas_size={canvas_size}.Set those to appropriate values or "
                             "pass bounding_boxes as a tv_tensors.BoundingBoxes object.")
        format = _parse_format(format)
        valid = _sanitize_mask(bounding_boxes, format, canvas_size, min_size, min_area)
        return bounding_boxes[valid], valid
    if not isinstance(bounding_boxes, tv_tensors.BoundingBoxes):
        raise ValueError("bounding_boxes must be a tv_tensors.BoundingBoxes instance or a pure tensor.")
    if format is not None or canvas_size is not None:
        raise ValueError("format and canvas_size must be None when bounding_boxes is a tv_tensors.BoundingBoxes "
                         f"instance. Got format={format} and canvas_size={canvas_size}. Leave those to None or "
                         "pass bounding_boxes as a pure tensor.")
    plain = bounding_boxes.as_subclass(ember.Tensor)
    valid = _sanitize_mask(plain, bounding_boxes.format, bounding_boxes.canvas_size, min_size, min_area)
    return tv_tensors.wrap(plain[valid], like=bounding_boxes), valid


def _sanitize_keypoints_mask(points, canvas_size):
    h, w = canvas_size
    x, y = points[..., 0], points[..., 1]
    valid = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    # groups of points (polygons, skeletons) are kept or dropped whole
    return valid.flatten(start_dim=1).all(dim=1) if valid.ndim > 1 else valid


def sanitize_keypoints(key_points, canvas_size=None):
    """(the key points inside the canvas, the boolean mask of those kept)."""
    if is_pure_tensor(key_points):
        if canvas_size is None:
            raise ValueError("canvas_size cannot be None if key_points is a pure tensor. Set it to an appropriate "
                             "value or pass key_points as a tv_tensors.KeyPoints object.")
        valid = _sanitize_keypoints_mask(key_points, canvas_size)
        return key_points[valid], valid
    if not isinstance(key_points, tv_tensors.KeyPoints):
        raise ValueError("key_points must be a tv_tensors.KeyPoints instance or a pure tensor.")
    if canvas_size is not None:
        raise ValueError("canvas_size must be None when key_points is a tv_tensors.KeyPoints instance. Got "
                         f"canvas_size={canvas_size}. Leave it to None or pass key_points as a pure tensor.")
    plain = key_points.as_subclass(ember.Tensor)
    valid = _sanitize_keypoints_mask(plain, key_points.canvas_size)
    return tv_tensors.wrap(plain[valid], like=key_points), valid
