"""to_image, pil_to_tensor, to_pil_image (torchvision.transforms.v2.functional._type_conversion)."""
import numpy as np
from PIL import Image as PILImage

import ember
from .... import tv_tensors
from ... import functional as F1

pil_to_tensor = F1.pil_to_tensor
to_pil_image = F1.to_pil_image
to_tensor = F1.to_tensor


def to_image(inpt):
    """A tensor, (H, W[, C]) array or PIL image as a tv_tensors.Image (C, H, W) of the same values."""
    if isinstance(inpt, np.ndarray):
        out = ember.from_numpy(np.atleast_3d(inpt)).permute(2, 0, 1).contiguous()
    elif isinstance(inpt, PILImage.Image):
        out = F1.pil_to_tensor(inpt)
    elif isinstance(inpt, ember.Tensor):
        out = inpt
    else:
        raise TypeError(f"Input can either be a pure Tensor, a numpy array, or a PIL image, but got {type(inpt)} "
                        f"instead.")
    return tv_tensors.Image(out)
