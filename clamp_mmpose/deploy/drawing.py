"""Poses, boxes and track ids drawn on images with OpenCV (no matplotlib, no torch)."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

PALETTE = [(0, 200, 0), (255, 128, 0), (0, 128, 255), (255, 0, 255), (0, 255, 255),
           (255, 255, 0), (128, 0, 255), (0, 0, 255), (128, 255, 0), (255, 0, 128)]  # BGR


def draw_pose(panel: np.ndarray, keypoints: np.ndarray, visible: np.ndarray,
              skeleton: Sequence[Tuple[int, int]], color: Tuple[int, int, int]) -> np.ndarray:
    """Draw the visible keypoints (K, 2) and the limbs between visible pairs, in place."""
    radius = max(2, panel.shape[0] // 64)
    for a, b in skeleton:
        if visible[a] and visible[b]:
            cv2.line(panel, tuple(int(v) for v in keypoints[a]),
                     tuple(int(v) for v in keypoints[b]), color, max(1, radius // 2),
                     cv2.LINE_AA)
    for (x, y), v in zip(keypoints, visible):
        if v:
            cv2.circle(panel, (int(x), int(y)), radius, color, -1, cv2.LINE_AA)
            cv2.circle(panel, (int(x), int(y)), radius, (255, 255, 255), 1, cv2.LINE_AA)
    return panel


def instance_color(track_id: Optional[int], order: int):
    """One colour per track id (per place in the frame when untracked)."""
    return PALETTE[(order if track_id is None else track_id) % len(PALETTE)]


def draw_instances(image: np.ndarray, instances: Sequence[dict], skeleton, kpt_thr: float):
    """Draw each instance's box, track id and skeleton (keypoints scored above ``kpt_thr``),
    in place."""
    for order, inst in enumerate(instances):
        color = instance_color(inst['track_id'], order)
        x1, y1, x2, y2 = (int(round(v)) for v in inst['bbox'])
        cv2.rectangle(image, (x1, y1), (x2, y2), color, 1, cv2.LINE_AA)
        label = f'{inst["bbox_score"]:.2f}' if inst['track_id'] is None else \
            f'id {inst["track_id"]}'
        cv2.putText(image, label, (x1 + 2, max(y1 - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    color, 1, cv2.LINE_AA)
        draw_pose(image, np.asarray(inst['keypoints']),
                  np.asarray(inst['keypoint_scores']) > kpt_thr, skeleton, color)
    return image
