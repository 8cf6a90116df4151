"""Position-sensitive RoIAlign (Dai et al., R-FCN, 2016): bin (i, j) of output channel c averages bilinear
samples of input channel (c * PH + i) * PW + j only (torchvision.ops.ps_roi_align)."""
import numpy as np

import ember
from ember import nn

from ._utils import SparseMatmul, check_input_and_rois, pair, rois_of, sparse_matrix
from .roi_align import compute_dtype, roi_geometry, sample_entries

__all__ = ["ps_roi_align", "PSRoIAlign"]


def position_sensitive(pix, wts, image, channels, height, width, input_shape, dtype):
    """The sparse matrix (regions' output elements x input elements) of a position-sensitive pooling whose
    bins read the pixels `pix` (K, PH, PW, taps) with weights `wts`."""
    k, ph, pw, taps = pix.shape
    c_out = channels // (ph * pw)
    c_in = np.arange(c_out * ph * pw).reshape(1, c_out, ph, pw, 1)  # bin (i, j) of channel c reads c_in
    cols = (image.reshape(k, 1, 1, 1, 1) * channels + c_in) * (height * width) + pix[:, None]
    rows = np.broadcast_to(np.arange(k * c_out * ph * pw).reshape(k, c_out, ph, pw, 1), cols.shape)
    values = np.broadcast_to(wts[:, None], cols.shape)
    return sparse_matrix(rows.ravel(), cols.ravel(), values.ravel(), (k * c_out * ph * pw, int(np.prod(input_shape))),
                         dtype)


def check_channels(channels, ph, pw):
    if channels % (ph * pw):
        raise RuntimeError("input channels must be a multiple of pooling height * pooling width")


def ps_roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1):
    """Position-sensitive RoIAlign of input (N, C, H, W), C a multiple of PH * PW, over boxes ((K, 5) or a list
    of (L, 4)); the result is (K, C / (PH * PW), PH, PW) (torchvision.ops.ps_roi_align)."""
    rois = rois_of(boxes)
    check_input_and_rois("ps_roi_align", input, rois)
    ph, pw = pair(output_size)
    n, c, h, w = input.shape
    check_channels(c, ph, pw)
    dtype = compute_dtype(input)
    r = rois.detach().numpy()
    pix, wts = sample_entries(*roi_geometry(r, spatial_scale, 0.5, False, sampling_ratio, ph, pw, h, w, dtype), w)
    matrix = position_sensitive(pix, wts, r[:, 0].astype(np.int64), c, h, w, input.shape, dtype)
    x = input.float() if input.dtype == ember.float16 else input
    out = SparseMatmul.apply(matrix, x.reshape(-1, 1))
    return out.reshape(len(r), c // (ph * pw), ph, pw).to(input.dtype)


class PSRoIAlign(nn.Module):
    """The module form of ps_roi_align (torchvision.ops.PSRoIAlign)."""

    def __init__(self, output_size, spatial_scale, sampling_ratio):
        super().__init__()
        self.output_size, self.spatial_scale, self.sampling_ratio = output_size, spatial_scale, sampling_ratio

    def forward(self, input, rois):
        return ps_roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio)

    def __repr__(self):
        return (f"{type(self).__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio})")
