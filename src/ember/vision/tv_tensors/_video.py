"""tv_tensors.Video: a (..., T, C, H, W) video tensor."""
from ._tv_tensor import TVTensor


class Video(TVTensor):
    """torchvision.tv_tensors.Video: a tensor of shape (..., T, C, H, W)."""

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        tensor = cls._to_tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        if tensor.ndim < 4:
            raise ValueError
        return tensor.as_subclass(cls)

    def __repr__(self, *, tensor_contents=None):
        return self._make_repr()
