"""The preprocessing that goes with pretrained weights (torchvision.transforms._presets)."""
import ember
from ember import nn
from . import functional as F
from .functional import InterpolationMode


class _Preset(nn.Module):
    """What the presets share: the image as a float tensor in [0, 1], normalised; a field-per-line repr."""
    _fields = ()

    def _normalised(self, img):
        if not isinstance(img, ember.Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, ember.float)
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self):
        return f"{type(self).__name__}(" + "".join(f"\n    {f}={getattr(self, f)}" for f in self._fields) + "\n)"


class ImageClassification(_Preset):
    """Resize, center-crop, scale to [0, 1] and normalise: what an ImageNet classifier expects."""
    _fields = ("crop_size", "resize_size", "mean", "std", "interpolation")

    def __init__(self, *, crop_size, resize_size=256, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean, self.std = list(mean), list(std)
        self.interpolation, self.antialias = interpolation, antialias

    def forward(self, img):
        img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        return self._normalised(F.center_crop(img, self.crop_size))


class SemanticSegmentation(_Preset):
    """Resize (when resize_size is given), scale to [0, 1] and normalise: what the segmentation models expect."""
    _fields = ("resize_size", "mean", "std", "interpolation")

    def __init__(self, *, resize_size, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.resize_size = [resize_size] if resize_size is not None else None
        self.mean, self.std = list(mean), list(std)
        self.interpolation, self.antialias = interpolation, antialias

    def forward(self, img):
        if self.resize_size is not None:
            img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        return self._normalised(img)
