"""Learned and random augmentation policies (torchvision.transforms.autoaugment): AutoAugment,
RandAugment, TrivialAugmentWide and AugMix. The draws and the operations are written once here
and used by the v1 classes and by transforms.v2 (which passes its own functional module)."""
import math
from enum import Enum

import ember
from ember import nn
from . import functional as F1
from .functional import InterpolationMode, _interpolation
from .transforms import _tensor_fill

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]


def _apply_op(img, op_name, magnitude, interpolation, fill, F=F1):
    """One named augmentation at `magnitude` (Solarize's threshold on the 0..255 scale)."""
    if op_name in ("ShearX", "ShearY"):
        # the magnitude is the shear's tangent (the papers' convention), torchvision's affine takes degrees
        degrees = math.degrees(math.atan(magnitude))
        shear = [degrees, 0.0] if op_name == "ShearX" else [0.0, degrees]
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=shear, interpolation=interpolation,
                        fill=fill, center=[0, 0])
    if op_name in ("TranslateX", "TranslateY"):
        translate = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return F.affine(img, angle=0.0, translate=translate, scale=1.0, interpolation=interpolation,
                        shear=[0.0, 0.0], fill=fill)
    if op_name == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    factor_ops = {"Brightness": F.adjust_brightness, "Color": F.adjust_saturation, "Contrast": F.adjust_contrast,
                  "Sharpness": F.adjust_sharpness}
    if op_name in factor_ops:
        return factor_ops[op_name](img, 1.0 + magnitude)
    if op_name == "Posterize":
        return F.posterize(img, int(magnitude))
    if op_name == "Solarize":
        if isinstance(img, ember.Tensor) and img.is_floating_point():
            magnitude = magnitude / 255.0  # float images are on the [0, 1] scale
        return F.solarize(img, magnitude)
    plain_ops = {"AutoContrast": F.autocontrast, "Equalize": F.equalize, "Invert": F.invert}
    if op_name in plain_ops:
        return plain_ops[op_name](img)
    if op_name == "Identity":
        return img
    raise ValueError(f"The provided operator {op_name} is not recognized.")


def _linspace(hi):
    return lambda bins, h, w: ember.linspace(0.0, hi, bins)


def _posterize_bits(top, steps):
    return lambda bins, h, w: top - (ember.arange(bins) / ((bins - 1) / steps)).round().int()


def _solarize(bins, h, w):
    return ember.linspace(255.0, 0.0, bins)


# op name -> (magnitudes(num_bins, height, width) or None for ops without one, signed)
_SHEARS = {"ShearX": (_linspace(0.3), True), "ShearY": (_linspace(0.3), True)}
_TRANSLATE_331 = {"TranslateX": (lambda bins, h, w: ember.linspace(0.0, 150.0 / 331.0 * w, bins), True),
                  "TranslateY": (lambda bins, h, w: ember.linspace(0.0, 150.0 / 331.0 * h, bins), True)}
_COLOUR_09 = {name: (_linspace(0.9), True) for name in ("Brightness", "Color", "Contrast", "Sharpness")}
_AUTO_AUGMENT_SPACE = {**_SHEARS, **_TRANSLATE_331, "Rotate": (_linspace(30.0), True), **_COLOUR_09,
                       "Posterize": (_posterize_bits(8, 4), False), "Solarize": (_solarize, False),
                       "AutoContrast": (None, False), "Equalize": (None, False), "Invert": (None, False)}
_RAND_AUGMENT_SPACE = {"Identity": (None, False),
                       **{k: v for k, v in _AUTO_AUGMENT_SPACE.items() if k != "Invert"}}
_TRIVIAL_AUGMENT_SPACE = {"Identity": (None, False), "ShearX": (_linspace(0.99), True),
                          "ShearY": (_linspace(0.99), True), "TranslateX": (_linspace(32.0), True),
                          "TranslateY": (_linspace(32.0), True), "Rotate": (_linspace(135.0), True),
                          **{name: (_linspace(0.99), True) for name in ("Brightness", "Color", "Contrast",
                                                                         "Sharpness")},
                          "Posterize": (_posterize_bits(8, 6), False), "Solarize": (_solarize, False),
                          "AutoContrast": (None, False), "Equalize": (None, False)}
