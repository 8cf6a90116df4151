"""uniform_temporal_subsample (torchvision.transforms.v2.functional._temporal)."""
import ember
from .... import tv_tensors
from ._utils import _register_kernel_internal, _get_kernel


def uniform_temporal_subsample(inpt, num_samples):
    """num_samples frames of a video (..., T, C, H, W), evenly spaced from the first to the last."""
    return _get_kernel(uniform_temporal_subsample, type(inpt))(inpt, num_samples=num_samples)


def uniform_temporal_subsample_video(video, num_samples):
    indices = ember.linspace(0, video.shape[-4] - 1, num_samples).long()
    return video.index_select(-4, indices)


_register_kernel_internal(uniform_temporal_subsample, ember.Tensor)(uniform_temporal_subsample_video)
_register_kernel_internal(uniform_temporal_subsample, tv_tensors.Video)(uniform_temporal_subsample_video)
