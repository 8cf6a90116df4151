"""Generalized IoU loss (Rezatofighi et al., 2019) between matched boxes (torchvision.ops.generalized_box_iou_loss)."""
import ember

from ._utils import _loss_inter_union, _upcast_non_float, reduce_loss

__all__ = ["generalized_box_iou_loss"]


def enclosing_corners(boxes1, boxes2):
    """Corners (x1, y1, x2, y2) of the smallest box enclosing boxes1[i] and boxes2[i]."""
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    return ember.minimum(x1, x1g), ember.minimum(y1, y1g), ember.maximum(x2, x2g), ember.maximum(y2, y2g)


def generalized_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """1 - GIoU of boxes1[i] and boxes2[i] (xyxy, same shape (..., 4)): 1 - IoU plus the share of the
    enclosing box the union leaves empty; reduction "none", "mean" or "sum"."""
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    inter, union = _loss_inter_union(boxes1, boxes2)
    iou = inter / (union + eps)
    xc1, yc1, xc2, yc2 = enclosing_corners(boxes1, boxes2)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    return reduce_loss(1 - (iou - (area_c - union) / (area_c + eps)), reduction)