_AUGMIX_SPACE = {**_SHEARS, "TranslateX": (lambda bins, h, w: ember.linspace(0.0, w / 3.0, bins), True),
                 "TranslateY": (lambda bins, h, w: ember.linspace(0.0, h / 3.0, bins), True),
                 "Rotate": (_linspace(30.0), True), "Posterize": (_posterize_bits(4, 4), False),
                 "Solarize": (_solarize, False), "AutoContrast": (None, False), "Equalize": (None, False)}


def _magnitudes(space, num_bins, height, width):
    """{op name: (magnitudes tensor or None, signed)} for an image size."""
    return {name: (None if fn is None else fn(num_bins, height, width), signed) for name, (fn, signed) in space.items()}


def _random_int(n):
    return int(ember.randint(n, (1,)).item())


def _random_op(op_meta, bin_count):
    """(name, magnitude): a uniformly drawn op at a magnitude bin drawn from the first `bin_count`
    (or at bin_count itself when it is a fixed index given as a tuple), with a random sign if signed."""
    name = list(op_meta)[_random_int(len(op_meta))]
    magnitudes, signed = op_meta[name]
    if magnitudes is None:
        magnitude = 0.0
    else:
        index = bin_count[0] if isinstance(bin_count, tuple) else _random_int(bin_count)
        magnitude = float(magnitudes[index].item())
    if signed and _random_int(2):
        magnitude = -magnitude
    return name, magnitude


class AutoAugmentPolicy(Enum):
    """The policies AutoAugment learned on ImageNet, CIFAR-10 and SVHN."""
    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# each sub-policy: two (op, probability, magnitude bin) steps, from the AutoAugment paper
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None))],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None))],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None))],
}


class AutoAugment(nn.Module):
    """AutoAugment: one of the policy's sub-policies, each of its two steps applied with its probability
    (torchvision.transforms.AutoAugment); uint8 tensors or PIL images."""

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET, interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policy, self.interpolation, self.fill = policy, _interpolation(interpolation), fill
        self.policies = _POLICIES[policy]

    @staticmethod
    def get_params(transform_num):
        """(sub-policy index, the two steps' probability draws, their sign draws)."""
        return _random_int(transform_num), ember.rand((2,)), ember.randint(2, (2,))

    def augment(self, img, F=F1, fill=None):
        _, height, width = F1.get_dimensions(img)
        transform_id, probs, signs = self.get_params(len(self.policies))
        op_meta = _magnitudes(_AUTO_AUGMENT_SPACE, 10, height, width)
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if bool(probs[i] <= p):  # in the draw's float32, as torch compares a tensor with a number
                magnitudes, signed = op_meta[op_name]
                magnitude = float(magnitudes[magnitude_id].item()) if magnitude_id is not None else 0.0
                if signed and int(signs[i]) == 0:
                    magnitude = -magnitude
                img = _apply_op(img, op_name, magnitude, self.interpolation, fill, F)
        return img

    def forward(self, img):
        return self.augment(img, F1, _tensor_fill(img, self.fill))

    def __repr__(self):
        return f"{type(self).__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(nn.Module):
    """RandAugment: num_ops uniformly drawn operations at a fixed magnitude bin
    (torchvision.transforms.RandAugment)."""

    def __init__(self, num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST,
                 fill=None):
        super().__init__()
        self.num_ops, self.magnitude, self.num_magnitude_bins = num_ops, magnitude, num_magnitude_bins
        self.interpolation, self.fill = _interpolation(interpolation), fill

    def augment(self, img, F=F1, fill=None):
        _, height, width = F1.get_dimensions(img)
        op_meta = _magnitudes(_RAND_AUGMENT_SPACE, self.num_magnitude_bins, height, width)
        for _ in range(self.num_ops):
            name, magnitude = _random_op(op_meta, (self.magnitude,))
            img = _apply_op(img, name, magnitude, self.interpolation, fill, F)
        return img

    def forward(self, img):
        return self.augment(img, F1, _tensor_fill(img, self.fill))

    def __repr__(self):
        return (f"{type(self).__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, fill={self.fill})")


