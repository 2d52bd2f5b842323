"""The numpy half of an exported one-stage detector: letterbox sizes, priors, box decoding,
per-level top-k, class-aware NMS. Pure functions; no torch, no OpenMMLab import.

Each follows the MMDetection 3.x / MMCV 2.x code that a detector's ``predict`` runs, so that the
exported graph plus these functions give mmdet's boxes: ``mmcv.imrescale``'s size rule
(:func:`rescaled_size`), ``MlvlPointGenerator.grid_priors`` (:func:`grid_priors`),
``distance2bbox`` with ``max_shape`` (:func:`distance_to_boxes`), ``filter_scores_and_topk``
(:func:`top_scores`), ``mmcv.ops.nms`` on CPU (:func:`nms`) and ``mmcv.ops.batched_nms``
(:func:`batched_nms`). Arithmetic stays in float32 where mmdet's does, so that NMS decisions
near the IoU threshold fall the same way.
"""
from typing import Sequence, Tuple

import numpy as np

# mmcv.ops.batched_nms runs one NMS per class instead of the offset trick from this many boxes.
NMS_SPLIT_THR = 10000


def rescaled_size(width: int, height: int, scale: Sequence[int]) -> Tuple[int, int, float]:
    """(new width, new height, factor) of a ``width`` x ``height`` image resized with its aspect
    kept to fit ``scale`` (two ints), as ``mmcv.imrescale``: the factor is
    ``min(max(scale) / max(h, w), min(scale) / min(h, w))`` (long edge to the long side, short
    to the short, whatever the orientation) and each side is rounded half up."""
    factor = min(max(scale) / max(height, width), min(scale) / min(height, width))
    return int(width * float(factor) + 0.5), int(height * float(factor) + 0.5), factor


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Elementwise logistic function in the input's float type, without overflow warnings
    (exp of a large positive ``-x`` is inf, and 1 / inf is the right 0)."""
    with np.errstate(over='ignore'):
        return 1.0 / (1.0 + np.exp(-logits))


def level_sizes(input_size: Sequence[int], strides: Sequence[int]) -> list:
    """[(w, h)] of each level's feature map for a ``input_size`` (w, h) input that every
    stride divides (the export checks that)."""
    width, height = input_size
    return [(width // s, height // s) for s in strides]


def grid_priors(input_size: Sequence[int], strides: Sequence[int],
                offset: float = 0.0) -> np.ndarray:
    """(A, 2) float32 anchor points (x, y) in input pixels of all levels, concatenated.

    Level by level; in each, row-major (y outer, x inner) at ``(i + offset) * stride``, the order
    in which the graph flattens its (N, C, h, w) outputs.
    """
    points = []
    for (w, h), stride in zip(level_sizes(input_size, strides), strides):
        xs = ((np.arange(w) + offset) * stride).astype(np.float32)
        ys = ((np.arange(h) + offset) * stride).astype(np.float32)
        xx, yy = np.meshgrid(xs, ys)
        points.append(np.stack([xx.reshape(-1), yy.reshape(-1)], -1))
    return np.concatenate(points).astype(np.float32)


def distance_to_boxes(points: np.ndarray, distances: np.ndarray,
                      max_shape: Sequence[int] = None) -> np.ndarray:
    """(N, 4) boxes x1 y1 x2 y2 from (N, 2) points and their (N, 4) distances to the left, top,
    right and bottom sides; with ``max_shape`` (h, w) each coordinate is clipped to
    [0, w] or [0, h] (mmdet clips to the padded network input, not the resized image)."""
    x, y = points[:, 0], points[:, 1]
    boxes = np.stack([x - distances[:, 0], y - distances[:, 1],
                      x + distances[:, 2], y + distances[:, 3]], -1)
    if max_shape is not None:
        height, width = max_shape[:2]
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
    return boxes


def top_scores(scores: np.ndarray, score_thr: float, topk: int):
    """(scores (k,), labels (k,), anchor indices (k,)) of the (anchor, class) pairs of one level's
    (A, C) ``scores`` above ``score_thr``, highest first, at most ``topk`` (-1: all).

    Pairs, not anchors: an anchor may enter once per class, as in ``filter_scores_and_topk``.
    """
    flat = scores.reshape(-1)
    valid = np.flatnonzero(flat > score_thr)
    order = np.argsort(-flat[valid], kind='stable')
    if topk >= 0:
        order = order[:topk]
    chosen = valid[order]
    anchors, labels = np.divmod(chosen, scores.shape[1])
    return flat[chosen], labels, anchors


def nms(boxes: np.ndarray, scores: np.ndarray, iou_thr: float) -> np.ndarray:
    """Indices of the boxes greedy NMS keeps, highest score first, as ``mmcv.ops.nms`` on CPU:
    a box is dropped when its IoU with a kept, higher-scored box is above ``iou_thr``; areas are
    ``(x2 - x1) * (y2 - y1)`` (no +1), all in float32."""
    boxes = np.asarray(boxes, np.float32)
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    remaining = np.argsort(-np.asarray(scores), kind='stable')
    keep = []
    thr = np.float32(iou_thr)
    while remaining.size:
        i, rest = remaining[0], remaining[1:]
        keep.append(i)
        w = np.maximum(np.float32(0), np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        h = np.maximum(np.float32(0), np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = w * h
        with np.errstate(invalid='ignore', divide='ignore'):  # two empty boxes: 0/0, kept
            iou = inter / (areas[i] + areas[rest] - inter)
        remaining = rest[~(iou > thr)]
    return np.array(keep, np.int64)


def batched_nms(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, iou_thr: float,
                split_thr: int = NMS_SPLIT_THR) -> np.ndarray:
    """Indices kept by class-aware NMS, highest score first, as ``mmcv.ops.batched_nms``.

    Boxes of different classes never suppress each other. Under ``split_thr`` boxes that is done
    as mmcv does it, by shifting each class's boxes (float32) by ``label * (max coordinate + 1)``
    so that classes cannot overlap, then one NMS; from ``split_thr`` on, one NMS per class and a
    sort by score. Both ways are kept because the shift rounds coordinates a little.
    """
    boxes = np.asarray(boxes, np.float32)
    labels = np.asarray(labels)
    if not len(boxes):
        return np.zeros(0, np.int64)
    if len(boxes) < split_thr:
        shift = labels.astype(np.float32) * (boxes.max() + np.float32(1))
        return nms(boxes + shift[:, None], scores, iou_thr)
    kept = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        kept.append(members[nms(boxes[members], scores[members], iou_thr)])
    kept = np.concatenate(kept)
    return kept[np.argsort(-np.asarray(scores)[kept], kind='stable')]


def decode_detections(logits: np.ndarray, distances: np.ndarray, priors: np.ndarray,
                      level_anchors: Sequence[int], input_size: Sequence[int],
                      scale_factor: Sequence[float], score_thr: float, nms_pre: int,
                      nms_iou: float, max_per_img: int, min_bbox_size: float = -1):
    """(boxes (N, 4) float32 in image pixels, scores (N,), labels (N,)) of one image, as
    ``BaseDenseHead._predict_by_feat_single`` and ``_bbox_post_process`` with ``rescale``.

    ``logits`` (A, C) and ``distances`` (A, 4) are the graph's outputs for the image, over all
    levels (``level_anchors`` anchors each, in order), ``priors`` their (A, 2) points,
    ``input_size`` the network input (w, h) boxes are clipped to, ``scale_factor`` the resize's
    (w, h) factors boxes are divided by. Boxes no wider or taller than ``min_bbox_size`` (-1:
    no such filter) are dropped before NMS; ``max_per_img`` cuts after it.
    """
    chosen = []
    start = 0
    for count in level_anchors:
        scores, labels, anchors = top_scores(sigmoid(logits[start:start + count]), score_thr,
                                             nms_pre)
        chosen.append((scores, labels, anchors + start))
        start += count
    scores, labels, anchors = (np.concatenate(parts) for parts in zip(*chosen))
    boxes = distance_to_boxes(priors[anchors], distances[anchors], input_size[::-1])
    # mmdet multiplies by the reciprocal (scale_boxes), in float32.
    inverse = np.float32([1 / scale_factor[0], 1 / scale_factor[1]] * 2)
    boxes = boxes.astype(np.float32) * inverse
    if min_bbox_size >= 0:
        big = ((boxes[:, 2] - boxes[:, 0] > min_bbox_size)
               & (boxes[:, 3] - boxes[:, 1] > min_bbox_size))
        boxes, scores, labels = boxes[big], scores[big], labels[big]
    keep = batched_nms(boxes, scores, labels, nms_iou)[:max_per_img]
    return boxes[keep], scores[keep].astype(np.float32), labels[keep].astype(np.int64)
