"""ember.vision.models.segmentation: torchvision's semantic segmentation models (FCN, DeepLabV3, LR-ASPP) on
its classification backbones, with the same state_dict keys and weights enums (torchvision.models.segmentation)."""
from .deeplabv3 import *  # noqa: F401,F403
from .fcn import *  # noqa: F401,F403
from .lraspp import *  # noqa: F401,F403