class TrivialAugmentWide(nn.Module):
    """TrivialAugment (wide): one uniformly drawn operation at a uniformly drawn magnitude
    (torchvision.transforms.TrivialAugmentWide)."""

    def __init__(self, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        self.num_magnitude_bins, self.interpolation, self.fill = num_magnitude_bins, _interpolation(interpolation), fill

    def augment(self, img, F=F1, fill=None):
        op_meta = _magnitudes(_TRIVIAL_AUGMENT_SPACE, self.num_magnitude_bins, 0, 0)
        name, magnitude = _random_op(op_meta, self.num_magnitude_bins)
        return _apply_op(img, name, magnitude, self.interpolation, fill, F)

    def forward(self, img):
        return self.augment(img, F1, _tensor_fill(img, self.fill))

    def __repr__(self):
        return (f"{type(self).__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class AugMix(nn.Module):
    """AugMix: a Beta-weighted mix of the image with a Dirichlet-weighted mix of `mixture_width`
    chains of random operations (torchvision.transforms.AugMix)."""
    _PARAMETER_MAX = 10

    def __init__(self, severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True,
                 interpolation=InterpolationMode.BILINEAR, fill=None):
        super().__init__()
        if not (1 <= severity <= self._PARAMETER_MAX):
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got {severity} instead.")
        self.severity, self.mixture_width, self.chain_depth = severity, mixture_width, chain_depth
        self.alpha, self.all_ops = alpha, all_ops
        self.interpolation, self.fill = _interpolation(interpolation), fill

    def _sample_dirichlet(self, params):
        return ember.distributions.Dirichlet(params).sample()

    def augment(self, img, F=F1, fill=None):
        """AugMix of a tensor image (..., C, H, W)."""
        _, height, width = F1.get_dimensions(img)
        space = dict(_AUGMIX_SPACE, **(_COLOUR_09 if self.all_ops else {}))
        op_meta = _magnitudes(space, self._PARAMETER_MAX, height, width)
        shape = list(img.shape)
        batch = img.reshape([1] * max(4 - img.dim(), 0) + shape)
        n = batch.shape[0]
        per_image = [n] + [1] * (batch.dim() - 1)
        # Beta(alpha, alpha) as a two-way Dirichlet: column 0 weighs the original, column 1 the augmented mix
        m = self._sample_dirichlet(ember.tensor([self.alpha, self.alpha]).expand(n, -1))
        weights = self._sample_dirichlet(ember.tensor([self.alpha] * self.mixture_width).expand(n, -1)) * \
            m[:, 1].reshape(n, -1)
        mix = m[:, 0].reshape(per_image) * batch
        for i in range(self.mixture_width):
            aug = batch
            depth = self.chain_depth if self.chain_depth > 0 else int(ember.randint(1, 4, (1,)).item())
            for _ in range(depth):
                name, magnitude = _random_op(op_meta, self.severity)
                aug = _apply_op(aug, name, magnitude, self.interpolation, fill, F)
            mix = mix + weights[:, i].reshape(per_image) * aug
        return mix.reshape(shape).to(img.dtype)

    def forward(self, orig_img):
        if isinstance(orig_img, ember.Tensor):
            return self.augment(orig_img, F1, _tensor_fill(orig_img, self.fill))
        return F1.to_pil_image(self.augment(F1.pil_to_tensor(orig_img), F1, self.fill))

    def __repr__(self):
        return (f"{type(self).__name__}(severity={self.severity}, mixture_width={self.mixture_width}, "
                f"chain_depth={self.chain_depth}, alpha={self.alpha}, all_ops={self.all_ops}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
