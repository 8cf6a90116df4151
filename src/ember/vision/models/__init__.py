"""ember.vision.models: model architectures with torchvision's names and state_dict keys."""
from .resnet import *  # noqa: F401,F403
from .lenet import LeNet, lenet  # noqa: F401
from ._api import Weights, WeightsEnum, get_weight  # noqa: F401
from . import resnet  # noqa: F401

_BUILDERS = {"resnet18": resnet18, "resnet34": resnet34, "resnet50": resnet50,  # noqa: F405
             "resnet101": resnet101, "resnet152": resnet152, "lenet": lenet}  # noqa: F405
_WEIGHTS = {"resnet18": ResNet18_Weights, "resnet34": ResNet34_Weights, "resnet50": ResNet50_Weights,  # noqa: F405
            "resnet101": ResNet101_Weights, "resnet152": ResNet152_Weights}  # noqa: F405


def list_models():
    """The names get_model accepts."""
    return sorted(_BUILDERS)


def get_model(name, **config):
    """Build a model by name, e.g. get_model("resnet18", num_classes=10)."""
    try:
        return _BUILDERS[name.lower()](**config)
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model_weights(name):
    """The weights enum of a model, by name or builder."""
    name = getattr(name, "__name__", name)
    if name not in _WEIGHTS:
        raise ValueError(f"The model {name} has no pretrained weights")
    return _WEIGHTS[name]
