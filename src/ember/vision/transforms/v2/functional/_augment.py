"""erase (torchvision.transforms.v2.functional._augment)."""
from ... import functional as F1
from ._utils import _register_image_kernels, _get_kernel


def erase(inpt, i, j, h, w, v, inplace=False):
    """Set the window (i, j, h, w) to v."""
    return _get_kernel(erase, type(inpt))(inpt, i=i, j=j, h=h, w=w, v=v, inplace=inplace)


def erase_image(image, i, j, h, w, v, inplace=False):
    return F1.erase(image, i, j, h, w, v, inplace)


def _erase_image_pil(image, i, j, h, w, v, inplace=False):
    return F1.to_pil_image(erase_image(F1.pil_to_tensor(image), i, j, h, w, v), mode=image.mode)


erase_video = erase_image
_register_image_kernels(erase, erase_image, _erase_image_pil)
