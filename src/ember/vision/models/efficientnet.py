"""EfficientNet B0-B7 (Tan & Le, 2019) and EfficientNetV2 S/M/L (Tan & Le, 2021): stages of MBConv and
fused-MBConv blocks, with stochastic depth growing along the network (torchvision.models.efficientnet)."""
import copy
import math
from dataclasses import dataclass
from functools import partial

import ember
from ember import nn
from ember.vision.ops.misc import Conv2dNormActivation, SqueezeExcitation
from ember.vision.ops.stochastic_depth import StochasticDepth
from ._api import build, builder, weights_enum
from ._utils import make_divisible
from .mobilenetv2 import init_mobilenet

__all__ = ["EfficientNet", "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
           "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "efficientnet_v2_s",
           "efficientnet_v2_m", "efficientnet_v2_l", "EfficientNet_B0_Weights", "EfficientNet_B1_Weights",
           "EfficientNet_B2_Weights", "EfficientNet_B3_Weights", "EfficientNet_B4_Weights", "EfficientNet_B5_Weights",
           "EfficientNet_B6_Weights", "EfficientNet_B7_Weights", "EfficientNet_V2_S_Weights",
           "EfficientNet_V2_M_Weights", "EfficientNet_V2_L_Weights"]


@dataclass
class _MBConvConfig:
    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    block: object

    @staticmethod
    def adjust_channels(channels, width_mult, min_value=None):
        return make_divisible(channels * width_mult, 8, min_value)


class MBConvConfig(_MBConvConfig):
    """A stage of MBConv blocks; channels scaled by width_mult, the number of blocks by depth_mult (rounded up)."""

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers, width_mult=1.0,
                 depth_mult=1.0, block=None):
        super().__init__(expand_ratio, kernel, stride, self.adjust_channels(input_channels, width_mult),
                         self.adjust_channels(out_channels, width_mult), self.adjust_depth(num_layers, depth_mult),
                         block or MBConv)

    @staticmethod
    def adjust_depth(num_layers, depth_mult):
        return int(math.ceil(num_layers * depth_mult))


class FusedMBConvConfig(_MBConvConfig):
    """A stage of fused-MBConv blocks (EfficientNetV2's early stages)."""

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block=None):
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block or FusedMBConv)


class _Residual(nn.Module):
    """`block`, with the stochastic-depth shortcut when stride 1 keeps the channel count."""

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result += input
        return result

    def _finish(self, cnf, layers, stochastic_depth_prob):
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels


class MBConv(_Residual):
    """1x1 expansion, depthwise kxk, squeeze-excitation, 1x1 projection (SiLU activations)."""

    def __init__(self, cnf, stochastic_depth_prob, norm_layer, se_layer=SqueezeExcitation):
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        layers = []
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.SiLU))
        layers += [Conv2dNormActivation(expanded, expanded, kernel_size=cnf.kernel, stride=cnf.stride, groups=expanded,
                                        norm_layer=norm_layer, activation_layer=nn.SiLU),
                   se_layer(expanded, max(1, cnf.input_channels // 4), activation=partial(nn.SiLU, inplace=True)),
                   Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                        activation_layer=None)]
        self._finish(cnf, layers, stochastic_depth_prob)


class FusedMBConv(_Residual):
    """A full kxk expansion convolution then a 1x1 projection (or one kxk convolution when not expanding)."""

    def __init__(self, cnf, stochastic_depth_prob, norm_layer):
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded != cnf.input_channels:
            layers = [Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=cnf.kernel, stride=cnf.stride,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU),
                      Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None)]
        else:
            layers = [Conv2dNormActivation(cnf.input_channels, cnf.out_channels, kernel_size=cnf.kernel,
                                           stride=cnf.stride, norm_layer=norm_layer, activation_layer=nn.SiLU)]
        self._finish(cnf, layers, stochastic_depth_prob)


