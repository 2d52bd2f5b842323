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
from mmpose.registry import KEYPOINT_CODECS

from ..deploy.topdown import decode_heatmaps

__all__ = ['InteriorRefineMSRAHeatmap']


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
        # The torch-free runtime's decoder, so that export and training decode alike.
        keypoints, scores = decode_heatmaps(encoded[None], border_rule='interior')
        return keypoints * self.scale_factor, scores
