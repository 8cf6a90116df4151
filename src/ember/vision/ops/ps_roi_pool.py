"""Position-sensitive RoIPool (Dai et al., R-FCN, 2016): bin (i, j) of output channel c is the average of
input channel (c * PH + i) * PW + j over the bin's pixels (torchvision.ops.ps_roi_pool)."""
import numpy as np

from ember import nn

from ._utils import SparseMatmul, check_input_and_rois, pair, rois_of
from .ps_roi_align import check_channels, position_sensitive
from .roi_pool import bin_cells, pixel_bins

__all__ = ["ps_roi_pool", "PSRoIPool"]


def _averaging(r, spatial_scale, ph, pw, c, h, w, limit_h, limit_w, shape, dtype):
    rows, cols, real = bin_cells(*pixel_bins(r, spatial_scale, ph, pw, False, limit_h, limit_w, dtype))
    area = real.sum(-1, keepdims=True)
    wts = np.where(real, 1 / np.maximum(area, 1), 0).astype(dtype)
    pix = np.minimum(rows, h - 1) * w + np.minimum(cols, w - 1)
    return position_sensitive(pix, wts, r[:, 0].astype(np.int64), c, h, w, shape, dtype)


def ps_roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """Position-sensitive average pooling of input (N, C, H, W), C a multiple of PH * PW, over boxes ((K, 5)
    or a list of (L, 4)); the result is (K, C / (PH * PW), PH, PW) (torchvision.ops.ps_roi_pool)."""
    rois = rois_of(boxes)
    check_input_and_rois("ps_roi_pool", input, rois, half=False)
    ph, pw = pair(output_size)
    n, c, h, w = input.shape
    check_channels(c, ph, pw)
    dtype = input.detach().numpy().dtype.type
    r = rois.detach().numpy()
    # torchvision's forward clips bins to the last pixel and its backward to the edge: the gradient is
    # torchvision's, not the exact transpose of the forward
    forward = _averaging(r, spatial_scale, ph, pw, c, h, w, h - 1, w - 1, input.shape, dtype)
    backward = _averaging(r, spatial_scale, ph, pw, c, h, w, h, w, input.shape, dtype)
    out = SparseMatmul.apply(forward, input.reshape(-1, 1), backward.T.tocsr())
    return out.reshape(len(r), c // (ph * pw), ph, pw)


class PSRoIPool(nn.Module):
    """The module form of ps_roi_pool (torchvision.ops.PSRoIPool)."""

    def __init__(self, output_size, spatial_scale):
        super().__init__()
        self.output_size, self.spatial_scale = output_size, spatial_scale

    def forward(self, input, rois):
        return ps_roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self):
        return f"{type(self).__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})"
