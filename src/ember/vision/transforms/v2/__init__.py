"""ember.vision.transforms.v2 (torchvision.transforms.v2): transforms of whole samples — images (tensor,
PIL, tv_tensors.Image), videos, masks, bounding boxes and key points in any nested structure — that
move boxes and masks with their image."""
from ..functional import InterpolationMode  # noqa: F401
from ..autoaugment import AutoAugmentPolicy  # noqa: F401
from . import functional  # noqa: F401
from ._transform import Transform  # noqa: F401
from ._container import Compose, RandomApply, RandomChoice, RandomOrder  # noqa: F401
from ._type_conversion import PILToTensor, ToImage, ToPILImage, ToPureTensor, ToTensor  # noqa: F401
from ._misc import (ConvertImageDtype, GaussianBlur, GaussianNoise, Identity, Lambda,  # noqa: F401
                    LinearTransformation, Normalize, SanitizeBoundingBoxes, SanitizeKeyPoints, ToDtype)
from ._meta import ClampBoundingBoxes, ClampKeyPoints, ConvertBoundingBoxFormat, SetClampingMode  # noqa: F401
from ._geometry import (CenterCrop, ElasticTransform, FiveCrop, Pad, RandomAffine, RandomCrop,  # noqa: F401
                        RandomHorizontalFlip, RandomIoUCrop, RandomPerspective, RandomResize, RandomResizedCrop,
                        RandomRotation, RandomShortestSize, RandomVerticalFlip, RandomZoomOut, Resize, ScaleJitter,
                        TenCrop)
from ._color import (RGB, ColorJitter, Grayscale, RandomAdjustSharpness, RandomAutocontrast,  # noqa: F401
                     RandomChannelPermutation, RandomEqualize, RandomGrayscale, RandomInvert,
                     RandomPhotometricDistort, RandomPosterize, RandomSolarize)
from ._augment import CutMix, MixUp, RandomErasing  # noqa: F401
from ._auto_augment import AugMix, AutoAugment, RandAugment, TrivialAugmentWide  # noqa: F401
from ._temporal import UniformTemporalSubsample  # noqa: F401
from ._utils import (check_type, get_bounding_boxes, get_keypoints, has_all, has_any, query_chw,  # noqa: F401
                     query_size)


def __getattr__(name):
    # torchvision 0.28's v2 names Ember does not have yet fail at first use, naming themselves
    if name == "JPEG":
        from ember.compat import NotImplementedInEmber
        raise NotImplementedInEmber(f"torchvision.transforms.v2.{name} is not implemented in Ember")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
