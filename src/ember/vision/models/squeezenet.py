"""SqueezeNet 1.0 and 1.1 (Iandola et al., 2016): "Fire" modules of a 1x1 squeeze and parallel 1x1 / 3x3
expands (torchvision.models.squeezenet)."""
import ember
from ember import nn
from ember.nn import init
from ._api import build, builder, weights_enum

__all__ = ["SqueezeNet", "squeezenet1_0", "squeezenet1_1", "SqueezeNet1_0_Weights", "SqueezeNet1_1_Weights"]


class Fire(nn.Module):
    """Squeeze to `squeeze_planes` with 1x1, then concatenate 1x1 and 3x3 expansions."""

    def __init__(self, inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes):
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return ember.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


# the feature stacks: (conv out, kernel) of the stem, then "M" for a max pooling or (in, squeeze, expand) Fires
_VERSIONS = {
    "1_0": ((96, 7), ["M", (96, 16, 64), (128, 16, 64), (128, 32, 128), "M", (256, 32, 128), (256, 48, 192),
                      (384, 48, 192), (384, 64, 256), "M", (512, 64, 256)]),
    "1_1": ((64, 3), ["M", (64, 16, 64), (128, 16, 64), "M", (128, 32, 128), (256, 32, 128), "M",
                      (256, 48, 192), (384, 48, 192), (384, 64, 256), (512, 64, 256)]),
}


class SqueezeNet(nn.Module):
    """A stride-2 stem, Fire modules between ceil-mode max poolings, and a 1x1 convolution classifier."""

    def __init__(self, version="1_0", num_classes=1000, dropout=0.5):
        super().__init__()
        if version not in _VERSIONS:
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1_0 or 1_1 expected")
        self.num_classes = num_classes
        (stem, kernel), stack = _VERSIONS[version]
        layers = [nn.Conv2d(3, stem, kernel_size=kernel, stride=2), nn.ReLU(inplace=True)]
        for spec in stack:
            layers.append(nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True) if spec == "M"
                          else Fire(spec[0], spec[1], spec[2], spec[2]))
        self.features = nn.Sequential(*layers)
        final_conv = nn.Conv2d(512, num_classes, kernel_size=1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), final_conv, nn.ReLU(inplace=True),
                                        nn.AdaptiveAvgPool2d((1, 1)))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                if m is final_conv:  # the classifier starts small
                    init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    init.constant_(m.bias, 0)

    def forward(self, x):
        return ember.flatten(self.classifier(self.features(x)), 1)


def _make(version):
    enum = weights_enum(f"SqueezeNet{version}_Weights", __name__)
    return enum, builder(f"squeezenet{version}", enum,
                         lambda weights, progress, kwargs: build(SqueezeNet, weights, enum, progress, kwargs, version),
                         f"SqueezeNet {version.replace('_', '.')} (torchvision.models.squeezenet{version}).")


SqueezeNet1_0_Weights, squeezenet1_0 = _make("1_0")
SqueezeNet1_1_Weights, squeezenet1_1 = _make("1_1")
