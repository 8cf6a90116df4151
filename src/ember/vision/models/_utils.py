"""Small helpers the architectures share (torchvision.models._utils)."""
from collections import OrderedDict

from ember import nn


def make_divisible(v, divisor, min_value=None):
    """`v` rounded to the nearest multiple of `divisor` (at least `min_value`), never more than 10% below `v`:
    how MobileNet-style models round scaled channel counts."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


class IntermediateLayerGetter(nn.ModuleDict):
    """The children of `model` up to the last one named in return_layers, run in order; forward returns an
    ordered dict {return_layers[name]: output of child `name`} (torchvision.models._utils.IntermediateLayerGetter)."""

    _version = 2

    def __init__(self, model, return_layers):
        if not set(return_layers).issubset(name for name, _ in model.named_children()):
            raise ValueError("return_layers are not present in model")
        wanted = {str(k) for k in return_layers}
        layers = OrderedDict()
        for name, module in model.named_children():
            layers[name] = module
            wanted.discard(name)
            if not wanted:
                break
        super().__init__(layers)
        self.return_layers = return_layers

    def forward(self, x):
        out = OrderedDict()
        names = {str(k): v for k, v in self.return_layers.items()}
        for name, module in self.items():
            x = module(x)
            if name in names:
                out[names[name]] = x
        return out
