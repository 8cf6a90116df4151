"""Colour functionals of transforms.v2 (torchvision.transforms.v2.functional._color): images, videos
and PIL images through the v1 kernels; masks and boxes have no colour and are not accepted."""
import ember
from ... import functional as F1
from ._utils import _register_image_kernels, _get_kernel


def _colour_functional(name, v1, doc, video=True):
    """A v2 functional `name` whose image kernel is the v1 functional `v1` (tensors and PIL alike)."""
    def functional(inpt, *args, **kwargs):
        return _get_kernel(functional, type(inpt))(inpt, *args, **kwargs)
    functional.__name__ = functional.__qualname__ = name
    functional.__doc__ = doc
    functional.__module__ = __name__
    _register_image_kernels(functional, v1, v1, video=video)
    return functional


adjust_brightness = _colour_functional("adjust_brightness", F1.adjust_brightness, "Blend with black.")
adjust_contrast = _colour_functional("adjust_contrast", F1.adjust_contrast, "Blend with the mean grey level.")
adjust_saturation = _colour_functional("adjust_saturation", F1.adjust_saturation, "Blend with the grey image.")
adjust_hue = _colour_functional("adjust_hue", F1.adjust_hue, "Rotate the hue by hue_factor turns.")
adjust_gamma = _colour_functional("adjust_gamma", F1.adjust_gamma, "gain * img ** gamma on the [0, 1] scale.")
adjust_sharpness = _colour_functional("adjust_sharpness", F1.adjust_sharpness, "Blend with a smoothed copy.")
autocontrast = _colour_functional("autocontrast", F1.autocontrast, "Stretch each channel to the full range.")
equalize = _colour_functional("equalize", F1.equalize, "Equalise each channel's histogram.")
invert = _colour_functional("invert", F1.invert, "The negative image.")
posterize = _colour_functional("posterize", F1.posterize, "Keep the `bits` highest bits.")
solarize = _colour_functional("solarize", F1.solarize, "Invert the pixels at or above threshold.")
def rgb_to_grayscale_image(image, num_output_channels=1):
    if not F1._is_pil_image(image) and image.shape[-3] == 1 and num_output_channels == 3:
        return image.repeat(*[1] * (image.dim() - 3), 3, 1, 1)
    return F1.rgb_to_grayscale(image, num_output_channels)


rgb_to_grayscale = _colour_functional("rgb_to_grayscale", rgb_to_grayscale_image, "Luma with 1 or 3 channels.",
                                      video=False)
to_grayscale = rgb_to_grayscale
(adjust_brightness_image, adjust_contrast_image, adjust_saturation_image, adjust_hue_image, adjust_gamma_image,
 adjust_sharpness_image, autocontrast_image, equalize_image, invert_image, posterize_image, solarize_image) = \
    (F1.adjust_brightness, F1.adjust_contrast, F1.adjust_saturation, F1.adjust_hue, F1.adjust_gamma,
     F1.adjust_sharpness, F1.autocontrast, F1.equalize, F1.invert, F1.posterize, F1.solarize)
(adjust_brightness_video, adjust_contrast_video, adjust_saturation_video, adjust_hue_video, adjust_gamma_video,
 adjust_sharpness_video, autocontrast_video, equalize_video, invert_video, posterize_video, solarize_video) = \
    (adjust_brightness_image, adjust_contrast_image, adjust_saturation_image, adjust_hue_image, adjust_gamma_image,
     adjust_sharpness_image, autocontrast_image, equalize_image, invert_image, posterize_image, solarize_image)


def grayscale_to_rgb_image(image):
    if F1._is_pil_image(image):
        return image.convert(mode="RGB")
    if image.shape[-3] >= 3:
        return image
    return rgb_to_grayscale_image(image, num_output_channels=3)


grayscale_to_rgb = _colour_functional("grayscale_to_rgb", grayscale_to_rgb_image, "A 1-channel image as RGB.")


def permute_channels_image(image, permutation):
    if F1._is_pil_image(image):
        return F1.to_pil_image(permute_channels_image(F1.pil_to_tensor(image), permutation))
    c, h, w = F1.get_dimensions(image)
    order = permutation.tolist() if isinstance(permutation, ember.Tensor) else list(permutation)
    return image.reshape(-1, c, h, w)[:, order].reshape(image.shape)


permute_channels_video = permute_channels_image
permute_channels = _colour_functional("permute_channels", permute_channels_image, "Reorder the channels.")
