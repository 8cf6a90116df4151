"""Pretrained weights and the model registry (torchvision.models._api).

Each architecture's `*_Weights` enum carries torchvision's url, meta and preprocessing, read from
ember/data/vision_weights.json (generated from torchvision by tools/gen_vision_weights.py).
`weights=` takes an enum member (or its name), served from the hub cache
($TORCH_HOME/hub/checkpoints/<torchvision's file name>) and downloaded there when missing and a
network is there, or a path to a local checkpoint."""
import functools
import json
import os
import urllib.error
import sys
import warnings
from dataclasses import dataclass
from enum import Enum
from functools import partial

import ember

__all__ = ["Weights", "WeightsEnum", "get_weight", "get_model", "get_model_builder", "get_model_weights",
           "list_models", "register_model"]


@dataclass(eq=False)  # compared by identity, so DEFAULT is an alias of the member it names
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
        """Where the hub cache keeps this checkpoint."""
        return os.path.join(ember.hub.get_dir(), "checkpoints", self.filename)

    def get_state_dict(self, progress=True, check_hash=True, **kwargs):
        """The state_dict from the hub cache, downloaded there first (checking the hash prefix of the
        file name) when missing; without a network, a RuntimeError that says where to put the file."""
        try:
            return ember.hub.load_state_dict_from_url(self.url, progress=progress, check_hash=check_hash,
                                                      map_location="cpu", weights_only=True, **kwargs)
        except urllib.error.URLError as e:
            raise RuntimeError(
                f"Pretrained weights {self} are not in the hub cache and could not be downloaded "
                f"({e.__cause__ or e}). Download {self.url} and put it at {self.cache_path}, or pass its path, "
                f"as in weights='/path/to/{self.filename}'.") from e

    def __repr__(self):
        return f"{type(self).__name__}.{self._name_}"

    __str__ = __repr__


# ---------------------------------------------------------------------- the enums, from the generated data file
@functools.cache
def _data():
    path = os.path.join(os.path.dirname(ember.__file__), "data", "vision_weights.json")
    with open(path) as f:
        return json.load(f)


def _preset(spec):
    from ember.vision.transforms import _presets
    from ember.vision.transforms.functional import InterpolationMode
    kwargs = {k: v for k, v in spec.items() if k != "preset"}
    if "interpolation" in kwargs:
        kwargs["interpolation"] = InterpolationMode(kwargs["interpolation"])
    for key in ("mean", "std"):
        if key in kwargs:
            kwargs[key] = tuple(kwargs[key])
    preset = getattr(_presets, spec["preset"], None)
    return partial(preset if preset is not None else _missing_preset(spec["preset"]), **kwargs)


def _missing_preset(name):
    def preset(*args, **kwargs):
        from ember.compat import NotImplementedInEmber
        raise NotImplementedInEmber(f"the {name} preprocessing preset (torchvision.transforms._presets.{name}) is "
                                    f"not implemented in Ember")
    preset.__name__ = preset.__qualname__ = name
    return preset


def _weights(spec, categories):
    meta = dict(spec["meta"])
    if meta.get("categories") is not None:
        meta["categories"] = categories[meta["categories"]]
    if "min_size" in meta:
        meta["min_size"] = tuple(meta["min_size"])
    return Weights(url=spec["url"], transforms=_preset(spec["transforms"]), meta=meta)


def weights_enum(name, module):
    """The `name` enum (e.g. "ResNet18_Weights") with torchvision's members, DEFAULT an alias."""
    data = _data()
    spec = data["enums"][name]
    members = [(k, _weights(v, data["categories"])) for k, v in spec["members"].items()]
    members.append(("DEFAULT", dict(members)[spec["default"]]))
    enum = WeightsEnum(name, members, module=module, qualname=name)
    enum.__doc__ = f"The pretrained weights of {spec['builder']} (torchvision.models.{name})."
    return enum


