"""Complete IoU loss (Zheng et al., 2020) between matched boxes (torchvision.ops.complete_box_iou_loss)."""
import math

import ember

from ._utils import _upcast_non_float, reduce_loss
from .diou_loss import _diou_iou_loss

__all__ = ["complete_box_iou_loss"]


def complete_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """1 - CIoU of boxes1[i] and boxes2[i] (xyxy, same shape (..., 4)): the DIoU loss plus an aspect-ratio
    term; reduction "none", "mean" or "sum"."""
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    diou_loss, iou = _diou_iou_loss(boxes1, boxes2)  # torchvision's default eps here, `eps` only in alpha
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    v = (4 / math.pi ** 2) * ember.pow(ember.atan((x2g - x1g) / (y2g - y1g)) - ember.atan((x2 - x1) / (y2 - y1)), 2)
    with ember.no_grad():  # alpha weighs the term; gradients flow through v only
        alpha = v / (1 - iou + v + eps)
    return reduce_loss(diou_loss + alpha * v, reduction)
