"""tv_tensors.Mask: a segmentation mask (..., H, W)."""
from PIL import Image as _PILImage

from ._tv_tensor import TVTensor


class Mask(TVTensor):
    """torchvision.tv_tensors.Mask: a tensor (or a PIL image, converted) of shape (..., H, W)."""

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        if isinstance(data, _PILImage.Image):
            from ..transforms.functional import pil_to_tensor
            data = pil_to_tensor(data)
        return cls._to_tensor(data, dtype=dtype, device=device, requires_grad=requires_grad).as_subclass(cls)