# ---------------------------------------------------------------------- building models with weights
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


def state_dict_of(weights, progress=True):
    """The state_dict of resolved `weights` (a path or an enum member); None for None."""
    if weights is None:
        return None
    return _state_dict_from_file(weights) if isinstance(weights, str) else weights.get_state_dict(progress=progress)


def overwrite_named_param(kwargs, param, new_value):
    """Set kwargs[param] to what the weights need, refusing a conflicting value the caller gave."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def build(model_class, weights, enum, progress, kwargs, *args, fix=None, convert_state=None, **settings):
    """model_class(*args, **settings, **kwargs) with `weights` (None, an enum member or its name, or a
    checkpoint path) loaded; an enum's weights fix num_classes (and whatever `fix(weights, kwargs)` sets);
    `convert_state` renames a checkpoint's keys first (for old files)."""
    weights = resolve(weights, enum)
    if isinstance(weights, WeightsEnum):
        if weights.meta.get("categories") is not None:
            overwrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
        if fix is not None:
            fix(weights, kwargs)
    state = state_dict_of(weights, progress)  # before building: a missing file fails fast
    model = model_class(*args, **settings, **kwargs)
    if state is not None:
        model.load_state_dict(convert_state(state) if convert_state is not None else state)
    return model


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


# ---------------------------------------------------------------------- the registry
BUILTIN_MODELS = {}


def register_model(name=None):
    """Decorator: make a builder available to get_model/list_models under `name` (default its own)."""
    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def builder(name, enum, make, doc):
    """A registered builder `name(*, weights=None, progress=True, **kwargs)` calling make(weights, progress, kwargs),
    accepting the legacy `pretrained=` flag for the enum's IMAGENET1K_V1 (or first) weights."""
    first = "IMAGENET1K_V1" if enum is not None and "IMAGENET1K_V1" in enum.__members__ else None

    def fn(*, weights=None, progress=True, **kwargs):
        return make(weights, progress, kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + (f" `weights`: None (random initialisation), {enum.__name__} or its name, or a checkpoint "
                        f"path." if enum is not None else "")
    fn.__module__ = sys._getframe(1).f_globals["__name__"]
    if enum is not None:
        fn = handle_legacy_pretrained(lambda: enum[first] if first else next(iter(enum)))(fn)
    fn.weights_enum = enum
    return register_model(name)(fn)


def list_models(module=None, include=None, exclude=None):
    """The registered model names (of `module`, e.g. ember.vision.models), sorted; include/exclude take
    fnmatch patterns."""
    import fnmatch
    names = {k for k, v in BUILTIN_MODELS.items()
             if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__
             or v.__module__ == module.__name__}
    if include is not None:
        patterns = [include] if isinstance(include, str) else include
        names = {n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)}
    if exclude is not None:
        patterns = [exclude] if isinstance(exclude, str) else exclude
        names = {n for n in names if not any(fnmatch.fnmatch(n, p) for p in patterns)}
    return sorted(names)


def get_model_builder(name):
    """The builder registered as `name`."""
    try:
        return BUILTIN_MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name, **config):
    """Build a model by name, e.g. get_model("resnet18", num_classes=10)."""
    return get_model_builder(name)(**config)


def get_model_weights(name):
    """The weights enum of a model, by name or builder."""
    fn = get_model_builder(name) if isinstance(name, str) else name
    enum = getattr(fn, "weights_enum", None)
    if enum is None:
        raise ValueError(f"The model {getattr(fn, '__name__', name)} has no pretrained weights")
    return enum


def get_weight(name):
    """The weights enum member named like 'ResNet18_Weights.IMAGENET1K_V1'."""
    enum_name, _, member = name.partition(".")
    for fn in BUILTIN_MODELS.values():
        enum = getattr(fn, "weights_enum", None)
        if enum is not None and enum.__name__ == enum_name:
            return enum.verify(member)
    raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