class EfficientNet(nn.Module):
    """A SiLU stem, one Sequential per stage config (the i-th of n blocks dropped with probability
    stochastic_depth_prob * i / n), a 1x1 head convolution, global pooling, dropout and a linear classifier."""

    def __init__(self, inverted_residual_setting, dropout, stochastic_depth_prob=0.2, num_classes=1000,
                 norm_layer=None, last_channel=None):
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not all(isinstance(s, _MBConvConfig) for s in inverted_residual_setting):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        norm_layer = norm_layer or nn.BatchNorm2d
        layers = [Conv2dNormActivation(3, inverted_residual_setting[0].input_channels, kernel_size=3, stride=2,
                                       norm_layer=norm_layer, activation_layer=nn.SiLU)]
        total = sum(cnf.num_layers for cnf in inverted_residual_setting)
        block_id = 0
        for cnf in inverted_residual_setting:
            stage = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:  # only a stage's first block changes the shape
                    block_cnf.input_channels, block_cnf.stride = block_cnf.out_channels, 1
                stage.append(block_cnf.block(block_cnf, stochastic_depth_prob * float(block_id) / total, norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        last_in = inverted_residual_setting[-1].out_channels
        last_out = last_channel if last_channel is not None else 4 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(last_out, num_classes))
        init_mobilenet(self, linear_init=lambda m: nn.init.uniform_(m.weight, -1.0 / math.sqrt(m.out_features),
                                                                   1.0 / math.sqrt(m.out_features)))

    def forward(self, x):
        return self.classifier(ember.flatten(self.avgpool(self.features(x)), 1))


# (expand ratio, kernel, stride, in, out, blocks) per stage
_V1 = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3), (6, 5, 1, 80, 112, 3),
       (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
# V2: the first three stages are fused
_V2 = {"s": [(1, 3, 1, 24, 24, 2), (4, 3, 2, 24, 48, 4), (4, 3, 2, 48, 64, 4), (4, 3, 2, 64, 128, 6),
             (6, 3, 1, 128, 160, 9), (6, 3, 2, 160, 256, 15)],
       "m": [(1, 3, 1, 24, 24, 3), (4, 3, 2, 24, 48, 5), (4, 3, 2, 48, 80, 5), (4, 3, 2, 80, 160, 7),
             (6, 3, 1, 160, 176, 14), (6, 3, 2, 176, 304, 18), (6, 3, 1, 304, 512, 5)],
       "l": [(1, 3, 1, 32, 32, 4), (4, 3, 2, 32, 64, 7), (4, 3, 2, 64, 96, 7), (4, 3, 2, 96, 192, 10),
             (6, 3, 1, 192, 224, 19), (6, 3, 2, 224, 384, 25), (6, 3, 1, 384, 640, 7)]}


def _efficientnet_conf(arch, **kwargs):
    """The stage configs and last_channel of `arch` ("efficientnet_b*" needs width_mult and depth_mult)."""
    if arch.startswith("efficientnet_b"):
        width, depth = kwargs.pop("width_mult"), kwargs.pop("depth_mult")
        return [MBConvConfig(*row, width_mult=width, depth_mult=depth) for row in _V1], None
    if arch[:-1] == "efficientnet_v2_" and arch[-1] in _V2:
        return [(FusedMBConvConfig if i < 3 else MBConvConfig)(*row) for i, row in enumerate(_V2[arch[-1]])], 1280
    raise ValueError(f"Unsupported model type {arch}")


# arch: (width_mult, depth_mult, dropout, BatchNorm2d arguments); B5-B7 use TensorFlow's batch norm settings
_ARCHS = {"b0": (1.0, 1.0, 0.2, None), "b1": (1.0, 1.1, 0.2, None), "b2": (1.1, 1.2, 0.3, None),
          "b3": (1.2, 1.4, 0.3, None), "b4": (1.4, 1.8, 0.4, None),
          "b5": (1.6, 2.2, 0.4, {"eps": 0.001, "momentum": 0.01}), "b6": (1.8, 2.6, 0.5, {"eps": 0.001, "momentum": 0.01}),
          "b7": (2.0, 3.1, 0.5, {"eps": 0.001, "momentum": 0.01}),
          "v2_s": (None, None, 0.2, {"eps": 1e-03}), "v2_m": (None, None, 0.3, {"eps": 1e-03}),
          "v2_l": (None, None, 0.4, {"eps": 1e-03})}


def _make(arch):
    width, depth, dropout, bn = _ARCHS[arch]
    name = f"efficientnet_{arch}"
    enum = weights_enum(f"EfficientNet_{arch.upper()}_Weights", __name__)

    def make(weights, progress, kwargs):
        conf = {"width_mult": width, "depth_mult": depth} if width is not None else {}
        setting, last_channel = _efficientnet_conf(name, **conf)
        settings = {"last_channel": last_channel}
        if bn is not None:
            settings["norm_layer"] = partial(nn.BatchNorm2d, **bn)
        return build(EfficientNet, weights, enum, progress, kwargs, setting, kwargs.pop("dropout", dropout),
                     **settings)
    return enum, builder(name, enum, make, f"EfficientNet{'' if width else 'V2'} {arch.upper().replace('V2_', '')} "
                                           f"(torchvision.models.{name}).")


EfficientNet_B0_Weights, efficientnet_b0 = _make("b0")
EfficientNet_B1_Weights, efficientnet_b1 = _make("b1")
EfficientNet_B2_Weights, efficientnet_b2 = _make("b2")
EfficientNet_B3_Weights, efficientnet_b3 = _make("b3")
EfficientNet_B4_Weights, efficientnet_b4 = _make("b4")
EfficientNet_B5_Weights, efficientnet_b5 = _make("b5")
EfficientNet_B6_Weights, efficientnet_b6 = _make("b6")
EfficientNet_B7_Weights, efficientnet_b7 = _make("b7")
EfficientNet_V2_S_Weights, efficientnet_v2_s = _make("v2_s")
EfficientNet_V2_M_Weights, efficientnet_v2_m = _make("v2_m")
EfficientNet_V2_L_Weights, efficientnet_v2_l = _make("v2_l")
