"""RoIAlign (He et al., Mask R-CNN, 2017): each region of interest cut into output_size bins, each bin the
average of bilinear samples of the feature map (torchvision.ops.roi_align).

The op is linear in the input: the samples' bilinear weights form one sparse matrix (regions' bins x image
pixels, shared by the channels), so the forward is a sparse product and the gradient its transpose."""
import numpy as np

import ember
from ember import nn

from ._utils import SparseMatmul, check_input_and_rois, pair, rois_of, sparse_matrix

__all__ = ["roi_align", "RoIAlign"]


def bilinear_taps(coord, size):
    """The two pixels a sample at `coord` reads along an axis of `size` pixels and their weights, as
    torchvision's kernels interpolate: clamped to the edge pixels, zero beyond one pixel outside."""
    inside = (coord >= -1.0) & (coord <= size)  # written so that NaN coordinates land outside
    c = np.where(inside, np.maximum(coord, 0), 0).astype(coord.dtype)
    low = c.astype(np.int64)
    edge = low >= size - 1
    low = np.where(edge, size - 1, low)
    high = np.where(edge, size - 1, low + 1)
    frac = np.where(edge, 0, c - low).astype(coord.dtype)
    return np.stack([low, high], -1), np.stack([(1 - frac) * inside, frac * inside], -1)


def bin_samples(start, bin_size, grid, pooled, size, dtype):
    """Along one axis: for each region (K), bin (pooled) and sample (up to max(grid)), the two pixels read
    and their weights divided by the region's sample count on that axis (zero for padding samples)."""
    most = max(int(grid.max(initial=0)), 1)
    p = np.arange(pooled, dtype=dtype)[None, :, None]
    i = np.arange(most, dtype=dtype)[None, None, :]
    g = grid.astype(dtype)[:, None, None]
    coord = (start[:, None, None] + p * bin_size[:, None, None]) + (i + dtype(0.5)) * bin_size[:, None, None] / g
    idx, w = bilinear_taps(coord, size)
    used = np.arange(most)[None, None, :] < grid[:, None, None]
    return idx, w * (used / np.maximum(g, 1))[..., None]


def roi_geometry(rois, spatial_scale, offset, clamp, sampling_ratio, pooled_height, pooled_width, height, width,
                 dtype):
    """The per-axis samples of every region (see bin_samples), as torchvision's roi_align kernels place them."""
    r = rois.astype(dtype)
    scale = dtype(spatial_scale)
    x1, y1, x2, y2 = (r[:, j] * scale - dtype(offset) for j in range(1, 5))
    roi_w, roi_h = x2 - x1, y2 - y1
    if clamp:  # legacy (aligned=False): regions at least one pixel wide
        roi_w, roi_h = np.maximum(roi_w, dtype(1)), np.maximum(roi_h, dtype(1))
    bin_h, bin_w = roi_h / dtype(pooled_height), roi_w / dtype(pooled_width)
    if sampling_ratio > 0:
        grid_h = grid_w = np.full(len(r), sampling_ratio, np.int64)
    else:
        grid_h = np.ceil(roi_h / dtype(pooled_height)).astype(np.int64)
        grid_w = np.ceil(roi_w / dtype(pooled_width)).astype(np.int64)
    return (bin_samples(y1, bin_h, grid_h, pooled_height, height, dtype),
            bin_samples(x1, bin_w, grid_w, pooled_width, width, dtype))


def sample_entries(ys, xs, width):
    """Pixel index (y * width + x) and weight of every tap of every bin: arrays (K, PH, PW, taps)."""
    (yi, yw), (xi, xw) = ys, xs
    k, ph, gy = yi.shape[:3]
    pw, gx = xi.shape[1:3]
    pix = yi.reshape(k, ph, 1, gy * 2, 1) * width + xi.reshape(k, 1, pw, 1, gx * 2)
    w = yw.reshape(k, ph, 1, gy * 2, 1) * xw.reshape(k, 1, pw, 1, gx * 2)
    return pix.reshape(k, ph, pw, gy * gx * 4), w.reshape(k, ph, pw, gy * gx * 4)


def compute_dtype(input):
    """The NumPy scalar type the geometry is computed in: the input's, float32 for float16 (as the kernels)."""
    return np.float32 if input.dtype == ember.float16 else np.dtype(input.dtype.np).type


def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """Pool each box (a (K, 5) tensor of (image index, x1, y1, x2, y2), or a list of per-image (L, 4) tensors)
    of input (N, C, H, W) into (K, C, *output_size) bins, each the average of sampling_ratio**2 bilinear samples
    (adaptive when <= 0); aligned=True shifts boxes by half a pixel (torchvision.ops.roi_align)."""
    rois = rois_of(boxes)
    check_input_and_rois("roi_align", input, rois)
    ph, pw = pair(output_size)
    n, c, h, w = input.shape
    dtype = compute_dtype(input)
    r = rois.detach().numpy()
    ys, xs = roi_geometry(r, spatial_scale, 0.5 if aligned else 0.0, not aligned, sampling_ratio, ph, pw, h, w, dtype)
    pix, wts = sample_entries(ys, xs, w)
    k = len(r)
    image = r[:, 0].astype(np.int64)
    rows = np.broadcast_to(np.arange(k * ph * pw).reshape(k, ph, pw, 1), pix.shape)
    matrix = sparse_matrix(rows.ravel(), (pix + (image * h * w)[:, None, None, None]).ravel(), wts.ravel(),
                           (k * ph * pw, n * h * w), dtype)
    x = input if input.dtype != ember.float16 else input.float()
    out = SparseMatmul.apply(matrix, x.permute(0, 2, 3, 1).reshape(n * h * w, c))
    return out.reshape(k, ph, pw, c).permute(0, 3, 1, 2).contiguous().to(input.dtype)


class RoIAlign(nn.Module):
    """The module form of roi_align (torchvision.ops.RoIAlign)."""

    def __init__(self, output_size, spatial_scale, sampling_ratio, aligned=False):
        super().__init__()
        self.output_size, self.spatial_scale = output_size, spatial_scale
        self.sampling_ratio, self.aligned = sampling_ratio, aligned

    def forward(self, input, rois):
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def __repr__(self):
        return (f"{type(self).__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned})")
