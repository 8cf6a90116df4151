"""GoogLeNet, Inception v1 (Szegedy et al., 2014), with torchvision's batch-normalised convolutions and two
auxiliary classifiers while training (torchvision.models.googlenet)."""
import warnings
from collections import namedtuple

import ember
from ember import nn
from ember.nn import functional as F
from ._api import WeightsEnum, build, builder, resolve, weights_enum
from .inception import (BasicConv2d, _chain, _init_warning, _pretrained_settings, init_truncated_normal,
                        transform_input)

__all__ = ["GoogLeNet", "GoogLeNetOutputs", "_GoogLeNetOutputs", "googlenet", "GoogLeNet_Weights"]

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])
_GoogLeNetOutputs = GoogLeNetOutputs


class Inception(nn.Module):
    """1x1 | 1x1-3x3 | 1x1-3x3 (torchvision's stand-in for 5x5) | max pool-1x1, concatenated."""

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, conv_block=None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(conv_block(in_channels, ch3x3red, kernel_size=1),
                                     conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(conv_block(in_channels, ch5x5red, kernel_size=1),
                                     conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                     conv_block(in_channels, pool_proj, kernel_size=1))

    def forward(self, x):
        return ember.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """An auxiliary classifier: pool to 4x4, 1x1 to 128, fc 2048 -> 1024 with ReLU and dropout, fc."""

    def __init__(self, in_channels, num_classes, conv_block=None, dropout=0.7):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.conv = conv_block(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = ember.flatten(self.conv(F.adaptive_avg_pool2d(x, (4, 4))), 1)
        return self.fc2(self.dropout(F.relu(self.fc1(x), inplace=True)))


# (in, 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5", pool projection) of inception 3a..5b
_INCEPTIONS = {"3a": (192, 64, 96, 128, 16, 32, 32), "3b": (256, 128, 128, 192, 32, 96, 64),
               "4a": (480, 192, 96, 208, 16, 48, 64), "4b": (512, 160, 112, 224, 24, 64, 64),
               "4c": (512, 128, 128, 256, 24, 64, 64), "4d": (512, 112, 144, 288, 32, 64, 64),
               "4e": (528, 256, 160, 320, 32, 128, 128), "5a": (832, 256, 160, 320, 32, 128, 128),
               "5b": (832, 384, 192, 384, 48, 128, 128)}


class GoogLeNet(nn.Module):
    """conv1-3 with max poolings, inception3a..5b, global pooling, dropout, fc; in training mode with aux_logits,
    forward returns GoogLeNetOutputs(logits, aux_logits2, aux_logits1)."""
    __constants__ = ["aux_logits", "transform_input"]

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False, init_weights=None, blocks=None,
                 dropout=0.2, dropout_aux=0.7):
        super().__init__()
        if blocks is None:
            blocks = [BasicConv2d, Inception, InceptionAux]
        if init_weights is None:
            _init_warning("GoogleNet")
            init_weights = True
        if len(blocks) != 3:
            raise ValueError(f"blocks length should be 3 instead of {len(blocks)}")
        conv_block, inception_block, aux_block = blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.conv1 = conv_block(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(64, 64, kernel_size=1)
        self.conv3 = conv_block(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        for name in ("3a", "3b"):
            setattr(self, f"inception{name}", inception_block(*_INCEPTIONS[name]))
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        for name in ("4a", "4b", "4c", "4d", "4e"):
            setattr(self, f"inception{name}", inception_block(*_INCEPTIONS[name]))
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        for name in ("5a", "5b"):
            setattr(self, f"inception{name}", inception_block(*_INCEPTIONS[name]))
        if aux_logits:
            self.aux1 = aux_block(512, num_classes, dropout=dropout_aux)
            self.aux2 = aux_block(528, num_classes, dropout=dropout_aux)
        else:
            self.aux1 = self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)
        if init_weights:
            init_truncated_normal(self, 0.01)

    def _forward(self, x):
        x = _chain(x, self.conv1, self.maxpool1, self.conv2, self.conv3, self.maxpool2, self.inception3a,
                   self.inception3b, self.maxpool3, self.inception4a)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = _chain(x, self.inception4b, self.inception4c, self.inception4d)
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = _chain(x, self.inception4e, self.maxpool4, self.inception5a, self.inception5b, self.avgpool)
        return self.fc(self.dropout(ember.flatten(x, 1))), aux2, aux1

    def eager_outputs(self, x, aux2, aux1):
        return GoogLeNetOutputs(x, aux2, aux1) if self.training and self.aux_logits else x

    def forward(self, x):
        if self.transform_input:
            x = transform_input(x)
        return self.eager_outputs(*self._forward(x))


def _googlenet(weights, progress, kwargs):
    original_aux_logits = kwargs.get("aux_logits", False)
    weights = resolve(weights, GoogLeNet_Weights)
    if isinstance(weights, WeightsEnum):
        kwargs.pop("aux_logits", None)  # the checkpoint has the heads; they are dropped after loading if unwanted
    model = build(GoogLeNet, weights, GoogLeNet_Weights, progress, kwargs, fix=_pretrained_settings)
    if isinstance(weights, WeightsEnum):
        if not original_aux_logits:
            model.aux_logits = False
            model.aux1 = model.aux2 = None
        else:
            warnings.warn("auxiliary heads in the pretrained googlenet model are NOT pretrained, so make sure to "
                          "train them")
    return model


GoogLeNet_Weights = weights_enum("GoogLeNet_Weights", __name__)
googlenet = builder("googlenet", GoogLeNet_Weights, _googlenet, "GoogLeNet (torchvision.models.googlenet).")
