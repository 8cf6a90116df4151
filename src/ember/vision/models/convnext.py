"""ConvNeXt tiny/small/base/large (Liu et al., 2022): a ResNet modernised with 7x7 depthwise convolutions,
channels-last LayerNorm, inverted MLPs and layer scale (torchvision.models.convnext)."""
from functools import partial

import ember
from ember import nn
from ember.nn import functional as F
from ember.vision.ops.misc import Conv2dNormActivation, Permute
from ember.vision.ops.stochastic_depth import StochasticDepth
from ._api import build, builder, weights_enum

__all__ = ["ConvNeXt", "convnext_tiny", "convnext_small", "convnext_base", "convnext_large", "ConvNeXt_Tiny_Weights",
           "ConvNeXt_Small_Weights", "ConvNeXt_Base_Weights", "ConvNeXt_Large_Weights"]


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an (N, C, H, W) tensor."""

    def forward(self, x):
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    """7x7 depthwise conv, LayerNorm, Linear to 4x, GELU, Linear back (channels last), times layer_scale, plus x."""

    def __init__(self, dim, layer_scale, stochastic_depth_prob, norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True), Permute([0, 2, 3, 1]),
            norm_layer(dim), nn.Linear(in_features=dim, out_features=4 * dim, bias=True), nn.GELU(),
            nn.Linear(in_features=4 * dim, out_features=dim, bias=True), Permute([0, 3, 1, 2]))
        self.layer_scale = nn.Parameter(ember.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input):
        result = self.stochastic_depth(self.layer_scale * self.block(input))
        result += input
        return result


class CNBlockConfig:
    """A stage: num_layers blocks at input_channels, then a downsampling to out_channels (None: the last stage)."""

    def __init__(self, input_channels, out_channels, num_layers):
        self.input_channels, self.out_channels, self.num_layers = input_channels, out_channels, num_layers

    def __repr__(self):
        return (f"{type(self).__name__}(input_channels={self.input_channels}, out_channels={self.out_channels}, "
                f"num_layers={self.num_layers})")


class ConvNeXt(nn.Module):
    """A 4x4/4 patchify stem, stages of CNBlocks separated by norm + 2x2/2 convolutions, global pooling, then
    norm, flatten and a linear classifier; stochastic depth grows linearly to stochastic_depth_prob."""

    def __init__(self, block_setting, stochastic_depth_prob=0.0, layer_scale=1e-6, num_classes=1000, block=None,
                 norm_layer=None, **kwargs):
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        if not all(isinstance(s, CNBlockConfig) for s in block_setting):
            raise TypeError("The block_setting should be List[CNBlockConfig]")
        block = block or CNBlock
        norm_layer = norm_layer or partial(LayerNorm2d, eps=1e-6)
        layers = [Conv2dNormActivation(3, block_setting[0].input_channels, kernel_size=4, stride=4, padding=0,
                                       norm_layer=norm_layer, activation_layer=None, bias=True)]
        total = sum(cnf.num_layers for cnf in block_setting)
        block_id = 0
        for cnf in block_setting:
            stage = []
            for _ in range(cnf.num_layers):
                stage.append(block(cnf.input_channels, layer_scale, stochastic_depth_prob * block_id / (total - 1.0)))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(nn.Sequential(norm_layer(cnf.input_channels),
                                            nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        last = block_setting[-1]
        channels = last.out_channels if last.out_channels is not None else last.input_channels
        self.classifier = nn.Sequential(norm_layer(channels), nn.Flatten(1), nn.Linear(channels, num_classes))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


# size: (channels of the four stages, blocks per stage, default stochastic depth)
_ARCHS = {"tiny": ((96, 192, 384, 768), (3, 3, 9, 3), 0.1), "small": ((96, 192, 384, 768), (3, 3, 27, 3), 0.4),
          "base": ((128, 256, 512, 1024), (3, 3, 27, 3), 0.5), "large": ((192, 384, 768, 1536), (3, 3, 27, 3), 0.5)}


def _make(size):
    channels, depths, sd_prob = _ARCHS[size]
    name = f"convnext_{size}"
    enum = weights_enum(f"ConvNeXt_{size.capitalize()}_Weights", __name__)

    def make(weights, progress, kwargs):
        setting = [CNBlockConfig(c, channels[i + 1] if i + 1 < len(channels) else None, n)
                   for i, (c, n) in enumerate(zip(channels, depths))]
        return build(ConvNeXt, weights, enum, progress, kwargs, setting,
                     stochastic_depth_prob=kwargs.pop("stochastic_depth_prob", sd_prob))
    return enum, builder(name, enum, make, f"ConvNeXt {size.capitalize()} (torchvision.models.{name}).")


ConvNeXt_Tiny_Weights, convnext_tiny = _make("tiny")
ConvNeXt_Small_Weights, convnext_small = _make("small")
ConvNeXt_Base_Weights, convnext_base = _make("base")
ConvNeXt_Large_Weights, convnext_large = _make("large")
