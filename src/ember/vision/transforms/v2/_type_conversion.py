"""ToImage, PILToTensor, ToPILImage, ToPureTensor (torchvision.transforms.v2._type_conversion)."""
import numpy as np
from PIL import Image as PILImage

import ember
from ... import tv_tensors
from . import functional as F
from ._transform import Transform


class PILToTensor(Transform):
    """PIL image -> (C, H, W) tensor of the same values."""
    _transformed_types = (PILImage.Image,)

    def transform(self, inpt, params):
        return F.pil_to_tensor(inpt)


class ToImage(Transform):
    """Tensor, ndarray or PIL image -> tv_tensors.Image."""
    _transformed_types = (F.is_pure_tensor, PILImage.Image, np.ndarray)

    def transform(self, inpt, params):
        return F.to_image(inpt)


class ToPILImage(Transform):
    """Tensor, Image or ndarray -> PIL image (floats taken as [0, 1])."""
    _transformed_types = (F.is_pure_tensor, tv_tensors.Image, np.ndarray)

    def __init__(self, mode=None):
        super().__init__()
        self.mode = mode

    def transform(self, inpt, params):
        return F.to_pil_image(inpt if isinstance(inpt, np.ndarray) else inpt.as_subclass(ember.Tensor), mode=self.mode)


class ToPureTensor(Transform):
    """Every TVTensor of the sample as a plain tensor."""
    _transformed_types = (tv_tensors.TVTensor,)

    def transform(self, inpt, params):
        return inpt.as_subclass(ember.Tensor)


class ToTensor(Transform):
    """v1's ToTensor (PIL image or ndarray -> float tensor in [0, 1])."""
    _transformed_types = (PILImage.Image, np.ndarray)

    def transform(self, inpt, params):
        return F.to_tensor(inpt)
