"""Colour transforms of v2 (torchvision.transforms.v2._color); masks and boxes pass through."""
import ember
from .. import transforms as _v1
from . import functional as F
from ._transform import Transform, _RandomApplyTransform
from ._utils import query_chw


class Grayscale(Transform):
    """Convert to greyscale with 1 or 3 output channels."""
    _v1_transform_cls = _v1.Grayscale

    def __init__(self, num_output_channels=1):
        super().__init__()
        self.num_output_channels = num_output_channels

    def transform(self, inpt, params):
        return self._call_kernel(F.rgb_to_grayscale, inpt, num_output_channels=self.num_output_channels)


class RandomGrayscale(_RandomApplyTransform):
    """Convert to greyscale (keeping the channel count) with probability p."""
    _v1_transform_cls = _v1.RandomGrayscale

    def __init__(self, p=0.1):
        super().__init__(p=p)

    def make_params(self, flat_inputs):
        return dict(num_input_channels=query_chw(flat_inputs)[0])

    def transform(self, inpt, params):
        return self._call_kernel(F.rgb_to_grayscale, inpt, num_output_channels=params["num_input_channels"])


class RGB(Transform):
    """Greyscale images as RGB."""

    def transform(self, inpt, params):
        return self._call_kernel(F.grayscale_to_rgb, inpt)


def _range(value, name, **kwargs):
    """v1's ColorJitter check, as the (min, max) tuple v2 keeps (None: leave the property alone)."""
    if value is None:
        return None
    checked = _v1.ColorJitter._check_input(value, name, **kwargs)
    return None if checked is None else tuple(checked)


def _uniform(lo, hi):
    return ember.empty(1).uniform_(lo, hi).item()


class ColorJitter(Transform):
    """Random brightness, contrast, saturation and hue changes in a random order."""
    _v1_transform_cls = _v1.ColorJitter

    def __init__(self, brightness=None, contrast=None, saturation=None, hue=None):
        super().__init__()
        self.brightness = _range(brightness, "brightness")
        self.contrast = _range(contrast, "contrast")
        self.saturation = _range(saturation, "saturation")
        self.hue = _range(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    def make_params(self, flat_inputs):
        fn_idx = ember.randperm(4)
        return dict(fn_idx=fn_idx, **{f"{name}_factor": None if rng is None else _uniform(rng[0], rng[1])
                                      for name, rng in (("brightness", self.brightness), ("contrast", self.contrast),
                                                        ("saturation", self.saturation), ("hue", self.hue))})

    def transform(self, inpt, params):
        ops = ((F.adjust_brightness, "brightness_factor"), (F.adjust_contrast, "contrast_factor"),
               (F.adjust_saturation, "saturation_factor"), (F.adjust_hue, "hue_factor"))
        for k in params["fn_idx"].tolist():
            fn, key = ops[k]
            if params[key] is not None:
                inpt = self._call_kernel(fn, inpt, params[key])
        return inpt


class RandomChannelPermutation(Transform):
    """Shuffle the channels."""

    def make_params(self, flat_inputs):
        return dict(permutation=ember.randperm(query_chw(flat_inputs)[0]).tolist())

    def transform(self, inpt, params):
        return self._call_kernel(F.permute_channels, inpt, params["permutation"])


class RandomPhotometricDistort(Transform):
    """SSD's photometric distortions: each of brightness, contrast (before or after saturation and hue),
    saturation, hue and a channel shuffle applied with probability p."""

    def __init__(self, brightness=(0.875, 1.125), contrast=(0.5, 1.5), saturation=(0.5, 1.5), hue=(-0.05, 0.05),
                 p=0.5):
        super().__init__()
        self.brightness = _range(brightness, "brightness")
        self.contrast = _range(contrast, "contrast")
        self.hue = _range(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)
        self.saturation = _range(saturation, "saturation")
        self.p = p

    def make_params(self, flat_inputs):
        num_channels = query_chw(flat_inputs)[0]
        params = {f"{name}_factor": _uniform(rng[0], rng[1]) if ember.rand(1).item() < self.p else None
                  for name, rng in (("brightness", self.brightness), ("contrast", self.contrast),
                                    ("saturation", self.saturation), ("hue", self.hue))}
        params["contrast_before"] = bool(ember.rand(()).item() < 0.5)
        params["channel_permutation"] = ember.randperm(num_channels).tolist() if ember.rand(1).item() < self.p \
            else None
        return params

    def transform(self, inpt, params):
        if params["brightness_factor"] is not None:
            inpt = self._call_kernel(F.adjust_brightness, inpt, brightness_factor=params["brightness_factor"])
        if params["contrast_factor"] is not None and params["contrast_before"]:
            inpt = self._call_kernel(F.adjust_contrast, inpt, contrast_factor=params["contrast_factor"])
        if params["saturation_factor"] is not None:
            inpt = self._call_kernel(F.adjust_saturation, inpt, saturation_factor=params["saturation_factor"])
        if params["hue_factor"] is not None:
            inpt = self._call_kernel(F.adjust_hue, inpt, hue_factor=params["hue_factor"])
        if params["contrast_factor"] is not None and not params["contrast_before"]:
            inpt = self._call_kernel(F.adjust_contrast, inpt, contrast_factor=params["contrast_factor"])
        if params["channel_permutation"] is not None:
            inpt = self._call_kernel(F.permute_channels, inpt, permutation=params["channel_permutation"])
        return inpt


class _RandomColourOp(_RandomApplyTransform):
    """A colour functional applied with probability p, with the transform's fixed arguments."""
    functional, arg_names = None, ()

    def transform(self, inpt, params):
        return self._call_kernel(type(self).functional, inpt, *(getattr(self, a) for a in self.arg_names))


class RandomInvert(_RandomColourOp):
    """Invert the colours with probability p."""
    _v1_transform_cls = _v1.RandomInvert
    functional = staticmethod(F.invert)


class RandomPosterize(_RandomColourOp):
    """Keep `bits` bits per channel with probability p."""
    _v1_transform_cls = _v1.RandomPosterize
    functional, arg_names = staticmethod(F.posterize), ("bits",)

    def __init__(self, bits, p=0.5):
        super().__init__(p=p)
        self.bits = bits


class RandomSolarize(_RandomColourOp):
    """Invert the pixels above `threshold` with probability p."""
    _v1_transform_cls = _v1.RandomSolarize
    functional, arg_names = staticmethod(F.solarize), ("threshold",)

    def __init__(self, threshold, p=0.5):
        super().__init__(p=p)
        self.threshold = threshold


class RandomAutocontrast(_RandomColourOp):
    """Autocontrast with probability p."""
    _v1_transform_cls = _v1.RandomAutocontrast
    functional = staticmethod(F.autocontrast)


class RandomAdjustSharpness(_RandomColourOp):
    """Adjust the sharpness by sharpness_factor with probability p."""
    _v1_transform_cls = _v1.RandomAdjustSharpness
    functional, arg_names = staticmethod(F.adjust_sharpness), ("sharpness_factor",)

    def __init__(self, sharpness_factor, p=0.5):
        super().__init__(p=p)
        self.sharpness_factor = sharpness_factor


class RandomEqualize(_RandomColourOp):
    """Equalise the histogram with probability p."""
    _v1_transform_cls = _v1.RandomEqualize
    functional = staticmethod(F.equalize)
