"""Top-down pose estimation around an image-to-heatmaps network, in numpy and OpenCV only.

What MMPose's pipeline and codec do at test time, for one image and its boxes: the box is padded
(1.25) and widened to the input's aspect ratio, the crop is warped to the input size, the network
gives heatmaps (optionally averaged with those of the mirrored crop), and each heatmap's maximum,
moved a quarter pixel towards its higher neighbour, is mapped back into the image.
"""
from typing import Sequence, Tuple

import cv2
import numpy as np


def box_center_size(box: Sequence[float], aspect_ratio: float,
                    padding: float = 1.25) -> Tuple[np.ndarray, np.ndarray]:
    """(x1, y1, x2, y2) -> centre (2,) and the (w, h) of the crop around it.

    The box is enlarged by ``padding`` and then widened or heightened (never shrunk) to
    ``aspect_ratio`` = input width / input height.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    center = np.array([x1 + x2, y1 + y2], np.float64) / 2
    w, h = (x2 - x1) * padding, (y2 - y1) * padding
    if w > h * aspect_ratio:
        h = w / aspect_ratio
    else:
        w = h * aspect_ratio
    return center, np.array([w, h], np.float64)


def crop_matrix(center: np.ndarray, size: np.ndarray, input_size: Tuple[int, int]) -> np.ndarray:
    """2x3 affine matrix from image pixels to input pixels: the crop's centre to the input's
    centre, the crop's width to the input's width."""
    scale = input_size[0] / size[0]
    return np.array([[scale, 0.0, input_size[0] / 2 - scale * center[0]],
                     [0.0, scale, input_size[1] / 2 - scale * center[1]]])


def crop(image: np.ndarray, matrix: np.ndarray, input_size: Tuple[int, int]) -> np.ndarray:
    """The (H, W, 3) input crop of ``image`` (bilinear, black outside the image)."""
    return cv2.warpAffine(image, matrix, (int(input_size[0]), int(input_size[1])),
                          flags=cv2.INTER_LINEAR)


def normalize(crops: np.ndarray, mean: Sequence[float], std: Sequence[float],
              bgr_to_rgb: bool = True) -> np.ndarray:
    """(N, H, W, 3) uint8 BGR crops -> (N, 3, H, W) float32 network input."""
    x = crops[..., ::-1] if bgr_to_rgb else crops
    x = (x.astype(np.float32) - np.float32(mean)) / np.float32(std)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def flip_back(heatmaps: np.ndarray, flip_indices: Sequence[int],
              shift: bool = True) -> np.ndarray:
    """Heatmaps of mirrored crops (N, K, h, w) -> heatmaps of the original crops.

    Mirrored back, left and right keypoints swapped, and (``shift``) moved one pixel to the right,
    since the mirror of a pixel grid is off by one pixel.
    """
    out = heatmaps[:, list(flip_indices), :, ::-1].copy()
    if shift:
        out[..., 1:] = out[..., :-1].copy()
    return out


def decode_heatmaps(heatmaps: np.ndarray, border_rule: str = 'per_axis'
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """(N, K, h, w) heatmaps -> keypoints (N, K, 2) in heatmap pixels and scores (N, K).

    The maximum of each map, moved by a quarter pixel along x and y towards the higher of its two
    neighbours; a map whose maximum is not positive gives (-1, -1). Which peaks move is the
    codec's border rule (the export writes it): ``'per_axis'``, MMPose 1.x's ``MSRAHeatmap``
    (x moves when ``1 < x < w - 1 and y > 0``, y when ``1 < y < h - 1 and x > 0``), or
    ``'interior'``, MMPose 0.x's (``InteriorRefineMSRAHeatmap``: both move only when
    ``1 < x < w - 1 and 1 < y < h - 1``, else neither).
    """
    if border_rule not in ('per_axis', 'interior'):
        raise ValueError(f"border_rule must be 'per_axis' or 'interior', not {border_rule!r}")
    n, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, k, -1)
    index = flat.argmax(axis=-1)
    scores = np.take_along_axis(flat, index[..., None], axis=-1)[..., 0]
    x, y = index % w, index // w
    inside_x, inside_y = (x > 1) & (x < w - 1), (y > 1) & (y < h - 1)
    if border_rule == 'interior':
        move_x = move_y = inside_x & inside_y
    else:
        move_x, move_y = inside_x & (y > 0), inside_y & (x > 0)
    # Neighbour indices clipped into the map; the moves mask out the clipped ones.
    rows, cols = np.arange(n)[:, None], np.arange(k)[None, :]
    xl, xr = np.clip(x - 1, 0, w - 1), np.clip(x + 1, 0, w - 1)
    yu, yd = np.clip(y - 1, 0, h - 1), np.clip(y + 1, 0, h - 1)
    dx = heatmaps[rows, cols, y, xr] - heatmaps[rows, cols, y, xl]
    dy = heatmaps[rows, cols, yd, x] - heatmaps[rows, cols, yu, x]
    keypoints = np.stack([x, y], axis=-1).astype(np.float32)
    keypoints[..., 0] += np.where(move_x, 0.25 * np.sign(dx), 0)
    keypoints[..., 1] += np.where(move_y, 0.25 * np.sign(dy), 0)
    keypoints[scores <= 0] = -1
    return keypoints, scores


def to_image(keypoints: np.ndarray, heatmap_size: Tuple[int, int], center: np.ndarray,
             size: np.ndarray) -> np.ndarray:
    """Heatmap pixels (K, 2) of one crop -> image pixels."""
    return keypoints / np.asarray(heatmap_size, np.float64) * size + center - size / 2
