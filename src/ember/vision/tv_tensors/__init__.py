"""ember.vision.tv_tensors: tensors that say what they hold (torchvision.tv_tensors), so that
transforms.v2 moves boxes, masks and key points along with their image."""
from ._bounding_boxes import BoundingBoxes, BoundingBoxFormat, is_rotated_bounding_format
from ._image import Image
from ._keypoints import KeyPoints
from ._mask import Mask
from ._tv_tensor import TVTensor, set_return_type
from ._video import Video

__all__ = ["TVTensor", "Image", "Video", "Mask", "BoundingBoxes", "BoundingBoxFormat", "KeyPoints", "wrap",
           "set_return_type", "is_rotated_bounding_format"]


def wrap(wrappee, *, like, **kwargs):
    """torchvision.tv_tensors.wrap: `wrappee` as the TVTensor class of `like`, with its metadata
    (fields given in kwargs replace like's)."""
    return type(like).wrap(wrappee, like, **kwargs)
