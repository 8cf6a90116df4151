"""What the segmentation models share: a backbone, a classifier head and an optional auxiliary head, each
prediction upsampled to the input's size (torchvision.models.segmentation._utils)."""
import warnings
from collections import OrderedDict

from ember import nn
from ember.nn import functional as F

from .._api import WeightsEnum, resolve, state_dict_of


class _SimpleSegmentationModel(nn.Module):
    """backbone (returning {"out", and "aux" when used}) -> classifier (and aux_classifier), both outputs
    resized bilinearly to the input's height and width."""

    def __init__(self, backbone, classifier, aux_classifier=None):
        super().__init__()
        self.backbone = backbone
        self.classifier = classifier
        self.aux_classifier = aux_classifier

    def forward(self, x):
        size = tuple(x.shape[-2:])
        features = self.backbone(x)
        result = OrderedDict()
        result["out"] = F.interpolate(self.classifier(features["out"]), size=size, mode="bilinear",
                                      align_corners=False)
        if self.aux_classifier is not None:
            result["aux"] = F.interpolate(self.aux_classifier(features["aux"]), size=size, mode="bilinear",
                                          align_corners=False)
        return result


def _overwrite_value(name, actual, expected):
    if actual is not None and actual != expected:
        raise ValueError(f"The parameter '{name}' expected value {expected} but got {actual} instead.")
    return expected


def segmentation_setup(weights, enum, progress, kwargs, backbone_enum, aux=True):
    """What a segmentation builder needs from its arguments: (state_dict or None, num_classes, aux_loss,
    weights_backbone), as torchvision decides them: trained weights fix the classes (and the auxiliary head)
    and skip the backbone's own weights."""
    weights = resolve(weights, enum)
    weights_backbone = kwargs.pop("weights_backbone", backbone_enum.IMAGENET1K_V1)
    if "pretrained_backbone" in kwargs:
        warnings.warn("The parameter 'pretrained_backbone' is deprecated since 0.13 and may be removed in the future, "
                      "please use 'weights_backbone' instead.")
        weights_backbone = backbone_enum.IMAGENET1K_V1 if kwargs.pop("pretrained_backbone") else None
    weights_backbone = resolve(weights_backbone, backbone_enum)
    num_classes, aux_loss = kwargs.pop("num_classes", None), kwargs.pop("aux_loss", None)
    if isinstance(weights, WeightsEnum):
        num_classes = _overwrite_value("num_classes", num_classes, len(weights.meta["categories"]))
        aux_loss = _overwrite_value("aux_loss", aux_loss, True) if aux else aux_loss
    state = state_dict_of(weights, progress)
    if weights is not None:
        weights_backbone = None
        if aux_loss is None:  # a checkpoint file: it says whether it has the auxiliary head
            aux_loss = any(k.startswith("aux_classifier.") for k in state)
        if num_classes is None:
            num_classes = next(v.shape[0] for k, v in state.items() if k.startswith("classifier.") and v.ndim == 4
                               and k.endswith(("4.weight", "high_classifier.weight")))
    elif num_classes is None:
        num_classes = 21
    return state, num_classes, aux_loss, weights_backbone
