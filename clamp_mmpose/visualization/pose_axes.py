"""A pose drawn on a Matplotlib axes: limbs between shown keypoints, then the keypoints."""
from typing import Sequence, Tuple

import numpy as np

GT_COLOUR = '#00e676'    # green: ground truth, drawn as dots
PRED_COLOUR = '#ff1744'  # red: prediction, drawn as crosses


def plot_pose(ax, keypoints: np.ndarray, shown: np.ndarray, links: Sequence[Tuple[int, int]],
              colour: str, marker: str) -> None:
    """Keypoints (K, 2) where ``shown``, and the skeleton ``links`` between two shown ones.

    ``marker='o'``: black-rimmed dots under everything else (the ground truth); any other
    marker: crosses on top, so a prediction stays visible over its ground truth.
    """
    for a, b in links:
        if shown[a] and shown[b]:
            ax.plot([keypoints[a, 0], keypoints[b, 0]], [keypoints[a, 1], keypoints[b, 1]],
                    '-', color=colour, lw=1.3, alpha=0.9)
    points = keypoints[shown]
    if marker == 'o':
        ax.scatter(points[:, 0], points[:, 1], s=16, c=colour, edgecolors='black',
                   linewidths=0.5, zorder=3)
    else:
        ax.scatter(points[:, 0], points[:, 1], s=22, c=colour, marker='x', linewidths=1.4,
                   zorder=4)
