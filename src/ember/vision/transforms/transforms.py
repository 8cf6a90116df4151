"""Transform objects (torchvision.transforms): callables over PIL images, tensors and arrays,
with torchvision's arguments, random draws (from Ember's RNG, so ember.manual_seed repeats them)
and reprs. The ones that are nn.Modules in torchvision are nn.Modules here."""
import math
import numbers
import random
import warnings
from collections.abc import Sequence

import ember
from ember import nn
from . import functional as F
from .functional import InterpolationMode, _interpolation

__all__ = ["Compose", "ToTensor", "PILToTensor", "ToPILImage", "ConvertImageDtype", "Normalize", "Resize",
           "CenterCrop", "Pad", "Lambda", "RandomApply", "RandomChoice", "RandomOrder", "RandomCrop",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomResizedCrop", "Grayscale", "RandomGrayscale",
           "ColorJitter", "RandomRotation", "RandomAffine", "InterpolationMode", "GaussianBlur", "LinearTransformation",
           "RandomErasing", "RandomPerspective", "ElasticTransform", "FiveCrop", "TenCrop", "RandomInvert",
           "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize"]


class Compose:
    """Apply the transforms one after the other."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return f"{type(self).__name__}(" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class ToTensor:
    """PIL image or (H, W, C) array -> (C, H, W) tensor; uint8 is scaled to [0, 1] float."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


class PILToTensor:
    """PIL image -> (C, H, W) tensor of the same values and dtype."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ToPILImage:
    """(C, H, W) tensor or (H, W, C) array -> PIL image (floats are taken as [0, 1])."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        return f"{type(self).__name__}()" if self.mode is None else f"{type(self).__name__}(mode={self.mode})"


class Lambda:
    """Apply a user function."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{type(self).__name__}()"


class _Transform(nn.Module):
    """A transform that is an nn.Module (as in torchvision), so it can sit in an nn.Sequential."""

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self._repr_args())
        return f"{type(self).__name__}({args})"

    def _repr_args(self):
        return ()


class ConvertImageDtype(_Transform):
    """Convert a tensor image to `dtype`, rescaling its values."""

    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize(_Transform):
    """(x - mean[c]) / std[c] for each channel c of a float tensor image."""

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean, self.std, self.inplace = mean, std, inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def _repr_args(self):
        return (("mean", self.mean), ("std", self.std))


def _check_size(size, message="If size is a sequence, it should have 1 or 2 values"):
    if not isinstance(size, (int, Sequence)):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    if isinstance(size, Sequence) and len(size) not in (1, 2):
        raise ValueError(message)
    return size


class Resize(_Transform):
    """Resize to (h, w), or so that the smaller edge becomes `size`."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        super().__init__()
        self.size = _check_size(size)
        self.max_size = max_size
        self.interpolation = _interpolation(interpolation)
        self.antialias = antialias

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def _repr_args(self):
        return (("size", self.size), ("interpolation", self.interpolation.value), ("max_size", self.max_size),
                ("antialias", self.antialias))


def _setup_size(size, error_msg):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size


class _Sized(_Transform):
    """A transform whose argument is one (h, w) size."""

    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def _repr_args(self):
        return (("size", self.size),)


class CenterCrop(_Sized):
    """The central crop of `size`."""

    def forward(self, img):
        return F.center_crop(img, self.size)


class Pad(_Transform):
    def __init__(self, padding, fill=0, padding_mode="constant"):
        super().__init__()
        F._ltrb(padding)  # validates
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def _repr_args(self):
        return (("padding", self.padding), ("fill", self.fill), ("padding_mode", self.padding_mode))


