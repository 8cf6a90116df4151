"""RandomErasing, CutMix, MixUp (torchvision.transforms.v2._augment)."""
import math
import numbers
import warnings

from PIL import Image as PILImage

import ember
from ember.nn import functional as NF
from ... import tv_tensors
from .. import transforms as _v1
from . import functional as F
from ._transform import Transform, _RandomApplyTransform
from ._utils import _parse_labels_getter, has_any, query_chw, query_size, tree_flatten, tree_unflatten


class RandomErasing(_RandomApplyTransform):
    """Erase a random rectangle of images and videos with probability p (value: a number, one per
    channel, or "random" for Gaussian noise)."""
    _v1_transform_cls = _v1.RandomErasing

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, inplace=False):
        super().__init__(p=p)
        _v1.RandomErasing(p, scale, ratio, value, inplace)  # the same argument checks
        self.scale, self.ratio = scale, ratio
        self.value = [float(value)] if isinstance(value, numbers.Number) else None if isinstance(value, str) \
            else [float(v) for v in value]
        self.inplace = inplace

    def make_params(self, flat_inputs):
        img_c, img_h, img_w = query_chw(flat_inputs)
        if self.value is not None and len(self.value) not in (1, img_c):
            raise ValueError(f"If value is a sequence, it should have either a single value or {img_c} (number of "
                             "inpt channels)")
        for h, w in _v1._rectangle_draws(img_h * img_w, self.scale, self.ratio):
            if not (h < img_h and w < img_w):
                continue
            v = ember.empty([img_c, h, w], dtype=ember.float32).normal_() if self.value is None else \
                ember.tensor(self.value)[:, None, None]
            i = ember.randint(0, img_h - h + 1, size=(1,)).item()
            j = ember.randint(0, img_w - w + 1, size=(1,)).item()
            return dict(i=i, j=j, h=h, w=w, v=v)
        return dict(i=0, j=0, h=img_h, w=img_w, v=None)

    def transform(self, inpt, params):
        if isinstance(inpt, (tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints)):
            warnings.warn(f"{type(self).__name__}() is currently passing through inputs of type "
                          f"tv_tensors.{type(inpt).__name__}. This will likely change in the future.")
        if params["v"] is None:
            return inpt
        return self._call_kernel(F.erase, inpt, **params, inplace=self.inplace)


class _BaseMixUpCutMix(Transform):
    """Batch-level mixing of images and their labels (one-hot, then mixed with the same weights)."""

    def __init__(self, *, alpha=1.0, num_classes=None, labels_getter="default"):
        super().__init__()
        self.alpha = float(alpha)
        self._dist = ember.distributions.Beta(ember.tensor([alpha]), ember.tensor([alpha]))
        self.num_classes = num_classes
        self._labels_getter = _parse_labels_getter(labels_getter)

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, spec = tree_flatten(inputs)
        needs = self._needs_transform_list(flat_inputs)
        if has_any(flat_inputs, PILImage.Image, tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints):
            raise ValueError(f"{type(self).__name__}() does not support PIL images, bounding boxes, keypoints and "
                             "masks.")
        labels = self._labels_getter(inputs)
        if not isinstance(labels, ember.Tensor):
            raise ValueError(f"The labels must be a torch.Tensor, but got {type(labels)} instead.")
        if labels.ndim not in (1, 2):
            raise ValueError(f"labels should be index based with shape (batch_size,) or probability based with shape "
                             f"(batch_size, num_classes), but got a tensor of shape {labels.shape} instead.")
        if labels.ndim == 2 and self.num_classes is not None and labels.shape[-1] != self.num_classes:
            raise ValueError(f"When passing 2D labels, the number of elements in last dimension must match "
                             f"num_classes: {labels.shape[-1]} != {self.num_classes}. You can Leave num_classes to "
                             "None.")
        if labels.ndim == 1 and self.num_classes is None:
            raise ValueError("num_classes must be passed if the labels are index-based (1D)")
        params = {"labels": labels, "batch_size": labels.shape[0],
                  **self.make_params([inpt for inpt, n in zip(flat_inputs, needs) if n])}
        # the labels are a pure tensor after the image, so they were left out: they are mixed too
        needs[next(i for i, inpt in enumerate(flat_inputs) if inpt is labels)] = True
        return tree_unflatten([self.transform(inpt, params) if n else inpt for inpt, n in zip(flat_inputs, needs)],
                              spec)

    def _check_image_or_video(self, inpt, *, batch_size):
        expected = 5 if isinstance(inpt, tv_tensors.Video) else 4
        if inpt.ndim != expected:
            raise ValueError(f"Expected a batched input with {expected} dims, but got {inpt.ndim} dimensions instead.")
        if inpt.shape[0] != batch_size:
            raise ValueError(f"The batch size of the image or video does not match the batch size of the labels: "
                             f"{inpt.shape[0]} != {batch_size}.")

    def _mixup_label(self, label, *, lam):
        if label.ndim == 1:
            label = NF.one_hot(label, num_classes=self.num_classes)
        if not label.is_floating_point():
            label = label.float()
        return label.roll(1, 0).mul(1.0 - lam).add(label.mul(lam))

    def _is_image_or_video(self, inpt):
        return isinstance(inpt, (tv_tensors.Image, tv_tensors.Video)) or F.is_pure_tensor(inpt)

    def extra_repr(self):
        return f"alpha={self.alpha}, num_classes={self.num_classes}"


class MixUp(_BaseMixUpCutMix):
    """MixUp: each image blended with the previous one of the batch by lambda ~ Beta(alpha, alpha)."""

    def make_params(self, flat_inputs):
        return dict(lam=float(self._dist.sample(()).item()))

    def transform(self, inpt, params):
        lam = params["lam"]
        if inpt is params["labels"]:
            return self._mixup_label(inpt, lam=lam)
        if not self._is_image_or_video(inpt):
            return inpt
        self._check_image_or_video(inpt, batch_size=params["batch_size"])
        out = inpt.roll(1, 0).mul(1.0 - lam).add(inpt.mul(lam))
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.TVTensor) else out


class CutMix(_BaseMixUpCutMix):
    """CutMix: a random box of each image replaced by the previous image's, labels weighted by area."""

    def make_params(self, flat_inputs):
        lam = float(self._dist.sample(()).item())
        H, W = query_size(flat_inputs)
        r_x, r_y = int(ember.randint(W, size=(1,)).item()), int(ember.randint(H, size=(1,)).item())
        r = 0.5 * math.sqrt(1.0 - lam)
        r_w_half, r_h_half = int(r * W), int(r * H)
        x1, y1 = max(r_x - r_w_half, 0), max(r_y - r_h_half, 0)
        x2, y2 = min(r_x + r_w_half, W), min(r_y + r_h_half, H)
        return dict(box=(x1, y1, x2, y2), lam_adjusted=float(1.0 - (x2 - x1) * (y2 - y1) / (W * H)))

    def transform(self, inpt, params):
        if inpt is params["labels"]:
            return self._mixup_label(inpt, lam=params["lam_adjusted"])
        if not self._is_image_or_video(inpt):
            return inpt
        self._check_image_or_video(inpt, batch_size=params["batch_size"])
        x1, y1, x2, y2 = params["box"]
        rolled = inpt.roll(1, 0)
        out = inpt.as_subclass(ember.Tensor).clone()
        out[..., y1:y2, x1:x2] = rolled[..., y1:y2, x1:x2]
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.TVTensor) else out
