"""MOT metrics with motmetrics: per-frame ground truth and hypotheses in, IDF1 and friends out."""
import motmetrics as mm
import numpy as np


def _xywh(boxes):
    b = np.asarray(boxes, float).reshape(-1, 4)
    return np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], 1)


def tracking_metrics(gt, hyp, max_iou_distance=0.5):
    """IDF1, identity switches and MOTA of a tracker's output against ground truth.

    Args:
        gt (list): per frame, ``(ids (M,), boxes (M, 4) x0, y0, x1, y1)``.
        hyp (list): per frame, the tracker's ``(ids (H,), boxes (H, 4))``, the same frames.
        max_iou_distance (float): a pair matches where ``1 - IoU`` is below it (MOT's 0.5).

    Returns:
        dict: ``idf1``, ``num_switches``, ``mota`` (floats; switches an int).
    """
    if len(gt) != len(hyp):
        raise ValueError(f'{len(gt)} ground truth frames but {len(hyp)} hypothesis frames')
    acc = mm.MOTAccumulator(auto_id=True)
    for (gt_ids, gt_boxes), (hyp_ids, hyp_boxes) in zip(gt, hyp):
        dist = mm.distances.iou_matrix(_xywh(gt_boxes), _xywh(hyp_boxes),
                                       max_iou=max_iou_distance)
        acc.update(list(np.asarray(gt_ids).tolist()), list(np.asarray(hyp_ids).tolist()), dist)
    summary = mm.metrics.create().compute(acc, metrics=['idf1', 'num_switches', 'mota'],
                                          name='all')
    row = summary.loc['all']
    return dict(idf1=float(row['idf1']), num_switches=int(row['num_switches']),
                mota=float(row['mota']))
