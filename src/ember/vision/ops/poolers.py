"""Multi-scale RoIAlign: each box pooled from the pyramid level its size calls for (Lin et al., FPN, eq. 1)
(torchvision.ops.MultiScaleRoIAlign)."""
import math

import ember
from ember import nn

from .boxes import box_area
from .roi_align import roi_align

__all__ = ["MultiScaleRoIAlign", "LevelMapper", "initLevelMapper"]


def initLevelMapper(k_min, k_max, canonical_scale=224, canonical_level=4, eps=1e-6):
    return LevelMapper(k_min, k_max, canonical_scale, canonical_level, eps)


class LevelMapper:
    """The pyramid level (counted from k_min) of each box: floor(k0 + log2(sqrt(area) / s0)), clamped to
    [k_min, k_max]."""

    def __init__(self, k_min, k_max, canonical_scale=224, canonical_level=4, eps=1e-6):
        self.k_min, self.k_max = k_min, k_max
        self.s0, self.lvl0, self.eps = canonical_scale, canonical_level, eps

    def __call__(self, boxlists):
        s = ember.sqrt(ember.cat([box_area(b) for b in boxlists]))
        levels = ember.floor(self.lvl0 + ember.log2(s / self.s0) + ember.tensor(self.eps, dtype=s.dtype))
        return levels.clamp(min=self.k_min, max=self.k_max).to(ember.int64) - self.k_min


def _convert_to_roi_format(boxes):
    concat = ember.cat(boxes, 0)
    ids = ember.cat([ember.full_like(b[:, :1], i) for i, b in enumerate(boxes)], 0)
    return ember.cat([ids, concat], 1)


def _infer_scale(feature, original_size):
    """The feature map's scale relative to the image, a power of two (from its height)."""
    approx = float(feature.shape[-2]) / float(original_size[0])
    return 2 ** float(ember.tensor(approx).log2().round())


def _setup_scales(features, image_shapes, canonical_scale, canonical_level):
    if not image_shapes:
        raise ValueError("images list should not be empty")
    original = (max(s[0] for s in image_shapes), max(s[1] for s in image_shapes))
    scales = [_infer_scale(f, original) for f in features]
    lvl_min = -math.log2(scales[0])
    lvl_max = -math.log2(scales[-1])
    return scales, initLevelMapper(int(lvl_min), int(lvl_max), canonical_scale=canonical_scale,
                                   canonical_level=canonical_level)


def _multiscale_roi_align(features, boxes, output_size, sampling_ratio, scales, mapper):
    if scales is None or mapper is None:
        raise ValueError("scales and mapper should not be None")
    rois = _convert_to_roi_format(boxes)
    if len(features) == 1:
        return roi_align(features[0], rois, output_size=output_size, spatial_scale=scales[0],
                         sampling_ratio=sampling_ratio)
    levels = mapper(boxes)
    first = features[0]
    result = ember.zeros((len(rois), first.shape[1]) + tuple(output_size), dtype=first.dtype)
    for level, (feature, scale) in enumerate(zip(features, scales)):
        idx = ember.where(levels == level)[0]
        pooled = roi_align(feature, rois[idx], output_size=output_size, spatial_scale=scale,
                           sampling_ratio=sampling_ratio)
        result = result.index_put((idx,), pooled.to(result.dtype))
    return result


class MultiScaleRoIAlign(nn.Module):
    """RoIAlign over the feature maps named featmap_names of an ordered dict, each box from the level
    that fits its size; scales are inferred from the image sizes on the first call
    (torchvision.ops.MultiScaleRoIAlign)."""

    def __init__(self, featmap_names, output_size, sampling_ratio, *, canonical_scale=224, canonical_level=4):
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.featmap_names = featmap_names
        self.sampling_ratio = sampling_ratio
        self.output_size = tuple(output_size)
        self.scales = None
        self.map_levels = None
        self.canonical_scale = canonical_scale
        self.canonical_level = canonical_level

    def forward(self, x, boxes, image_shapes):
        features = [v for k, v in x.items() if k in self.featmap_names]
        if self.scales is None or self.map_levels is None:
            self.scales, self.map_levels = _setup_scales(features, image_shapes, self.canonical_scale,
                                                         self.canonical_level)
        return _multiscale_roi_align(features, boxes, self.output_size, self.sampling_ratio, self.scales,
                                     self.map_levels)

    def __repr__(self):
        return (f"{type(self).__name__}(featmap_names={self.featmap_names}, output_size={self.output_size}, "
                f"sampling_ratio={self.sampling_ratio})")
