"""Pretrained weights (torchvision.models._api): the Weights enums and how `weights=` is served.

Ember downloads no model weights. `weights=` takes a local checkpoint (a path to a state_dict
saved by torch.save or ember.save); a torchvision weights enum (or its name) is served from the
file PyTorch's hub cache would hold ($TORCH_HOME/hub/checkpoints/), and otherwise fails with an
error that says which file to fetch and where to put it."""
import functools
import os
import warnings
from dataclasses import dataclass
from enum import Enum

import ember

__all__ = ["Weights", "WeightsEnum", "get_weight"]


@dataclass(frozen=True)
class Weights:
    url: str
    transforms: object
    meta: dict


class WeightsEnum(Enum):
    """Named pretrained weights of one architecture; DEFAULT names the recommended ones."""

    @classmethod
    def verify(cls, obj):
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            if name in cls.__members__:
                return cls[name]
            raise ValueError(f"Unknown weights {obj!r}: {cls.__name__} has {', '.join(cls.__members__)}")
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{type(obj).__name__}.")

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta

    @property
    def filename(self):
        return self.url.rsplit("/", 1)[-1]

    @property
    def cache_path(self):
        """Where PyTorch's hub keeps this checkpoint once downloaded."""
        home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "torch")
        return os.path.join(os.path.expanduser(home), "hub", "checkpoints", self.filename)

    def get_state_dict(self, *args, **kwargs):
        """The state_dict from the hub cache; a RuntimeError naming the file when it is not there."""
        if not os.path.isfile(self.cache_path):
            raise RuntimeError(
                f"Pretrained weights {self} cannot be downloaded here: Ember fetches no model weights. Download "
                f"{self.url} yourself and either put it at {self.cache_path} or pass its path, as in "
                f"weights='/path/to/{self.filename}' (any state_dict saved with torch.save or ember.save works).")
        return ember.load(self.cache_path, map_location="cpu")

    def __repr__(self):
        return f"{type(self).__name__}.{self._name_}"

    __str__ = __repr__


def get_weight(name):
    """The weights enum member named like 'ResNet18_Weights.IMAGENET1K_V1'."""
    from . import resnet
    enum_name, _, member = name.partition(".")
    enum = getattr(resnet, enum_name, None)
    if not (isinstance(enum, type) and issubclass(enum, WeightsEnum)):
        raise ValueError(f"Unknown weights enum {enum_name!r}")
    return enum.verify(member)


def _state_dict_from_file(path):
    obj = ember.load(path, map_location="cpu")
    # training scripts often save {"model": state_dict, "optimizer": ...}
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            return obj[key]
    if not isinstance(obj, dict):
        raise TypeError(f"{path} holds a {type(obj).__name__}, not a state_dict")
    return obj


def resolve(weights, enum):
    """`weights` as a member of `enum`, a checkpoint path (str), or None."""
    if weights is None or isinstance(weights, enum):
        return weights
    if isinstance(weights, (str, os.PathLike)):
        if os.path.isfile(weights):
            return os.fspath(weights)
        if isinstance(weights, str) and weights.replace(enum.__name__ + ".", "") in enum.__members__:
            return enum.verify(weights)
        raise FileNotFoundError(f"weights={os.fspath(weights)!r} is neither a checkpoint file nor one of "
                                f"{enum.__name__}'s weights ({', '.join(enum.__members__)})")
    return enum.verify(weights)  # raises for anything else


def state_dict_of(weights):
    """The state_dict of resolved `weights` (a path or an enum member); None for None."""
    if weights is None:
        return None
    return _state_dict_from_file(weights) if isinstance(weights, str) else weights.get_state_dict()


def handle_legacy_pretrained(default_weights):
    """Accept torchvision's old `pretrained=True` argument as `weights=<default>`, with its warnings."""
    def decorate(builder):
        @functools.wraps(builder)
        def wrapper(*args, **kwargs):
            if "pretrained" in kwargs:
                warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, "
                              "please use 'weights' instead.")
                if kwargs.pop("pretrained"):
                    weights = default_weights()
                    warnings.warn(f"Arguments other than a weight enum or `None` for 'weights' are deprecated since "
                                  f"0.13 and may be removed in the future. The current behavior is equivalent to "
                                  f"passing `weights={weights}`. You can also use `weights={type(weights).__name__}"
                                  f".DEFAULT` to get the most up-to-date weights.")
                    kwargs["weights"] = weights
            return builder(*args, **kwargs)
        return wrapper
    return decorate
