"""Padding layers (torch.nn.modules.padding): Zero, Constant, Reflection, Replication and Circular pads."""
from .. import functional as F
from .._functional.conv import _ntuple
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


class _PadNd(Module):
    """Pads the last n dims by `padding` (an int for every side, or F.pad's tuple: last dim first)."""
    _n, _mode = 2, "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._n)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant (torch.nn.ConstantPad1d)."""
    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with a constant (torch.nn.ConstantPad2d)."""
    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with a constant (torch.nn.ConstantPad3d)."""
    _n = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros (torch.nn.ZeroPad1d)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last 2 dims with zeros (torch.nn.ZeroPad2d)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last 3 dims with zeros (torch.nn.ZeroPad3d)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its reflection about the edge (torch.nn.ReflectionPad1d)."""
    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dims by reflection (torch.nn.ReflectionPad2d)."""
    _n, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dims by reflection (torch.nn.ReflectionPad3d)."""
    _n, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating its edge values (torch.nn.ReplicationPad1d)."""
    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dims by repeating edge values (torch.nn.ReplicationPad2d)."""
    _n, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dims by repeating edge values (torch.nn.ReplicationPad3d)."""
    _n, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around (torch.nn.CircularPad1d)."""
    _n, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pad the last 2 dims by wrapping around (torch.nn.CircularPad2d)."""
    _n, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pad the last 3 dims by wrapping around (torch.nn.CircularPad3d)."""
    _n, _mode = 3, "circular"
