"""Pixel-exact picture panels (OpenCV): square crops around a box, poses, titled grids."""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..deploy.drawing import draw_pose  # noqa: F401  (kept here for its callers)

TITLE_HEIGHT = 22


def crop_square(image: np.ndarray, bbox: Sequence[float], size: int,
                padding: float = 1.25) -> Tuple[np.ndarray, np.ndarray]:
    """Square crop around ``bbox`` (x1, y1, x2, y2) enlarged by ``padding``, as MMPose's
    top-down pipeline sees the instance, resized to ``size``. Returns the crop and the 2x3
    affine matrix from image to crop pixels."""
    x1, y1, x2, y2 = [float(v) for v in bbox]
    side = max(x2 - x1, y2 - y1) * padding
    scale = size / max(side, 1e-6)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    matrix = np.array([[scale, 0, size / 2 - scale * cx], [0, scale, size / 2 - scale * cy]],
                      dtype=np.float64)
    crop = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderValue=(0, 0, 0))
    return crop, matrix


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """(N, 2) points through a 2x3 affine matrix."""
    return points @ matrix[:, :2].T + matrix[:, 2]


def overlay_heat(crop: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """Lay a map in [0, 1] (same size as the crop) over it: bright and warm where high."""
    colored = cv2.applyColorMap((np.clip(heat, 0, 1) * 255).astype(np.uint8),
                                cv2.COLORMAP_INFERNO)
    dimmed = (crop.astype(np.float32) * (0.35 + 0.65 * heat[..., None]))
    return np.clip(0.5 * dimmed + 0.5 * colored, 0, 255).astype(np.uint8)


def titled(panel: np.ndarray, title: str) -> np.ndarray:
    """The panel with a title bar above it."""
    bar = np.full((TITLE_HEIGHT, panel.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, title, (4, TITLE_HEIGHT - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                cv2.LINE_AA)
    return np.concatenate([bar, panel], axis=0)


def grid(panels: List[np.ndarray], cols: int, row_labels: Optional[Sequence[str]] = None,
         label_width: int = 130) -> np.ndarray:
    """Panels of equal size in rows of ``cols`` (the last row padded white); optional row
    labels in a left margin."""
    h, w = panels[0].shape[:2]
    rows = -(-len(panels) // cols)
    canvas = np.full((rows * h, cols * w, 3), 255, np.uint8)
    for i, panel in enumerate(panels):
        r, c = divmod(i, cols)
        canvas[r * h:(r + 1) * h, c * w:(c + 1) * w] = panel
    if row_labels:
        margin = np.full((canvas.shape[0], label_width, 3), 255, np.uint8)
        for r, label in enumerate(row_labels):
            cv2.putText(margin, label, (4, r * h + h // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                        (0, 0, 0), 1, cv2.LINE_AA)
        canvas = np.concatenate([margin, canvas], axis=1)
    return canvas


def save_picture(path: str, picture: np.ndarray) -> None:
    """Write ``picture`` (BGR) to ``path``, making its folder; an ``OSError`` that names the path
    where OpenCV writes nothing (``cv2.imwrite`` only returns False)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    try:
        written = cv2.imwrite(path, picture)
    except cv2.error:  # an extension OpenCV has no encoder for
        raise OSError(f'cannot write {path}: OpenCV has no writer for its extension; end it '
                      f'in .png or .jpg') from None
    if not written:
        raise OSError(f'cannot write {path}: check that its folder is writable')
