"""Fully convolutional networks (Long et al., 2015) on a dilated ResNet (torchvision.models.segmentation.fcn)."""
from ember import nn

from .._api import builder, weights_enum
from .._utils import IntermediateLayerGetter
from ..resnet import ResNet50_Weights, ResNet101_Weights, resnet50, resnet101
from ._utils import _SimpleSegmentationModel, segmentation_setup

__all__ = ["FCN", "FCN_ResNet50_Weights", "FCN_ResNet101_Weights", "fcn_resnet50", "fcn_resnet101"]


class FCN(_SimpleSegmentationModel):
    """An FCN: backbone features to per-pixel class scores (torchvision.models.segmentation.FCN)."""


class FCNHead(nn.Sequential):
    """3x3 convolution to in_channels / 4, batch norm, ReLU, dropout 0.1, 1x1 convolution to `channels`."""

    def __init__(self, in_channels, channels):
        inter = in_channels // 4
        super().__init__(nn.Conv2d(in_channels, inter, 3, padding=1, bias=False), nn.BatchNorm2d(inter), nn.ReLU(),
                         nn.Dropout(0.1), nn.Conv2d(inter, channels, 1))


def resnet_features(backbone, aux):
    """A ResNet's layer4 as "out" (and layer3 as "aux")."""
    return IntermediateLayerGetter(backbone, {"layer4": "out", **({"layer3": "aux"} if aux else {})})


def _fcn_resnet(backbone, num_classes, aux):
    return FCN(resnet_features(backbone, aux), FCNHead(2048, num_classes), FCNHead(1024, num_classes) if aux else None)


def resnet_builder(name, enum, resnet, backbone_enum, assemble, family):
    """A registered builder for `assemble`(dilated ResNet, num_classes, aux_loss)."""
    def make(weights, progress, kwargs):
        state, num_classes, aux_loss, weights_backbone = segmentation_setup(weights, enum, progress, kwargs,
                                                                            backbone_enum)
        model = assemble(resnet(weights=weights_backbone, replace_stride_with_dilation=[False, True, True]),
                         num_classes, aux_loss)
        if state is not None:
            model.load_state_dict(state)
        return model
    return builder(name, enum, make, f"{family} on a dilated {resnet.__name__} (torchvision.models.segmentation."
                                     f"{name}); weights_backbone: the backbone's weights when `weights` is None.")


FCN_ResNet50_Weights = weights_enum("FCN_ResNet50_Weights", __name__)
FCN_ResNet101_Weights = weights_enum("FCN_ResNet101_Weights", __name__)
fcn_resnet50 = resnet_builder("fcn_resnet50", FCN_ResNet50_Weights, resnet50, ResNet50_Weights, _fcn_resnet, "FCN")
fcn_resnet101 = resnet_builder("fcn_resnet101", FCN_ResNet101_Weights, resnet101, ResNet101_Weights, _fcn_resnet,
                               "FCN")
