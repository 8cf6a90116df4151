"""AutoAugment, RandAugment, TrivialAugmentWide, AugMix for v2 samples: the image (or video) of the
sample is augmented by the shared policies of transforms.autoaugment; boxes and masks are refused."""
from PIL import Image as PILImage

import ember
from ... import tv_tensors
from .. import autoaugment as _aa
from ..autoaugment import AutoAugmentPolicy
from ..functional import InterpolationMode
from . import functional as F
from ._transform import Transform
from ._utils import _get_fill, _setup_fill_arg, tree_flatten, tree_unflatten


class _AutoAugmentBase(Transform):
    _policy_cls = None

    def __init__(self, interpolation, fill, settings, *args):
        super().__init__()
        # the shared policy object does the work; it is kept out of the module tree (not a submodule)
        self.__dict__["_policy"] = self._policy_cls(*args, interpolation=interpolation, fill=fill)
        self.interpolation = self._policy.interpolation.value
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        for name, value in zip(settings, args):
            setattr(self, name, value)

    def forward(self, *inputs):
        flat_inputs, spec = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        needs = self._needs_transform_list(flat_inputs)
        found = [i for i, (inpt, n) in enumerate(zip(flat_inputs, needs)) if n and not isinstance(
            inpt, (tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints))]
        for inpt, n in zip(flat_inputs, needs):
            if n and isinstance(inpt, (tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints)):
                raise TypeError(f"{type(inpt).__name__}'s are not supported by {type(self).__name__}()")
        if len(found) > 1:
            raise TypeError(f"Auto augment transformations are only properly defined for a single image or video, but "
                            f"found {len(found)}.")
        if not found:
            raise TypeError("Found no image in the sample.")
        image = flat_inputs[found[0]]
        fill = _get_fill(self._fill, type(image))
        if not isinstance(self._policy, _aa.AugMix):
            out = self._policy.augment(image, F, fill)
        elif isinstance(image, PILImage.Image):
            out = self._policy(image)
        else:  # AugMix mixes plain tensors
            plain = image.as_subclass(ember.Tensor) if isinstance(image, tv_tensors.TVTensor) else image
            out = self._policy.augment(plain, F, fill)
            out = tv_tensors.wrap(out, like=image) if isinstance(image, tv_tensors.TVTensor) else out
        flat_inputs[found[0]] = out
        return tree_unflatten(flat_inputs, spec)


class AutoAugment(_AutoAugmentBase):
    """AutoAugment with a learned policy (torchvision.transforms.v2.AutoAugment)."""
    _policy_cls = _aa.AutoAugment
    _v1_transform_cls = _aa.AutoAugment

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET, interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__(interpolation, fill, ("policy",), policy)


class RandAugment(_AutoAugmentBase):
    """RandAugment (torchvision.transforms.v2.RandAugment)."""
    _policy_cls = _aa.RandAugment

    def __init__(self, num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST,
                 fill=None):
        super().__init__(interpolation, fill, ("num_ops", "magnitude", "num_magnitude_bins"), num_ops, magnitude,
                         num_magnitude_bins)


class TrivialAugmentWide(_AutoAugmentBase):
    """TrivialAugment Wide (torchvision.transforms.v2.TrivialAugmentWide)."""
    _policy_cls = _aa.TrivialAugmentWide

    def __init__(self, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__(interpolation, fill, ("num_magnitude_bins",), num_magnitude_bins)


class AugMix(_AutoAugmentBase):
    """AugMix (torchvision.transforms.v2.AugMix)."""
    _policy_cls = _aa.AugMix

    def __init__(self, severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True,
                 interpolation=InterpolationMode.BILINEAR, fill=None):
        super().__init__(interpolation, fill, ("severity", "mixture_width", "chain_depth", "alpha", "all_ops"), severity,
                         mixture_width, chain_depth, alpha, all_ops)