class RandomApply(_Transform):
    """Apply the list of transforms with probability p."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms, self.p = transforms, p

    def forward(self, img):
        if self.p < ember.rand(1).item():
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return f"{type(self).__name__}(\n    p={self.p}" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class RandomOrder(Compose):
    """Apply the transforms in a random order (drawn from Python's `random`, as torchvision does)."""

    def __call__(self, img):
        order = list(range(len(self.transforms)))
        random.shuffle(order)
        for i in order:
            img = self.transforms[i](img)
        return img


class RandomChoice(Compose):
    """Apply one transform picked at random (with optional weights p; Python's `random`, as torchvision)."""

    def __init__(self, transforms, p=None):
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        super().__init__(transforms)
        self.p = p

    def __call__(self, *args):
        return random.choices(self.transforms, weights=self.p)[0](*args)

    def __repr__(self):
        return f"{super().__repr__()}(p={self.p})"


class RandomCrop(_Transform):
    """A crop of `size` at a random place (after optional padding; pad_if_needed pads images smaller than size)."""

    @staticmethod
    def get_params(img, output_size):
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if (h, w) == (th, tw):
            return 0, 0, h, w
        i = ember.randint(0, h - th + 1, size=(1,)).item()
        j = ember.randint(0, w - tw + 1, size=(1,)).item()
        return i, j, th, tw

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        super().__init__()
        self.size = tuple(_setup_size(size, "Please provide only two dimensions (h, w) for size."))
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, h, w = F.get_dimensions(img)
        if self.pad_if_needed and w < self.size[1]:
            img = F.pad(img, [self.size[1] - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < self.size[0]:
            img = F.pad(img, [0, self.size[0] - h], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def _repr_args(self):
        return (("size", self.size), ("padding", self.padding))


class _RandomFlip(_Transform):
    flip = None

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        return type(self).flip(img) if ember.rand(1).item() < self.p else img

    def _repr_args(self):
        return (("p", self.p),)


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left-right with probability p."""
    flip = staticmethod(F.hflip)


class RandomVerticalFlip(_RandomFlip):
    """Mirror top-bottom with probability p."""
    flip = staticmethod(F.vflip)


def _check_scale_ratio(scale, ratio):
    if not isinstance(scale, Sequence):
        raise TypeError("Scale should be a sequence")
    if not isinstance(ratio, Sequence):
        raise TypeError("Ratio should be a sequence")
    if scale[0] > scale[1] or ratio[0] > ratio[1]:
        warnings.warn("Scale and ratio should be of kind (min, max)")


def _rectangle_draws(area, scale, ratio):
    """Ten side pairs (sqrt(a * r), sqrt(a / r)) drawn as torchvision draws them: the area a a fraction
    of `area` uniform in `scale`, the aspect ratio r log-uniform in `ratio`."""
    log_ratio = ember.log(ember.tensor(ratio))
    for _ in range(10):
        target_area = area * ember.empty(1).uniform_(scale[0], scale[1]).item()
        aspect = ember.exp(ember.empty(1).uniform_(log_ratio[0].item(), log_ratio[1].item())).item()
        yield int(round(math.sqrt(target_area * aspect))), int(round(math.sqrt(target_area / aspect)))


def _resized_crop_params(height, width, scale, ratio):
    """(top, left, h, w) of a crop with area fraction drawn from `scale` and log-uniform aspect ratio
    from `ratio` (ten tries, then the largest central crop within the ratio bounds)."""
    for w, h in _rectangle_draws(height * width, scale, ratio):
        if 0 < w <= width and 0 < h <= height:
            i = ember.randint(0, height - h + 1, size=(1,)).item()
            j = ember.randint(0, width - w + 1, size=(1,)).item()
            return i, j, h, w
    in_ratio = width / height
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        w, h = int(round(height * max(ratio))), height
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


class RandomResizedCrop(_Transform):
    """A crop of random area (a fraction in `scale` of the image) and aspect ratio (in `ratio`),
    resized to `size` — the Inception-style augmentation."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        _check_scale_ratio(scale, ratio)
        self.interpolation = _interpolation(interpolation)
        self.antialias, self.scale, self.ratio = antialias, scale, ratio

    @staticmethod
    def get_params(img, scale, ratio):
        _, height, width = F.get_dimensions(img)
        return _resized_crop_params(height, width, scale, ratio)

    def forward(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)

    def _repr_args(self):
        return (("size", self.size), ("scale", tuple(round(s, 4) for s in self.scale)),
                ("ratio", tuple(round(r, 4) for r in self.ratio)), ("interpolation", self.interpolation.value),
                ("antialias", self.antialias))


class Grayscale(_Transform):
    """Convert to greyscale with 1 or 3 output channels."""

    def __init__(self, num_output_channels=1):
        super().__init__()
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def _repr_args(self):
        return (("num_output_channels", self.num_output_channels),)


class RandomGrayscale(_Transform):
    """Convert to greyscale (keeping the channel count) with probability p."""

    def __init__(self, p=0.1):
        super().__init__()
        self.p = p

    def forward(self, img):
        channels = F.get_dimensions(img)[0]
        return F.rgb_to_grayscale(img, channels) if ember.rand(1).item() < self.p else img

    def _repr_args(self):
        return (("p", self.p),)


class ColorJitter(_Transform):
    """Random brightness, contrast, saturation and hue changes, applied in a random order. Each
    argument is a max deviation from no change (a number) or a (min, max) range of factors."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        # a range that is only the centre means: leave this property alone
        return None if value[0] == value[1] == center else value

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        order = ember.randperm(4)
        factors = [None if r is None else float(ember.empty(1).uniform_(r[0], r[1]).item())
                   for r in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def forward(self, img):
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for k in order.tolist():
            if factors[k] is not None:
                img = adjust[k](img, factors[k])
        return img

    def _repr_args(self):
        return (("brightness", self.brightness), ("contrast", self.contrast), ("saturation", self.saturation),
                ("hue", self.hue))


class RandomRotation(_Transform):
    """Rotate by an angle drawn uniformly from `degrees` ((-d, d) for a number d)."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        super().__init__()
        self.degrees = _angles(degrees, "degrees")
        self.interpolation = _interpolation(interpolation)
        if center is not None and not (isinstance(center, Sequence) and len(center) == 2):
            raise ValueError("If center is a sequence, it must be of len 2.")
        self.expand, self.center, self.fill = expand, center, fill

    @staticmethod
    def get_params(degrees):
        return float(ember.empty(1).uniform_(float(degrees[0]), float(degrees[1])).item())

    def forward(self, img):
        return F.rotate(img, self.get_params(self.degrees), self.interpolation, self.expand, self.center, self.fill)

    def _repr_args(self):
        args = [("degrees", self.degrees), ("interpolation", self.interpolation.value), ("expand", self.expand)]
        if self.center is not None:
            args.append(("center", self.center))
        if self.fill is not None:
            args.append(("fill", self.fill))
        return args


def _check_sequence(value, name, sizes=(2,)):
    """torchvision's TypeError (not a sequence) or ValueError (wrong length) for a range argument."""
    if not isinstance(value, Sequence):
        raise TypeError(f"{name} should be a sequence of length {' or '.join(map(str, sizes))}.")
    if len(value) not in sizes:
        raise ValueError(f"{name} should be a sequence of length {' or '.join(map(str, sizes))}.")


def _angles(value, name, sizes=(2,)):
    """(-v, v) for a number v >= 0, else a sequence of one of `sizes` lengths, as a list of floats."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        return [float(-value), float(value)]
    _check_sequence(value, name, sizes)
    return [float(v) for v in value]


class RandomAffine(_Transform):
    """Rotate, translate (fractions of the size), scale and shear by amounts drawn uniformly from
    the given ranges, keeping the image size (torchvision.transforms.RandomAffine)."""

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None):
        super().__init__()
        self.degrees = _angles(degrees, "degrees")
        for name, value in (("translate", translate), ("scale", scale), ("center", center)):
            if value is not None:
                _check_sequence(value, name)
        if translate is not None and not all(0.0 <= t <= 1.0 for t in translate):
            raise ValueError("translation values should be between 0 and 1")
        if scale is not None and not all(s > 0 for s in scale):
            raise ValueError("scale values should be positive")
        if fill is not None and not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.translate, self.scale, self.center = translate, scale, center
        self.shear = None if shear is None else _angles(shear, "shear", (2, 4))
        self.interpolation = _interpolation(interpolation)
        self.fill = 0 if fill is None else fill

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """(angle, (tx, ty), scale, (shear_x, shear_y)) drawn as torchvision draws them; img_size is (W, H)."""
        def uniform(lo, hi):
            return float(ember.empty(1).uniform_(float(lo), float(hi)).item())
        angle = uniform(*degrees)
        translations = (0, 0)
        if translate is not None:
            dx, dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            translations = (int(round(uniform(-dx, dx))), int(round(uniform(-dy, dy))))
        scale = uniform(*scale_ranges) if scale_ranges is not None else 1.0
        shear = (0.0, 0.0)
        if shears is not None:
            shear = (uniform(shears[0], shears[1]), uniform(shears[2], shears[3]) if len(shears) == 4 else 0.0)
        return angle, translations, scale, shear

    def forward(self, img):
        channels, height, width = F.get_dimensions(img)
        fill = self.fill
        if isinstance(img, ember.Tensor):
            fill = [float(fill)] * channels if isinstance(fill, (int, float)) else [float(f) for f in fill]
        params = self.get_params(self.degrees, self.translate, self.scale, self.shear, [width, height])
        return F.affine(img, *params, interpolation=self.interpolation, fill=fill, center=self.center)

    def _repr_args(self):
        args = [("degrees", self.degrees)]
        args += [(k, getattr(self, k)) for k in ("translate", "scale", "shear") if getattr(self, k) is not None]
        if self.interpolation is not InterpolationMode.NEAREST:
            args.append(("interpolation", self.interpolation.value))
        if self.fill != 0:
            args.append(("fill", self.fill))
        if self.center is not None:
            args.append(("center", self.center))
        return args


class GaussianBlur(_Transform):
    """Blur with a Gaussian whose std is drawn uniformly from `sigma` (min, max)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        self.kernel_size = self._kernel_size(kernel_size)
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def _kernel_size(kernel_size):
        kernel_size = _setup_size(kernel_size, "Kernel size should be a tuple/list of two integers")
        for ks in kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        return kernel_size

    @staticmethod
    def get_params(sigma_min, sigma_max):
        return ember.empty(1).uniform_(sigma_min, sigma_max).item()

    def forward(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def _repr_args(self):
        return (("kernel_size", self.kernel_size), ("sigma", self.sigma))


class LinearTransformation(_Transform):
    """(x - mean_vector) @ transformation_matrix on the flattened tensor image (e.g. ZCA whitening)."""

    def __init__(self, transformation_matrix, mean_vector):
        super().__init__()
        self.check(transformation_matrix, mean_vector)
        self.transformation_matrix, self.mean_vector = transformation_matrix, mean_vector

    @staticmethod
    def check(transformation_matrix, mean_vector):
        if transformation_matrix.size(0) != transformation_matrix.size(1):
            raise ValueError("transformation_matrix should be square. Got "
                             f"{tuple(transformation_matrix.size())} rectangular matrix.")
        if mean_vector.size(0) != transformation_matrix.size(0):
            raise ValueError(f"mean_vector should have the same length {mean_vector.size(0)} as any one of the "
                             f"dimensions of the transformation_matrix [{tuple(transformation_matrix.size())}]")
        if transformation_matrix.dtype != mean_vector.dtype:
            raise ValueError(f"Input tensors should have the same dtype. Got {transformation_matrix.dtype} and "
                             f"{mean_vector.dtype}")

    @staticmethod
    def apply(tensor, transformation_matrix, mean_vector):
        shape = tensor.shape
        n = shape[-3] * shape[-2] * shape[-1]
        if n != transformation_matrix.shape[0]:
            raise ValueError("Input tensor and transformation matrix have incompatible shape."
                             f"[{shape[-3]} x {shape[-2]} x {shape[-1]}] != {transformation_matrix.shape[0]}")
        flat = tensor.reshape(-1, n) - mean_vector
        return (flat @ transformation_matrix.to(flat.dtype)).reshape(shape)

    def forward(self, tensor):
        return self.apply(tensor, self.transformation_matrix, self.mean_vector)

    def __repr__(self):
        return (f"{type(self).__name__}(transformation_matrix={self.transformation_matrix.tolist()}, "
                f"mean_vector={self.mean_vector.tolist()})")


class RandomErasing(_Transform):
    """Erase a random rectangle (area fraction in `scale`, aspect ratio in `ratio`) with probability p:
    with `value` (a number or one per channel) or, for value="random", Gaussian noise."""

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        super().__init__()
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        _check_scale_ratio(scale, ratio)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """(top, left, h, w, v): the rectangle and what fills it (the image itself when no try fits)."""
        img_c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        for h, w in _rectangle_draws(img_h * img_w, scale, ratio):
            if not (h < img_h and w < img_w):
                continue
            v = ember.empty([img_c, h, w], dtype=ember.float32).normal_() if value is None else \
                ember.tensor(value)[:, None, None]
            i = ember.randint(0, img_h - h + 1, size=(1,)).item()
            j = ember.randint(0, img_w - w + 1, size=(1,)).item()
            return i, j, h, w, v
        return 0, 0, img_h, img_w, img

    def forward(self, img):
        if ember.rand(1).item() >= self.p:
            return img
        value = [float(self.value)] if isinstance(self.value, (int, float)) else None \
            if isinstance(self.value, str) else list(self.value)
        if value is not None and len(value) not in (1, img.shape[-3]):
            raise ValueError("If value is a sequence, it should have either a single value or "
                             f"{img.shape[-3]} (number of input channels)")
        x, y, h, w, v = self.get_params(img, scale=self.scale, ratio=self.ratio, value=value)
        return F.erase(img, x, y, h, w, v, self.inplace)

    def _repr_args(self):
        return (("p", self.p), ("scale", self.scale), ("ratio", self.ratio), ("value", self.value),
                ("inplace", self.inplace))


def _tensor_fill(img, fill):
    """A fill number as one value per channel, as torchvision passes it for tensor images."""
    if isinstance(img, ember.Tensor):
        channels = F.get_dimensions(img)[0]
        if isinstance(fill, (int, float)):
            return [float(fill)] * channels
        if fill is not None:
            return [float(f) for f in fill]
    return fill


class RandomPerspective(_Transform):
    """A random perspective warp with probability p (corners moved by up to distortion_scale of half the size)."""

    def __init__(self, distortion_scale=0.5, p=0.5, interpolation=InterpolationMode.BILINEAR, fill=0):
        super().__init__()
        self.p = p
        self.interpolation = _interpolation(interpolation)
        self.distortion_scale = distortion_scale
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill

    @staticmethod
    def get_params(width, height, distortion_scale):
        """(startpoints, endpoints): the image corners and where they move."""
        half_h, half_w = height // 2, width // 2
        bound_h, bound_w = int(distortion_scale * half_h) + 1, int(distortion_scale * half_w) + 1

        def draw(lo, hi):
            return int(ember.randint(lo, hi, size=(1,)).item())
        topleft = [draw(0, bound_w), draw(0, bound_h)]
        topright = [draw(width - bound_w, width), draw(0, bound_h)]
        botright = [draw(width - bound_w, width), draw(height - bound_h, height)]
        botleft = [draw(0, bound_w), draw(height - bound_h, height)]
        start = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return start, [topleft, topright, botright, botleft]

    def forward(self, img):
        if ember.rand(1).item() >= self.p:
            return img
        _, height, width = F.get_dimensions(img)
        start, end = self.get_params(width, height, self.distortion_scale)
        return F.perspective(img, start, end, self.interpolation, _tensor_fill(img, self.fill))

    def _repr_args(self):
        return (("p", self.p),)


def _pair_of_floats(value, name):
    if isinstance(value, numbers.Number):
        return [float(value), float(value)]
    if isinstance(value, Sequence) and len(value) in (1, 2):
        return [float(value[0]), float(value[-1])]
    raise ValueError(f"{name} should be a sequence of length 2. Got {value}")


class ElasticTransform(_Transform):
    """Move pixels by random displacement fields smoothed with a Gaussian (sigma) and scaled (alpha)."""

    def __init__(self, alpha=50.0, sigma=5.0, interpolation=InterpolationMode.BILINEAR, fill=0):
        super().__init__()
        if not isinstance(alpha, (numbers.Number, Sequence)):
            raise TypeError(f"alpha should be float or a sequence of floats. Got {type(alpha)}")
        if not isinstance(sigma, (numbers.Number, Sequence)):
            raise TypeError(f"sigma should be float or a sequence of floats. Got {type(sigma)}")
        self.alpha, self.sigma = _pair_of_floats(alpha, "alpha"), _pair_of_floats(sigma, "sigma")
        self.interpolation = _interpolation(interpolation)
        if isinstance(fill, (int, float)):
            fill = [float(fill)]
        elif isinstance(fill, (list, tuple)):
            fill = [float(f) for f in fill]
        else:
            raise TypeError(f"fill should be int or float or a list or tuple of them. Got {type(fill)}")
        self.fill = fill

    @staticmethod
    def get_params(alpha, sigma, size):
        """The (1, H, W, 2) displacement (grid_sample units) for an image of size [H, W]."""
        def field(a, s, n):
            d = ember.rand([1, 1] + list(size)) * 2 - 1
            if s > 0.0:
                k = int(8 * s + 1)
                k += 1 - k % 2  # odd
                d = F.gaussian_blur(d, [k, k], [s, s])
            return d * a / n
        dx = field(alpha[0], sigma[0], size[0])
        dy = field(alpha[1], sigma[1], size[1])
        return ember.cat([dx, dy], 1).permute([0, 2, 3, 1])

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        displacement = self.get_params(self.alpha, self.sigma, [height, width])
        return F.elastic_transform(img, displacement, self.interpolation, self.fill)

    def __repr__(self):
        return (f"{type(self).__name__}(alpha={self.alpha}, sigma={self.sigma}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


class FiveCrop(_Sized):
    """The four corner crops and the central crop of `size`, as a tuple."""

    def forward(self, img):
        return F.five_crop(img, self.size)


class TenCrop(FiveCrop):
    """FiveCrop of the image and of its mirror (vertical_flip picks the mirror)."""

    def __init__(self, size, vertical_flip=False):
        super().__init__(size)
        self.vertical_flip = vertical_flip

    def forward(self, img):
        return F.ten_crop(img, self.size, self.vertical_flip)

    def _repr_args(self):
        return (("size", self.size), ("vertical_flip", self.vertical_flip))


class _RandomOp(_Transform):
    """A functional applied with probability p; `args` names its arguments after the image."""
    op, args = None, ()

    def __init__(self, *values, p=0.5):
        super().__init__()
        for name, value in zip(self.args, values):
            setattr(self, name, value)
        self.p = p

    def forward(self, img):
        if ember.rand(1).item() < self.p:
            return type(self).op(img, *(getattr(self, a) for a in self.args))
        return img

    def __repr__(self):  # torchvision prints these without a space after the comma
        args = [(a, getattr(self, a)) for a in self.args] + [("p", self.p)]
        return f"{type(self).__name__}(" + ",".join(f"{k}={v}" for k, v in args) + ")"


class RandomInvert(_RandomOp):
    """Invert the colours with probability p."""
    op = staticmethod(F.invert)


class RandomPosterize(_RandomOp):
    """Keep `bits` bits per channel with probability p."""
    op, args = staticmethod(F.posterize), ("bits",)

    def __init__(self, bits, p=0.5):
        super().__init__(bits, p=p)


class RandomSolarize(_RandomOp):
    """Invert the pixels above `threshold` with probability p."""
    op, args = staticmethod(F.solarize), ("threshold",)

    def __init__(self, threshold, p=0.5):
        super().__init__(threshold, p=p)


class RandomAdjustSharpness(_RandomOp):
    """Adjust the sharpness by `sharpness_factor` with probability p."""
    op, args = staticmethod(F.adjust_sharpness), ("sharpness_factor",)

    def __init__(self, sharpness_factor, p=0.5):
        super().__init__(sharpness_factor, p=p)


class RandomAutocontrast(_RandomOp):
    """Autocontrast with probability p."""
    op = staticmethod(F.autocontrast)


class RandomEqualize(_RandomOp):
    """Equalise the histogram with probability p."""
    op = staticmethod(F.equalize)
