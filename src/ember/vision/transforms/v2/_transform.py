"""Transform: the base of every v2 transform (torchvision.transforms.v2.Transform)."""
import enum

from PIL import Image as PILImage

import ember
from ember import nn
from ... import tv_tensors
from .functional._utils import _get_kernel, is_pure_tensor
from ._utils import tree_flatten, tree_unflatten, check_type, has_any


class Transform(nn.Module):
    """A transform of whole samples: forward(*inputs) flattens the (nested) sample, draws the random
    parameters once (`make_params`), and applies `transform(inpt, params)` to every leaf it handles, so
    an image, its boxes and its mask move together. Subclasses define make_params and transform."""

    # the leaf types a transform touches; anything else passes through
    _transformed_types = (ember.Tensor, PILImage.Image)
    _v1_transform_cls = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the v1 class's static get_params, where there is one, is the v2 class's too
        if cls._v1_transform_cls is not None and hasattr(cls._v1_transform_cls, "get_params"):
            cls.get_params = staticmethod(cls._v1_transform_cls.get_params)

    def check_inputs(self, flat_inputs):
        pass

    def make_params(self, flat_inputs):
        return dict()

    def _call_kernel(self, functional, inpt, *args, **kwargs):
        return _get_kernel(functional, type(inpt), allow_passthrough=True)(inpt, *args, **kwargs)

    def transform(self, inpt, params):
        raise NotImplementedError

    def forward(self, *inputs):
        flat_inputs, spec = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        self.check_inputs(flat_inputs)
        return self._transform_flat(flat_inputs, spec)

    def _transform_flat(self, flat_inputs, spec):
        """Draw the parameters from the leaves to transform, transform them, rebuild the sample."""
        needs = self._needs_transform_list(flat_inputs)
        params = self.make_params([inpt for inpt, n in zip(flat_inputs, needs) if n])
        return tree_unflatten([self.transform(inpt, params) if n else inpt for inpt, n in zip(flat_inputs, needs)],
                              spec)

    def _needs_transform_list(self, flat_inputs):
        # a pure tensor is the image only when the sample has no Image, Video or PIL image, and then only the
        # first one (others, such as labels, pass through)
        transform_pure_tensor = not has_any(flat_inputs, tv_tensors.Image, tv_tensors.Video, PILImage.Image)
        needs = []
        for inpt in flat_inputs:
            need = check_type(inpt, self._transformed_types)
            if need and is_pure_tensor(inpt):
                need, transform_pure_tensor = transform_pure_tensor, False
            needs.append(need)
        return needs

    def extra_repr(self):
        return ", ".join(f"{k}={v}" for k, v in self.__dict__.items()
                         if not k.startswith("_") and k != "training"
                         and isinstance(v, (bool, int, float, str, tuple, list, enum.Enum)))


class _RandomApplyTransform(Transform):
    """A transform applied to the whole sample with probability p."""

    def __init__(self, p=0.5):
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        super().__init__()
        self.p = p

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, spec = tree_flatten(inputs)
        self.check_inputs(flat_inputs)
        if ember.rand(1).item() >= self.p:
            return inputs
        return self._transform_flat(flat_inputs, spec)
