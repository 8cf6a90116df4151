"""The array backend seam: the only module that names the array library.

Everything else does its array math through `xp` (NumPy today). A CuPy backend for CUDA means
teaching `array_module`/`device_of`/`to_device` about cupy arrays, here and nowhere else.
"""
import ctypes
import sys

import numpy as xp

__all__ = ["xp", "device", "cpu", "array_module", "device_of", "to_device", "set_default_device",
           "get_default_device"]


# the device types torch.device accepts (only the CPU holds tensors here)
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """torch.device: a type ('cpu', 'cuda', 'mps') and an optional index."""
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):  # a bare index means the current accelerator
            raise RuntimeError("Cannot access accelerator device when none is available.")
        elif ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in _DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: "
                               f"{type}")
        self.type, self.index = type, index

    def __repr__(self):
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):  # as torch's: a device never equals a string
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):  # `with torch.device(...)`: the default device of the tensors made inside
        _default_stack.append(default_device[0])
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        default_device[0] = _default_stack.pop()
        return False


cpu = device("cpu")
# the device types CPU-only torch refuses with an AssertionError (the rest with a RuntimeError)
_NOT_COMPILED = {"cuda": "CUDA", "xpu": "XPU", "mtia": "MTIA"}


default_device = [None]  # set_default_device's device; None: the CPU
_default_stack = []


def set_default_device(dev):
    """torch.set_default_device: where creation ops put tensors when given no device (None: the CPU)."""
    default_device[0] = None if dev is None else dev if isinstance(dev, device) else device(dev)


def get_default_device():
    dev = default_device[0]
    if dev is None or dev.type == "cpu":
        return cpu if dev is None else dev
    to_device(None, dev, creating=True)  # torch raises here too: a device it cannot allocate on
    return dev


def array_module(dev):
    return xp


def device_of(arr):
    return cpu


def to_device(arr, dev, creating=False):
    """Move an array to `dev` (or make it there when `creating`); only the CPU exists without an accelerator
    backend."""
    dev = dev if isinstance(dev, device) else device(dev)
    if dev.type == "cpu":
        return arr
    if dev.type in _NOT_COMPILED:
        raise AssertionError(f"Torch not compiled with {_NOT_COMPILED[dev.type]} enabled")
    if creating:  # torch finds no kernel to allocate on a backend it was built without
        raise NotImplementedError(f"Could not run 'aten::empty.memory_format' with arguments from the "
                                  f"'{dev.type.upper()}' backend: Ember has no {dev.type} device.")
    raise RuntimeError(f"PyTorch is not linked with support for {dev.type} devices")


def _reuse_freed_memory():
    """Keep freed array memory in the process for the next array of the training step.

    glibc hands every block over 128 KB back to the kernel when it is freed, so each step's fresh
    activations, gradients and temporaries fault in zeroed pages on first touch, which takes as long
    as computing them. Blocks up to 32 MB then come from the heap, and its top is kept."""
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    mallopt(M_MMAP_THRESHOLD, 32 << 20)
    mallopt(M_TRIM_THRESHOLD, 1 << 30)


_reuse_freed_memory()
