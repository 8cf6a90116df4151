"""tv_tensors.Image: a (..., C, H, W) image tensor."""
from PIL import Image as _PILImage

from ._tv_tensor import TVTensor


class Image(TVTensor):
    """torchvision.tv_tensors.Image: a tensor (or a PIL image, converted) of shape (..., C, H, W);
    a 2-D tensor gets a channel dimension."""

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        if isinstance(data, _PILImage.Image):
            from ..transforms.functional import pil_to_tensor
            data = pil_to_tensor(data)
        tensor = cls._to_tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        if tensor.ndim < 2:
            raise ValueError(f"Tensor must be 2D or higher, got {tensor.ndim}D tensor.")
        if tensor.ndim == 2:
            tensor = tensor.unsqueeze(0)
        return tensor.as_subclass(cls)

    def __repr__(self, *, tensor_contents=None):
        return self._make_repr()
