"""Helpers shared by torchvision.ops' region and loss functions: the (K, 5) roi layout, its shape check, the
pairwise intersection of the box losses, and a sparse linear map with autograd."""
import numpy as np

import ember
from ember.autograd import Function

__all__ = ["convert_boxes_to_roi_format", "check_roi_boxes_shape"]


def convert_boxes_to_roi_format(boxes):
    """A list of per-image (L, 4) boxes as one (K, 5) tensor whose first column is the image index."""
    boxes = list(boxes)
    ids = [ember.full_like(b[:, :1], i) for i, b in enumerate(boxes)]
    if len(boxes) == 1:
        return ember.cat([ids[0], boxes[0]], 1)
    return ember.cat([ember.cat(ids, 0), ember.cat(boxes, 0)], 1)


def check_roi_boxes_shape(boxes):
    """AssertionError unless boxes is a (K, 5) tensor or a list of (L, 4) tensors, as torchvision checks."""
    if isinstance(boxes, (list, tuple)):
        for t in boxes:
            assert t.size(1) == 4, "The shape of the tensor in the boxes list is not correct as List[Tensor[L, 4]]"
    elif isinstance(boxes, ember.Tensor):
        assert boxes.size(1) == 5, "The boxes tensor shape is not correct as Tensor[K, 5]"
    else:
        raise AssertionError("boxes is expected to be a Tensor[L, 5] or a List[Tensor[K, 4]]")


def rois_of(boxes):
    """boxes (checked) as the (K, 5) roi tensor."""
    check_roi_boxes_shape(boxes)
    return boxes if isinstance(boxes, ember.Tensor) else convert_boxes_to_roi_format(boxes)


def check_input_and_rois(op, input, rois, half=True):
    """torchvision's kernels take a 4-D input and rois of the same floating dtype (float16 where `half`)."""
    if input.dim() != 4:
        raise RuntimeError(f"{op}: expected a 4-D input (N, C, H, W), got shape {tuple(input.shape)}")
    if input.dtype != rois.dtype:
        raise RuntimeError(f"{op}: input and rois must have the same dtype, got {input.dtype} and {rois.dtype}")
    if input.dtype not in ((ember.float32, ember.float64, ember.float16) if half else (ember.float32, ember.float64)):
        raise RuntimeError(f"{op} only supports float and double types, got {input.dtype}")


def pair(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x, x)


def _upcast_non_float(t):
    """Anything but float32/float64 computed in float32, so products cannot overflow."""
    return t if t.dtype in (ember.float32, ember.float64) else t.float()


def _loss_inter_union(boxes1, boxes2):
    """Intersection and union areas of boxes1[i] with boxes2[i] (elementwise, not every pair)."""
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    w = ember.minimum(x2, x2g) - ember.maximum(x1, x1g)
    h = ember.minimum(y2, y2g) - ember.maximum(y1, y1g)
    inter = ember.where((w > 0) & (h > 0), w * h, ember.zeros_like(w))
    return inter, (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter


def reduce_loss(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes: 'none', 'mean', "
                     f"'sum'")


class SparseMatmul(Function):
    """matrix @ x for a fixed SciPy sparse matrix; the gradient is adjoint @ g, adjoint the transpose of
    `matrix` unless given (torchvision's ps_roi_pool backward is not its forward's exact transpose)."""

    @staticmethod
    def forward(ctx, matrix, x, adjoint=None):
        ctx.matrix, ctx.adjoint = matrix, matrix.T.tocsr() if adjoint is None else adjoint
        out = np.asarray(matrix @ x.detach().numpy())
        return ember.from_numpy(out.astype(x.detach().numpy().dtype, copy=False))

    @staticmethod
    def backward(ctx, g):
        return None, SparseMatmul.apply(ctx.adjoint, g, ctx.matrix), None


def sparse_matrix(rows, cols, values, shape, dtype):
    """A CSR matrix from (row, col, value) triples; repeated positions add up."""
    from scipy import sparse
    keep = values != 0
    return sparse.csr_matrix((values[keep].astype(dtype), (rows[keep], cols[keep])), shape=shape)
