"""DenseNet-BC 121/161/169/201 (Huang et al., 2016): every layer of a dense block sees the concatenation of
all earlier ones (torchvision.models.densenet)."""
import re
from collections import OrderedDict

import ember
from ember import nn
from ember.nn import functional as F
from ._api import build, builder, weights_enum

__all__ = ["DenseNet", "densenet121", "densenet161", "densenet169", "densenet201", "DenseNet121_Weights",
           "DenseNet161_Weights", "DenseNet169_Weights", "DenseNet201_Weights"]


class _DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv to bn_size * growth_rate, BN-ReLU-3x3 conv to growth_rate, on all earlier features."""

    def __init__(self, num_input_features, growth_rate, bn_size, drop_rate, memory_efficient=False):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient  # recomputation only saves memory; results are the same

    def forward(self, input):
        prev_features = [input] if isinstance(input, ember.Tensor) else input
        bottleneck = self.conv1(self.relu1(self.norm1(ember.cat(prev_features, 1))))
        new_features = self.conv2(self.relu2(self.norm2(bottleneck)))
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    """num_layers dense layers; the output concatenates the input and every layer's new features."""
    _version = 2

    def __init__(self, num_layers, num_input_features, bn_size, growth_rate, drop_rate, memory_efficient=False):
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", _DenseLayer(num_input_features + i * growth_rate, growth_rate,
                                                              bn_size, drop_rate, memory_efficient))

    def forward(self, init_features):
        features = [init_features]
        for layer in self.values():
            features.append(layer(features))
        return ember.cat(features, 1)


class _Transition(nn.Sequential):
    """BN-ReLU-1x1 conv then 2x2 average pooling between dense blocks."""

    def __init__(self, num_input_features, num_output_features):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """A 7x7/2 stem with max pooling, dense blocks of block_config layers joined by halving transitions, a final
    norm, ReLU, global pooling and a linear classifier."""

    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64, bn_size=4, drop_rate=0,
                 num_classes=1000, memory_efficient=False):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1))]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module(f"denseblock{i + 1}", _DenseBlock(num_layers, num_features, bn_size, growth_rate,
                                                                       drop_rate, memory_efficient))
            num_features += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", _Transition(num_features, num_features // 2))
                num_features //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        out = F.adaptive_avg_pool2d(F.relu(self.features(x), inplace=True), (1, 1))
        return self.classifier(ember.flatten(out, 1))


# the published checkpoints name a dense layer's parts "norm.1" where the model says "norm1"
_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def _rename_old_keys(state):
    return {(lambda m: m.group(1) + m.group(2) if m else k)(_OLD_KEY.match(k)): v for k, v in state.items()}


def _make(depth, growth_rate, block_config, num_init_features):
    name = f"densenet{depth}"
    enum = weights_enum(f"DenseNet{depth}_Weights", __name__)
    return enum, builder(name, enum,
                         lambda weights, progress, kwargs: build(DenseNet, weights, enum, progress, kwargs,
                                                                 growth_rate, block_config, num_init_features,
                                                                 convert_state=_rename_old_keys),
                         f"DenseNet-{depth} (torchvision.models.{name}).")


DenseNet121_Weights, densenet121 = _make(121, 32, (6, 12, 24, 16), 64)
DenseNet161_Weights, densenet161 = _make(161, 48, (6, 12, 36, 24), 96)
DenseNet169_Weights, densenet169 = _make(169, 32, (6, 12, 32, 32), 64)
DenseNet201_Weights, densenet201 = _make(201, 32, (6, 12, 48, 32), 64)
