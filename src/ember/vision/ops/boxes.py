"""Operations on boxes (torchvision.ops.boxes): formats, areas, the IoU family, clipping and non-maximum
suppression. Boxes are (..., 4) tensors, "xyxy" (corners) unless a `fmt` says otherwise."""
import math

import numpy as np

import ember
from ember.compat import NotImplementedInEmber

__all__ = ["nms", "batched_nms", "remove_small_boxes", "clip_boxes_to_image", "box_convert", "box_area", "box_iou",
           "generalized_box_iou", "complete_box_iou", "distance_box_iou", "masks_to_boxes"]

_FORMATS = ("xyxy", "xywh", "cxcywh")


def _upcast(t):
    """Widen half types before products and squares, as torchvision does, so they cannot overflow."""
    if t.is_floating_point():
        return t if t.dtype in (ember.float32, ember.float64) else t.float()
    return t if t.dtype in (ember.int32, ember.int64) else t.int()


def _to_xyxy(boxes, fmt):
    if fmt == "xyxy":
        return boxes
    a, b = boxes[..., :2], boxes[..., 2:]
    return ember.cat([a, a + b], -1) if fmt == "xywh" else ember.cat([a - b / 2, a + b / 2], -1)


def box_convert(boxes, in_fmt, out_fmt):
    """Boxes from `in_fmt` to `out_fmt`, each "xyxy" (corners), "xywh" (corner and size) or "cxcywh" (centre and
    size) (torchvision.ops.box_convert)."""
    rotated = ("xywhr", "cxcywhr", "xyxyxyxy")
    if in_fmt not in _FORMATS + rotated or out_fmt not in _FORMATS + rotated:
        raise ValueError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}")
    if in_fmt == out_fmt:
        return boxes.clone()
    if in_fmt in rotated or out_fmt in rotated:
        raise NotImplementedInEmber(f"box_convert between rotated box formats ({in_fmt} -> {out_fmt}) is not "
                                    f"implemented in Ember")
    x1, y1, x2, y2 = _to_xyxy(boxes, in_fmt).unbind(-1)
    if out_fmt == "xyxy":
        return ember.stack([x1, y1, x2, y2], -1)
    if out_fmt == "xywh":
        return ember.stack([x1, y1, x2 - x1, y2 - y1], -1)
    return ember.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], -1)


