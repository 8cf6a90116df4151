"""DeepLabV3 (Chen et al., 2017): atrous spatial pyramid pooling on a dilated ResNet or MobileNetV3
(torchvision.models.segmentation.deeplabv3)."""
import ember
from ember import nn
from ember.nn import functional as F

from .._api import builder, weights_enum
from .._utils import IntermediateLayerGetter
from ..mobilenetv3 import MobileNet_V3_Large_Weights, mobilenet_v3_large
from ..resnet import ResNet50_Weights, ResNet101_Weights, resnet50, resnet101
from ._utils import _SimpleSegmentationModel, segmentation_setup
from .fcn import FCNHead, resnet_builder, resnet_features

__all__ = ["DeepLabV3", "DeepLabV3_ResNet50_Weights", "DeepLabV3_ResNet101_Weights",
           "DeepLabV3_MobileNet_V3_Large_Weights", "deeplabv3_mobilenet_v3_large", "deeplabv3_resnet50",
           "deeplabv3_resnet101"]


class DeepLabV3(_SimpleSegmentationModel):
    """DeepLabV3: backbone features through ASPP to per-pixel class scores
    (torchvision.models.segmentation.DeepLabV3)."""


class DeepLabHead(nn.Sequential):
    """ASPP, then a 3x3 convolution - batch norm - ReLU, then a 1x1 convolution to the classes."""

    def __init__(self, in_channels, num_classes, atrous_rates=(12, 24, 36)):
        super().__init__(ASPP(in_channels, atrous_rates), nn.Conv2d(256, 256, 3, padding=1, bias=False),
                         nn.BatchNorm2d(256), nn.ReLU(), nn.Conv2d(256, num_classes, 1))


class ASPPConv(nn.Sequential):
    """A 3x3 convolution dilated by `dilation` - batch norm - ReLU."""

    def __init__(self, in_channels, out_channels, dilation):
        super().__init__(nn.Conv2d(in_channels, out_channels, 3, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())


class ASPPPooling(nn.Sequential):
    """Image-level features: global average, 1x1 convolution - batch norm - ReLU, spread back over the map."""

    def __init__(self, in_channels, out_channels):
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_channels, out_channels, 1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())

    def forward(self, x):
        size = tuple(x.shape[-2:])
        return F.interpolate(super().forward(x), size=size, mode="bilinear", align_corners=False)


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: a 1x1 branch, one dilated 3x3 branch per rate and the pooled branch,
    concatenated and projected to out_channels (with dropout 0.5)."""

    def __init__(self, in_channels, atrous_rates, out_channels=256):
        super().__init__()
        branches = [nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels),
                                  nn.ReLU())]
        branches += [ASPPConv(in_channels, out_channels, rate) for rate in tuple(atrous_rates)]
        branches.append(ASPPPooling(in_channels, out_channels))
        self.convs = nn.ModuleList(branches)
        self.project = nn.Sequential(nn.Conv2d(len(self.convs) * out_channels, out_channels, 1, bias=False),
                                     nn.BatchNorm2d(out_channels), nn.ReLU(), nn.Dropout(0.5))

    def forward(self, x):
        return self.project(ember.cat([conv(x) for conv in self.convs], dim=1))


def _deeplabv3_resnet(backbone, num_classes, aux):
    return DeepLabV3(resnet_features(backbone, aux), DeepLabHead(2048, num_classes),
                     FCNHead(1024, num_classes) if aux else None)


def mobilenet_stages(backbone):
    """The positions in a MobileNetV3's features of its C2 (output stride 8) and last (stride 16) stages."""
    features = backbone.features
    stages = [0] + [i for i, b in enumerate(features) if getattr(b, "_is_cn", False)] + [len(features) - 1]
    return features, stages[-4], stages[-1]


def _deeplabv3_mobilenetv3(backbone, num_classes, aux):
    features, aux_pos, out_pos = mobilenet_stages(backbone)
    layers = {str(out_pos): "out", **({str(aux_pos): "aux"} if aux else {})}
    return DeepLabV3(IntermediateLayerGetter(features, layers),
                     DeepLabHead(features[out_pos].out_channels, num_classes),
                     FCNHead(features[aux_pos].out_channels, num_classes) if aux else None)


def _make_mobilenet():
    enum = weights_enum("DeepLabV3_MobileNet_V3_Large_Weights", __name__)

    def make(weights, progress, kwargs):
        state, num_classes, aux_loss, weights_backbone = segmentation_setup(weights, enum, progress, kwargs,
                                                                            MobileNet_V3_Large_Weights)
        model = _deeplabv3_mobilenetv3(mobilenet_v3_large(weights=weights_backbone, dilated=True), num_classes,
                                       aux_loss)
        if state is not None:
            model.load_state_dict(state)
        return model
    return enum, builder("deeplabv3_mobilenet_v3_large", enum, make,
                         "DeepLabV3 on a dilated mobilenet_v3_large (torchvision.models.segmentation."
                         "deeplabv3_mobilenet_v3_large); weights_backbone: the backbone's weights when `weights` "
                         "is None.")


DeepLabV3_ResNet50_Weights = weights_enum("DeepLabV3_ResNet50_Weights", __name__)
DeepLabV3_ResNet101_Weights = weights_enum("DeepLabV3_ResNet101_Weights", __name__)
deeplabv3_resnet50 = resnet_builder("deeplabv3_resnet50", DeepLabV3_ResNet50_Weights, resnet50, ResNet50_Weights,
                                    _deeplabv3_resnet, "DeepLabV3")
deeplabv3_resnet101 = resnet_builder("deeplabv3_resnet101", DeepLabV3_ResNet101_Weights, resnet101, ResNet101_Weights,
                                     _deeplabv3_resnet, "DeepLabV3")
DeepLabV3_MobileNet_V3_Large_Weights, deeplabv3_mobilenet_v3_large = _make_mobilenet()
