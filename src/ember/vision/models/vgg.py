"""VGG (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions, with or without batch norm
(torchvision.models.vgg)."""
import ember
from ember import nn
from ._api import build, builder, weights_enum

__all__ = ["VGG", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
           "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights",
           "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights"]


class VGG(nn.Module):
    """`features`, pooled to 7x7, then three linear layers with dropout."""

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return self.classifier(ember.flatten(self.avgpool(self.features(x)), 1))


def make_layers(cfg, batch_norm=False):
    """The convolution stack: an int is a 3x3 convolution to that many channels, "M" a 2x2 max pooling."""
    layers, in_channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        layers += [nn.BatchNorm2d(v), nn.ReLU(inplace=True)] if batch_norm else [nn.ReLU(inplace=True)]
        in_channels = v
    return nn.Sequential(*layers)


cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def _no_init(weights, kwargs):
    kwargs["init_weights"] = False  # the checkpoint overwrites everything


def _make(name, cfg, batch_norm):
    enum = weights_enum(name.upper() + "_Weights", __name__)

    def make(weights, progress, kwargs):
        return build(lambda **kw: VGG(make_layers(cfgs[cfg], batch_norm), **kw), weights, enum, progress, kwargs,
                     fix=_no_init)
    return enum, builder(name, enum, make, f"VGG {name[3:5]}-layer{' with batch norm' if batch_norm else ''} "
                                           f"(torchvision.models.{name}).")


VGG11_Weights, vgg11 = _make("vgg11", "A", False)
VGG11_BN_Weights, vgg11_bn = _make("vgg11_bn", "A", True)
VGG13_Weights, vgg13 = _make("vgg13", "B", False)
VGG13_BN_Weights, vgg13_bn = _make("vgg13_bn", "B", True)
VGG16_Weights, vgg16 = _make("vgg16", "D", False)
VGG16_BN_Weights, vgg16_bn = _make("vgg16_bn", "D", True)
VGG19_Weights, vgg19 = _make("vgg19", "E", False)
VGG19_BN_Weights, vgg19_bn = _make("vgg19_bn", "E", True)
