"""Lazy modules (torch.nn.modules.lazy): layers whose input size is read from the first input.

A lazy layer is the real layer built with an input size of 0 and uninitialised parameters and buffers;
its first forward gives them their shapes, runs the layer's own reset_parameters (torch's default
initialisation), and turns the object into the real class (LazyConv2d becomes Conv2d)."""
import sys

from ..parameter import UninitializedParameter, UninitializedBuffer, is_lazy
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d

__all__ = ["LazyModuleMixin", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class LazyModuleMixin:
    """Shapes come from the first input: see the module docstring."""
    cls_to_become = None

    def has_uninitialized_params(self):
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():  # (a layer with nothing lazy keeps its size 0, as in torch)
            size = input.shape[self._channel_dim(input)]
            self._set_input_size(size)
            for name, t in list(self._parameters.items()) + list(self._buffers.items()):
                if is_lazy(t):
                    t.materialize(self._shape_of(name, size))
            self.reset_parameters()
        self.__class__ = self.cls_to_become

    def __call__(self, *args, **kwargs):
        if type(self).cls_to_become is not None:  # still lazy: the first call sizes it (even with nothing lazy)
            self.initialize_parameters(args[0])
            return self(*args, **kwargs)  # now an instance of the real class
        return super().__call__(*args, **kwargs)

    def reset_parameters(self):
        if not self.has_uninitialized_params():
            super().reset_parameters()


class _LazyConv(LazyModuleMixin):
    def _forget_in_channels(self, bias, dtype):
        self.in_channels = 0
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def _channel_dim(self, input):
        return 0 if input.dim() == self._n + 1 else 1

    def _set_input_size(self, size):
        self.in_channels = size

    def _shape_of(self, name, size):
        if name == "bias":
            return (self.out_channels,)
        io = (size, self.out_channels // self.groups) if self._transposed else (self.out_channels, size // self.groups)
        return io + self.kernel_size


class _LazyNorm(LazyModuleMixin):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        super().__init__(0, eps, momentum, affine, track_running_stats, device, dtype)
        for name in ("weight", "bias"):
            if self._parameters.get(name) is not None:
                self._parameters[name] = UninitializedParameter(dtype=dtype)
        for name in ("running_mean", "running_var"):
            if self._buffers.get(name) is not None:
                self._buffers[name] = UninitializedBuffer(dtype=dtype)

    def _channel_dim(self, input):
        return 1  # as torch's lazy norms read it, even from an unbatched input (whose forward then fails alike)

    def _set_input_size(self, size):
        self.num_features = size

    def _shape_of(self, name, size):
        return (size,)


class _LazyConvForward(_LazyConv):
    # built with in_channels=groups (the smallest the checks accept); the first input gives the real count
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(groups, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         device, dtype)
        self._forget_in_channels(bias, dtype)


class _LazyConvTranspose(_LazyConv):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(groups, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation,
                         padding_mode, device, dtype)
        self._forget_in_channels(bias, dtype)


def _lazy(name, base, mixin, doc, **attrs):
    """The lazy twin of `base`, living (as in torch) in base's module, e.g. ember.nn.modules.conv.LazyConv2d."""
    cls = type(name, (mixin, base), dict(cls_to_become=base, __doc__=doc, __module__=base.__module__, **attrs))
    setattr(sys.modules[base.__module__], name, cls)
    return cls


for _base, _mixin, _what in ((Conv1d, _LazyConvForward, "in_channels"), (Conv2d, _LazyConvForward, "in_channels"),
                             (Conv3d, _LazyConvForward, "in_channels"),
                             (ConvTranspose1d, _LazyConvTranspose, "in_channels"),
                             (ConvTranspose2d, _LazyConvTranspose, "in_channels"),
                             (ConvTranspose3d, _LazyConvTranspose, "in_channels"),
                             (BatchNorm1d, _LazyNorm, "num_features"), (BatchNorm2d, _LazyNorm, "num_features"),
                             (BatchNorm3d, _LazyNorm, "num_features"), (InstanceNorm1d, _LazyNorm, "num_features"),
                             (InstanceNorm2d, _LazyNorm, "num_features"), (InstanceNorm3d, _LazyNorm, "num_features")):
    _name = "Lazy" + _base.__name__
    globals()[_name] = _lazy(_name, _base, _mixin, f"torch.nn.{_name}: {_base.__name__} with {_what} read from the "
                                                   "first input.")
