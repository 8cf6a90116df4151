"""ShuffleNet V2 (Ma et al., 2018): split channels, transform one half, concatenate, shuffle
(torchvision.models.shufflenetv2)."""
import ember
from ember import nn
from ._api import build, builder, weights_enum

__all__ = ["ShuffleNetV2", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
           "ShuffleNet_V2_X0_5_Weights", "ShuffleNet_V2_X1_0_Weights", "ShuffleNet_V2_X1_5_Weights",
           "ShuffleNet_V2_X2_0_Weights"]


def channel_shuffle(x, groups):
    """Interleave the channels of `groups` groups: (N, g*c, H, W) -> view (N, g, c) -> transpose -> back."""
    n, channels, h, w = x.shape
    x = x.view(n, groups, channels // groups, h, w).transpose(1, 2).contiguous()
    return x.view(n, channels, h, w)


def _depthwise(channels, stride):
    return nn.Conv2d(channels, channels, 3, stride, 1, bias=False, groups=channels)


class InvertedResidual(nn.Module):
    """Stride 1: keep half the channels, transform the other half; stride 2: transform the input in two branches."""

    def __init__(self, inp, oup, stride):
        super().__init__()
        if not 1 <= stride <= 3:
            raise ValueError("illegal stride value")
        self.stride = stride
        branch_features = oup // 2
        if stride == 1 and inp != branch_features << 1:
            raise ValueError(f"Invalid combination of stride {stride}, inp {inp} and oup {oup} values. If stride == 1 "
                             f"then inp should be equal to oup // 2 << 1.")
        if stride > 1:
            self.branch1 = nn.Sequential(_depthwise(inp, stride), nn.BatchNorm2d(inp),
                                         nn.Conv2d(inp, branch_features, 1, 1, 0, bias=False),
                                         nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True))
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride > 1 else branch_features, branch_features, 1, 1, 0, bias=False),
            nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True),
            _depthwise(branch_features, stride), nn.BatchNorm2d(branch_features),
            nn.Conv2d(branch_features, branch_features, 1, 1, 0, bias=False),
            nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = ember.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = ember.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    """A 3x3/2 stem and max pooling, three stages (stage2-4) of shuffle units, a 1x1 conv5, global mean, fc."""

    def __init__(self, stages_repeats, stages_out_channels, num_classes=1000, inverted_residual=InvertedResidual):
        super().__init__()
        if len(stages_repeats) != 3:
            raise ValueError("expected stages_repeats as list of 3 positive ints")
        if len(stages_out_channels) != 5:
            raise ValueError("expected stages_out_channels as list of 5 positive ints")
        self._stage_out_channels = stages_out_channels
        channels = stages_out_channels[0]
        self.conv1 = nn.Sequential(nn.Conv2d(3, channels, 3, 2, 1, bias=False), nn.BatchNorm2d(channels),
                                   nn.ReLU(inplace=True))
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for i, (repeats, out) in enumerate(zip(stages_repeats, stages_out_channels[1:4])):
            setattr(self, f"stage{i + 2}", nn.Sequential(inverted_residual(channels, out, 2),
                                                          *[inverted_residual(out, out, 1) for _ in range(repeats - 1)]))
            channels = out
        out = stages_out_channels[-1]
        self.conv5 = nn.Sequential(nn.Conv2d(channels, out, 1, 1, 0, bias=False), nn.BatchNorm2d(out),
                                   nn.ReLU(inplace=True))
        self.fc = nn.Linear(out, num_classes)

    def forward(self, x):
        x = self.stage4(self.stage3(self.stage2(self.maxpool(self.conv1(x)))))
        return self.fc(self.conv5(x).mean([2, 3]))


def _make(width, channels):
    name = f"shufflenet_v2_x{width}"
    enum = weights_enum(f"ShuffleNet_V2_X{width}_Weights", __name__)
    return enum, builder(name, enum,
                         lambda weights, progress, kwargs: build(ShuffleNetV2, weights, enum, progress, kwargs,
                                                                 [4, 8, 4], channels),
                         f"ShuffleNet V2 with {width.replace('_', '.')}x output channels (torchvision.models.{name}).")


ShuffleNet_V2_X0_5_Weights, shufflenet_v2_x0_5 = _make("0_5", [24, 48, 96, 192, 1024])
ShuffleNet_V2_X1_0_Weights, shufflenet_v2_x1_0 = _make("1_0", [24, 116, 232, 464, 1024])
ShuffleNet_V2_X1_5_Weights, shufflenet_v2_x1_5 = _make("1_5", [24, 176, 352, 704, 1024])
ShuffleNet_V2_X2_0_Weights, shufflenet_v2_x2_0 = _make("2_0", [24, 244, 488, 976, 2048])
