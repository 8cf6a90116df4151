"""Lite R-ASPP (Howard et al., MobileNetV3, 2019) on a dilated MobileNetV3 (torchvision.models.segmentation.lraspp)."""
from collections import OrderedDict

from ember import nn
from ember.nn import functional as F

from .._api import builder, weights_enum
from .._utils import IntermediateLayerGetter
from ..mobilenetv3 import MobileNet_V3_Large_Weights, mobilenet_v3_large
from ._utils import segmentation_setup
from .deeplabv3 import mobilenet_stages

__all__ = ["LRASPP", "LRASPP_MobileNet_V3_Large_Weights", "lraspp_mobilenet_v3_large"]


class LRASPP(nn.Module):
    """Lite R-ASPP: a backbone returning {"low", "high"} features and an LRASPPHead, upsampled to the input
    (torchvision.models.segmentation.LRASPP)."""

    def __init__(self, backbone, low_channels, high_channels, num_classes, inter_channels=128):
        super().__init__()
        self.backbone = backbone
        self.classifier = LRASPPHead(low_channels, high_channels, num_classes, inter_channels)

    def forward(self, input):
        out = self.classifier(self.backbone(input))
        result = OrderedDict()
        result["out"] = F.interpolate(out, size=tuple(input.shape[-2:]), mode="bilinear", align_corners=False)
        return result


class LRASPPHead(nn.Module):
    """High-level features gated by their global context, upsampled to the low-level ones; each classified by a
    1x1 convolution and the two summed."""

    def __init__(self, low_channels, high_channels, num_classes, inter_channels):
        super().__init__()
        self.cbr = nn.Sequential(nn.Conv2d(high_channels, inter_channels, 1, bias=False),
                                 nn.BatchNorm2d(inter_channels), nn.ReLU(inplace=True))
        self.scale = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(high_channels, inter_channels, 1, bias=False),
                                   nn.Sigmoid())
        self.low_classifier = nn.Conv2d(low_channels, num_classes, 1)
        self.high_classifier = nn.Conv2d(inter_channels, num_classes, 1)

    def forward(self, input):
        low, high = input["low"], input["high"]
        x = self.cbr(high) * self.scale(high)
        x = F.interpolate(x, size=tuple(low.shape[-2:]), mode="bilinear", align_corners=False)
        return self.low_classifier(low) + self.high_classifier(x)


def _lraspp_mobilenetv3(backbone, num_classes):
    features, low_pos, high_pos = mobilenet_stages(backbone)
    getter = IntermediateLayerGetter(features, {str(low_pos): "low", str(high_pos): "high"})
    return LRASPP(getter, features[low_pos].out_channels, features[high_pos].out_channels, num_classes)


def _make():
    enum = weights_enum("LRASPP_MobileNet_V3_Large_Weights", __name__)

    def make(weights, progress, kwargs):
        if kwargs.pop("aux_loss", False):
            raise NotImplementedError("This model does not use auxiliary loss")
        state, num_classes, _, weights_backbone = segmentation_setup(weights, enum, progress, kwargs,
                                                                     MobileNet_V3_Large_Weights, aux=False)
        model = _lraspp_mobilenetv3(mobilenet_v3_large(weights=weights_backbone, dilated=True), num_classes)
        if state is not None:
            model.load_state_dict(state)
        return model
    return enum, builder("lraspp_mobilenet_v3_large", enum, make,
                         "Lite R-ASPP on a dilated mobilenet_v3_large (torchvision.models.segmentation."
                         "lraspp_mobilenet_v3_large); weights_backbone: the backbone's weights when `weights` is None.")


LRASPP_MobileNet_V3_Large_Weights, lraspp_mobilenet_v3_large = _make()
