"""UniformTemporalSubsample (torchvision.transforms.v2._temporal)."""
from ... import tv_tensors
from . import functional as F
from ._transform import Transform


class UniformTemporalSubsample(Transform):
    """Keep num_samples evenly spaced frames of videos."""
    _transformed_types = (F.is_pure_tensor, tv_tensors.Video)

    def __init__(self, num_samples):
        super().__init__()
        self.num_samples = num_samples

    def transform(self, inpt, params):
        return self._call_kernel(F.uniform_temporal_subsample, inpt, self.num_samples)