def box_area(boxes, fmt="xyxy"):
    """(width * height) of each box (torchvision.ops.box_area)."""
    if fmt not in _FORMATS:
        raise ValueError(f"Unsupported Bounding Box area for given format {fmt}")
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _box_inter_union(boxes1, boxes2, fmt="xyxy"):
    """Intersection and union areas of every pair, [..., N, M]."""
    area1, area2 = box_area(boxes1, fmt=fmt), box_area(boxes2, fmt=fmt)
    if fmt not in _FORMATS:
        raise ValueError(f"Unsupported Box IoU Calculation for given fmt {fmt}.")
    b1, b2 = _to_xyxy(boxes1, fmt), _to_xyxy(boxes2, fmt)
    lt = ember.maximum(b1[..., None, :2], b2[..., None, :, :2])
    rb = ember.minimum(b1[..., None, 2:], b2[..., None, :, 2:])
    wh = _upcast(rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter, area1[..., None] + area2[..., None, :] - inter


def box_iou(boxes1, boxes2, fmt="xyxy"):
    """Intersection over union of every pair of boxes1 [..., N, 4] and boxes2 [..., M, 4] (torchvision.ops.box_iou)."""
    inter, union = _box_inter_union(boxes1, boxes2, fmt)
    return inter / union


def _enclosing(boxes1, boxes2):
    """Width and height of the smallest box enclosing each pair."""
    lti = ember.minimum(boxes1[..., None, :2], boxes2[..., None, :, :2])
    rbi = ember.maximum(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    return _upcast(rbi - lti).clamp(min=0)


def generalized_box_iou(boxes1, boxes2):
    """IoU minus the share of the enclosing box that the union leaves empty (torchvision.ops.generalized_box_iou)."""
    inter, union = _box_inter_union(boxes1, boxes2)
    whi = _enclosing(boxes1, boxes2)
    areai = whi[..., 0] * whi[..., 1]
    return inter / union - (areai - union) / areai


def _box_diou_iou(boxes1, boxes2, eps=1e-7):
    iou = box_iou(boxes1, boxes2)
    whi = _enclosing(boxes1, boxes2)
    diagonal_squared = whi[..., 0] ** 2 + whi[..., 1] ** 2 + eps
    cx1, cy1 = (boxes1[..., 0] + boxes1[..., 2]) / 2, (boxes1[..., 1] + boxes1[..., 3]) / 2
    cx2, cy2 = (boxes2[..., 0] + boxes2[..., 2]) / 2, (boxes2[..., 1] + boxes2[..., 3]) / 2
    centers_squared = _upcast(cx1[..., None] - cx2[..., None, :]) ** 2 + _upcast(cy1[..., None] - cy2[..., None, :]) ** 2
    return iou - centers_squared / diagonal_squared, iou


def distance_box_iou(boxes1, boxes2, eps=1e-7):
    """IoU minus the squared centre distance over the enclosing box's squared diagonal
    (torchvision.ops.distance_box_iou)."""
    return _box_diou_iou(_upcast(boxes1), _upcast(boxes2), eps)[0]


def complete_box_iou(boxes1, boxes2, eps=1e-7):
    """Distance IoU minus an aspect-ratio consistency term (torchvision.ops.complete_box_iou)."""
    boxes1, boxes2 = _upcast(boxes1), _upcast(boxes2)
    diou, iou = _box_diou_iou(boxes1, boxes2, eps)
    w1, h1 = boxes1[..., None, 2] - boxes1[..., None, 0], boxes1[..., None, 3] - boxes1[..., None, 1]
    w2, h2 = boxes2[..., None, :, 2] - boxes2[..., None, :, 0], boxes2[..., None, :, 3] - boxes2[..., None, :, 1]
    v = (4 / math.pi ** 2) * ember.pow(ember.atan(w1 / h1) - ember.atan(w2 / h2), 2)
    with ember.no_grad():  # alpha is a weight, not a path for gradients
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def clip_boxes_to_image(boxes, size):
    """Boxes clamped into an image of size (height, width) (torchvision.ops.clip_boxes_to_image)."""
    height, width = size
    clipped = ember.stack((boxes[..., 0::2].clamp(min=0, max=width), boxes[..., 1::2].clamp(min=0, max=height)),
                          dim=boxes.dim())
    return clipped.reshape(boxes.shape)


def remove_small_boxes(boxes, min_size):
    """Indices of the boxes at least min_size wide and high (torchvision.ops.remove_small_boxes)."""
    ws, hs = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    return ember.where((ws >= min_size) & (hs >= min_size))[0]


def nms(boxes, scores, iou_threshold):
    """Indices of the boxes kept by greedy non-maximum suppression, by decreasing score: a box goes when its IoU
    with a kept, higher-scoring box exceeds iou_threshold (torchvision.ops.nms)."""
    if boxes.dim() != 2 or boxes.shape[-1] != 4:
        raise RuntimeError(f"boxes should have 2 dimensions and 4 columns, got shape {tuple(boxes.shape)}")
    if scores.dim() != 1 or scores.shape[0] != boxes.shape[0]:
        raise RuntimeError(f"boxes and scores should have the same number of elements, got {tuple(boxes.shape)} and "
                           f"{tuple(scores.shape)}")
    b = boxes.detach().numpy().astype(np.float64)
    order = np.argsort(-scores.detach().numpy(), kind="stable")
    areas = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    suppressed = np.zeros(len(b), dtype=bool)
    keep = []
    for i in order:  # sequential by nature: each decision depends on the kept boxes before it
        if suppressed[i]:
            continue
        keep.append(i)
        w = np.clip(np.minimum(b[i, 2], b[:, 2]) - np.maximum(b[i, 0], b[:, 0]), 0, None)
        h = np.clip(np.minimum(b[i, 3], b[:, 3]) - np.maximum(b[i, 1], b[:, 1]), 0, None)
        inter = w * h
        with np.errstate(divide="ignore", invalid="ignore"):
            suppressed |= inter / (areas[i] + areas - inter) > iou_threshold
    return ember.tensor(keep, dtype=ember.int64)


def batched_nms(boxes, scores, idxs, iou_threshold):
    """nms within each category of `idxs` independently; indices by decreasing score (torchvision.ops.batched_nms)."""
    if boxes.numel() == 0:
        return ember.empty((0,), dtype=ember.int64)
    if boxes.numel() > 4000:  # torchvision's switch point on the CPU
        keep_mask = ember.zeros_like(scores, dtype=ember.bool)
        for class_id in ember.unique(idxs):
            current = ember.where(idxs == class_id)[0]
            keep_mask[current[nms(boxes[current], scores[current], iou_threshold)]] = True
        kept = ember.where(keep_mask)[0]
        return kept[scores[kept].sort(descending=True)[1]]
    # shift each category's boxes apart so that boxes of different categories never overlap
    offsets = idxs.to(boxes.dtype) * (boxes.max() + 1)
    return nms(boxes + offsets[:, None], scores, iou_threshold)


def masks_to_boxes(masks):
    """The xyxy box around the nonzero pixels of each of the (N, H, W) masks (torchvision.ops.masks_to_boxes)."""
    if masks.numel() == 0:
        return ember.zeros((0, 4), dtype=ember.float)
    m = masks.bool().numpy()
    out = np.zeros((m.shape[0], 4), dtype=np.float32)
    for i, mask in enumerate(m):
        ys, xs = np.nonzero(mask)
        if len(ys):
            out[i] = (xs.min(), ys.min(), xs.max(), ys.max())
    return ember.from_numpy(out)
