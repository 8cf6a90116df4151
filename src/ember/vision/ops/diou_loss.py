"""Distance IoU loss (Zheng et al., 2019) between matched boxes (torchvision.ops.distance_box_iou_loss)."""
from ._utils import _loss_inter_union, _upcast_non_float, reduce_loss
from .giou_loss import enclosing_corners

__all__ = ["distance_box_iou_loss"]


def _diou_iou_loss(boxes1, boxes2, eps=1e-7):
    """1 - IoU + squared centre distance / squared enclosing diagonal, and the IoU."""
    inter, union = _loss_inter_union(boxes1, boxes2)
    iou = inter / (union + eps)
    xc1, yc1, xc2, yc2 = enclosing_corners(boxes1, boxes2)
    diagonal_squared = (xc2 - xc1) ** 2 + (yc2 - yc1) ** 2 + eps
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    centers_squared = ((x2 + x1) / 2 - (x1g + x2g) / 2) ** 2 + ((y2 + y1) / 2 - (y1g + y2g) / 2) ** 2
    return 1 - iou + centers_squared / diagonal_squared, iou


def distance_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """1 - DIoU of boxes1[i] and boxes2[i] (xyxy, same shape (..., 4)); reduction "none", "mean" or "sum"."""
    loss, _ = _diou_iou_loss(_upcast_non_float(boxes1), _upcast_non_float(boxes2), eps)
    return reduce_loss(loss, reduction)
