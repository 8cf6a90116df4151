"""ember.vision.transforms.v2.functional (torchvision.transforms.v2.functional): one functional per
operation, dispatching on the input's type to the kernel for images, videos, masks, boxes or points."""
from ...functional import InterpolationMode  # noqa: F401
from ._utils import is_pure_tensor, register_kernel  # noqa: F401
from ._meta import (clamp_bounding_boxes, clamp_keypoints, convert_bounding_box_format, get_dimensions,  # noqa: F401
                    get_dimensions_image, get_dimensions_video, get_image_num_channels, get_image_size,
                    get_num_channels, get_num_channels_image, get_num_channels_video, get_num_frames,
                    get_num_frames_video, get_size, get_size_bounding_boxes, get_size_image, get_size_keypoints,
                    get_size_mask, get_size_video)
from ._geometry import *  # noqa: F401,F403
from ._geometry import (_compute_resized_output_size, _perspective_coefficients,  # noqa: F401
                        _affine_output_size)
from ._color import *  # noqa: F401,F403
from ._misc import *  # noqa: F401,F403
from ._augment import erase, erase_image, erase_video  # noqa: F401
from ._type_conversion import pil_to_tensor, to_image, to_pil_image, to_tensor  # noqa: F401
from ._temporal import uniform_temporal_subsample, uniform_temporal_subsample_video  # noqa: F401


def __getattr__(name):
    # torchvision 0.28's functionals Ember does not have yet fail at first use, naming themselves
    if name in ("jpeg", "jpeg_image", "jpeg_video"):
        from ember.compat import NotImplementedInEmber
        raise NotImplementedInEmber(f"torchvision.transforms.v2.functional.{name} is not implemented in Ember")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
