"""ember.vision.models: torchvision's classification architectures, with its names, state_dict keys,
printed form and pretrained weights enums (torchvision.models)."""
from .alexnet import *  # noqa: F401,F403
from .convnext import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .efficientnet import *  # noqa: F401,F403
from .googlenet import *  # noqa: F401,F403
from .inception import *  # noqa: F401,F403
from .maxvit import *  # noqa: F401,F403
from .mnasnet import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .mobilenetv3 import *  # noqa: F401,F403
from .regnet import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .shufflenetv2 import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .swin_transformer import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .vision_transformer import *  # noqa: F401,F403
from .lenet import LeNet, lenet  # noqa: F401
from ._api import (Weights, WeightsEnum, get_model, get_model_builder, get_model_weights, get_weight,  # noqa: F401
                   list_models, register_model)
from . import resnet  # noqa: F401
from . import segmentation  # noqa: F401
