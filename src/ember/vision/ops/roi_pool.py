"""RoIPool (Girshick, Fast R-CNN, 2015): each region of interest, snapped to the pixel grid, cut into
output_size bins, each the maximum of its pixels (torchvision.ops.roi_pool)."""
import numpy as np

import ember
from ember import nn
from ember._kernels import loops as _loops, roi as _roi

from ._utils import check_input_and_rois, pair, rois_of

__all__ = ["roi_pool", "RoIPool"]

_CHUNK = 1 << 22  # values gathered at once by the NumPy path: bounds its memory on large regions


def pixel_bins(rois, spatial_scale, pooled_height, pooled_width, plus_one, limit_h, limit_w, dtype):
    """Each region's bins as pixel ranges [start, end) along y (K, PH) and x (K, PW), as torchvision's pooling
    kernels snap them: corners rounded half away from zero, bins floor/ceil-ed, clipped to [0, limit]."""
    scaled = rois[:, 1:].astype(dtype) * dtype(spatial_scale)
    corners = (np.sign(scaled) * np.floor(np.abs(scaled) + dtype(0.5))).astype(np.int64)  # C's round()

    def axis(lo, hi, pooled, limit):
        size = np.maximum(hi - lo + (1 if plus_one else 0), 1).astype(dtype)
        b = size[:, None] / dtype(pooled)
        p = np.arange(pooled, dtype=dtype)[None, :]
        start = np.floor(p * b).astype(np.int64) + lo[:, None]
        end = np.ceil((p + 1) * b).astype(np.int64) + lo[:, None]
        return np.clip(start, 0, limit), np.clip(end, 0, limit)

    return (axis(corners[:, 1], corners[:, 3], pooled_height, limit_h),
            axis(corners[:, 0], corners[:, 2], pooled_width, limit_w))


def bin_cells(ys, xs):
    """Every bin's pixel (row, column) grid padded to the largest bin, with a mask of the real cells:
    arrays (K, PH, PW, cells)."""
    (hs, he), (ws, we) = ys, xs
    bh, bw = max(int((he - hs).max(initial=0)), 1), max(int((we - ws).max(initial=0)), 1)
    hh = hs[..., None] + np.arange(bh)
    ww = ws[..., None] + np.arange(bw)
    k, ph, pw = len(hs), hs.shape[1], ws.shape[1]
    rows = np.broadcast_to(hh[:, :, None, :, None], (k, ph, pw, bh, bw)).reshape(k, ph, pw, bh * bw)
    cols = np.broadcast_to(ww[:, None, :, None, :], (k, ph, pw, bh, bw)).reshape(k, ph, pw, bh * bw)
    real = (hh < he[..., None])[:, :, None, :, None] & (ww < we[..., None])[:, None, :, None, :]
    return rows, cols, real.reshape(k, ph, pw, bh * bw)


def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """Max-pool each box (a (K, 5) tensor of (image index, x1, y1, x2, y2), or a list of per-image (L, 4)
    tensors) of input (N, C, H, W) into (K, C, *output_size) bins; empty bins are 0 (torchvision.ops.roi_pool)."""
    rois = rois_of(boxes)
    check_input_and_rois("roi_pool", input, rois, half=False)
    ph, pw = pair(output_size)
    n, c, h, w = input.shape
    x = np.ascontiguousarray(input.detach().numpy())
    r = rois.detach().numpy()
    image = r[:, 0].astype(np.int64)
    bins = pixel_bins(r, spatial_scale, ph, pw, True, h, w, x.dtype.type)
    found = np.empty((len(r), c, ph, pw), np.int64)
    if _loops.fits(x):
        _roi.roi_pool_argmax(x, image, *bins[0], *bins[1], found)
    else:  # until the compiled loops are built (or without numba)
        _first_maxima(x, image, bins, found)
    picked = input.reshape(-1)[ember.from_numpy(np.maximum(found, 0))]
    return picked.masked_fill(ember.from_numpy(found < 0), 0)  # an empty bin is 0 and passes no gradient


def _first_maxima(x, image, bins, found):
    """roi_pool_argmax in NumPy: each bin's cells gathered (padded to the largest bin), a few regions at a time."""
    n, c, h, w = x.shape
    rows, cols, real = bin_cells(*bins)
    rows, cols = np.minimum(rows, h - 1), np.minimum(cols, w - 1)
    step = max(1, _CHUNK // max(int(np.prod(rows.shape[1:])) * c, 1))
    for lo in range(0, len(image), step):  # argmax keeps the first maximum in row-major order, as the kernel
        s = slice(lo, lo + step)
        vals = np.where(real[s, ..., None], x[image[s, None, None, None], :, rows[s], cols[s]], -np.inf)
        best = vals.argmax(3)[..., None, :]  # vals: (regions, PH, PW, cells, C)
        hb = np.take_along_axis(np.broadcast_to(rows[s, ..., None], vals.shape), best, 3)[..., 0, :]
        wb = np.take_along_axis(np.broadcast_to(cols[s, ..., None], vals.shape), best, 3)[..., 0, :]
        flat = ((image[s, None, None, None] * c + np.arange(c)) * h + hb) * w + wb
        found[s] = np.where(real[s].any(-1)[..., None], flat, -1).transpose(0, 3, 1, 2)


class RoIPool(nn.Module):
    """The module form of roi_pool (torchvision.ops.RoIPool)."""

    def __init__(self, output_size, spatial_scale):
        super().__init__()
        self.output_size, self.spatial_scale = output_size, spatial_scale

    def forward(self, input, rois):
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self):
        return f"{type(self).__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})"
