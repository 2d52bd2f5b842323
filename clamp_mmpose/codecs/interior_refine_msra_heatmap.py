"""MSRA heatmaps decoded with MMPose 0.x's border rule, as the authors' CLAMP code decodes them.

Both MMPose generations decode a heatmap at its maximum and move the result a quarter pixel
towards the higher neighbour along x and along y. They differ only at the border:

* MMPose 0.x (the authors' 0.21 fork) moves a peak only when it lies strictly inside on both
  axes, ``1 < x < W - 1 and 1 < y < H - 1``; a peak in the first two or the last row or column
  is not moved at all;
* MMPose 1.x (``refine_keypoints``) decides each axis on its own (x when ``1 < x < W - 1`` and
  ``y > 0``, y likewise), so a peak in, say, the second or the last row is still moved along x.

A peak near the border therefore decodes up to a quarter heatmap pixel (about 1 input pixel at
stride 4) apart. Evaluating a model trained with the authors' code under their rule gives their
AP exactly; MMPose's own ``MSRAHeatmap`` stays the default everywhere else.
"""
from typing import Tuple

import numpy as np
from mmpose.codecs import MSRAHeatmap
from mmpose.codecs.utils import get_heatmap_maximum
from mmpose.registry import KEYPOINT_CODECS

__all__ = ['InteriorRefineMSRAHeatmap', 'refine_interior_peaks']


def refine_interior_peaks(keypoints: np.ndarray, heatmaps: np.ndarray) -> np.ndarray:
    """Move each peak a quarter pixel towards its higher neighbours, interior peaks only.

    Args:
        keypoints: (K, 2) integer peak locations (x, y) in heatmap pixels; (-1, -1) for a map
            without a positive value.
        heatmaps: (K, H, W) the maps the peaks were taken from.

    Returns:
        (K, 2) float32 refined locations (a new array). A peak is moved only when
        ``1 < x < W - 1 and 1 < y < H - 1`` (MMPose 0.x); on both axes at once, else not at all.
    """
    num_keypoints, height, width = heatmaps.shape
    refined = keypoints.astype(np.float32).copy()
    x = keypoints[:, 0].astype(int)
    y = keypoints[:, 1].astype(int)
    inside = (x > 1) & (x < width - 1) & (y > 1) & (y < height - 1)
    k, x, y = np.nonzero(inside)[0], x[inside], y[inside]
    dx = heatmaps[k, y, x + 1] - heatmaps[k, y, x - 1]
    dy = heatmaps[k, y + 1, x] - heatmaps[k, y - 1, x]
    refined[inside] += 0.25 * np.sign(np.stack([dx, dy], axis=-1)).astype(np.float32)
    return refined


@KEYPOINT_CODECS.register_module()
class InteriorRefineMSRAHeatmap(MSRAHeatmap):
    """MMPose's ``MSRAHeatmap`` (same targets, same arguments) whose decoder moves a peak by a
    quarter pixel only when it lies strictly inside the heatmap on both axes (MMPose 0.x's rule,
    see the module docstring). ``unbiased=True`` (DARK) has no such rule and is refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.unbiased:
            raise ValueError(
                'InteriorRefineMSRAHeatmap reproduces MMPose 0.x\'s quarter-pixel refinement; '
                'with unbiased=True (DARK) use MMPose\'s MSRAHeatmap instead.')

    def decode(self, encoded: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(K, H, W) heatmaps -> keypoints (1, K, 2) in input-image pixels, scores (1, K)."""
        keypoints, scores = get_heatmap_maximum(encoded)
        keypoints = refine_interior_peaks(keypoints, encoded)
        return keypoints[None] * self.scale_factor, scores[None]
