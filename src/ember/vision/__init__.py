"""ember.vision: torchvision for Ember — datasets, transforms, models and image utilities.

`ember run` serves it as `torchvision`."""
import importlib

__version__ = "0.28.0"  # the torchvision release whose API this mirrors (the one paired with torch 2.13)

__all__ = ["datasets", "transforms", "models", "utils", "ops", "io"]


def __getattr__(name):
    # load submodules on first use: `import ember.vision` should not import Pillow or build models
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")


def get_image_backend():
    return "PIL"


def set_image_backend(backend):
    if backend != "PIL":
        raise ValueError(f"Invalid backend '{backend}'. Options are 'PIL' and 'accimage'; Ember ships only 'PIL'")


__all__.append("tv_tensors")  # tensors that carry what they hold (Image, BoundingBoxes, Mask, ...)
