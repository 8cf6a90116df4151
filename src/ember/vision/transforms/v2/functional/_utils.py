"""How a v2 functional finds the kernel for its input's type (torchvision.transforms.v2.functional._utils).

A functional (say `horizontal_flip`) owns a table from input type (pure tensor, PIL image, Image,
Video, Mask, BoundingBoxes, KeyPoints) to the kernel that does the work; TVTensor inputs are
unwrapped for the kernel and the result wrapped back with the input's metadata."""
import functools

import ember
from .... import tv_tensors

_KERNEL_REGISTRY = {}  # functional -> {input type: kernel}


def is_pure_tensor(inpt):
    """A tensor that is not a TVTensor."""
    return isinstance(inpt, ember.Tensor) and not isinstance(inpt, tv_tensors.TVTensor)


def _tv_tensor_wrapper(kernel):
    @functools.wraps(kernel)
    def wrapper(inpt, *args, **kwargs):
        return tv_tensors.wrap(kernel(inpt.as_subclass(ember.Tensor), *args, **kwargs), like=inpt)
    return wrapper


def _register_kernel_internal(functional, input_type, *, tv_tensor_wrapper=True):
    registry = _KERNEL_REGISTRY.setdefault(functional, {})
    if input_type in registry:
        raise ValueError(f"Functional {functional} already has a kernel registered for type {input_type}.")

    def decorator(kernel):
        wrap = tv_tensor_wrapper and isinstance(input_type, type) and issubclass(input_type, tv_tensors.TVTensor)
        registry[input_type] = _tv_tensor_wrapper(kernel) if wrap else kernel
        return kernel
    return decorator


def _register_image_kernels(functional, image_kernel, pil_kernel=None, video=True, wrap=True):
    """The usual table: pure tensors, Images (and Videos) through `image_kernel`, PIL through `pil_kernel`;
    wrap=False for kernels whose result is not an image (sizes)."""
    _register_kernel_internal(functional, ember.Tensor)(image_kernel)
    _register_kernel_internal(functional, tv_tensors.Image, tv_tensor_wrapper=wrap)(image_kernel)
    if video:
        _register_kernel_internal(functional, tv_tensors.Video, tv_tensor_wrapper=wrap)(image_kernel)
    if pil_kernel is not None:
        from PIL import Image
        _register_kernel_internal(functional, Image.Image)(pil_kernel)


def register_kernel(functional, tv_tensor_cls):
    """torchvision.transforms.v2.functional.register_kernel: a decorator adding the kernel of a
    user-defined TVTensor subclass to a functional (the kernel gets and returns the TVTensor itself)."""
    if isinstance(functional, str):
        from .. import functional as F
        functional = getattr(F, functional)
    elif not (callable(functional) and getattr(functional, "__module__", "").startswith(__package__)):
        raise ValueError(f"Kernels can only be registered on functionals from the torchvision.transforms.v2."
                         f"functional namespace, but got {functional}.")
    if not (isinstance(tv_tensor_cls, type) and issubclass(tv_tensor_cls, tv_tensors.TVTensor)):
        raise ValueError(f"Kernels can only be registered for subclasses of torchvision.tv_tensors.TVTensor, "
                         f"but got {tv_tensor_cls}.")
    if tv_tensor_cls in (tv_tensors.Image, tv_tensors.Video, tv_tensors.Mask, tv_tensors.BoundingBoxes,
                         tv_tensors.KeyPoints):
        raise ValueError(f"Kernels cannot be registered for the builtin tv_tensor classes, but got {tv_tensor_cls}")
    return _register_kernel_internal(functional, tv_tensor_cls, tv_tensor_wrapper=False)


def _get_kernel(functional, input_type, *, allow_passthrough=False):
    registry = _KERNEL_REGISTRY.get(functional)
    if not registry:
        raise ValueError(f"No kernel registered for functional {functional.__name__}.")
    for cls in input_type.__mro__:
        if cls in registry:
            return registry[cls]
        if cls is tv_tensors.TVTensor:  # a TVTensor without its own kernel is not a pure tensor
            break
    if allow_passthrough:
        return lambda inpt, *args, **kwargs: inpt
    raise TypeError(f"Functional F.{functional.__name__} supports inputs of type {registry.keys()}, "
                    f"but got {input_type} instead.")


def _dispatch(functional, inpt, *args, **kwargs):
    return _get_kernel(functional, type(inpt))(inpt, *args, **kwargs)
