"""Every keypoint prompt's score map over one animal, as the paper's Figure S1 (the demo's
``demo_score_maps.png``)."""
from typing import Sequence, Tuple

import numpy as np

from .panel_figure import fit_image, panel_figure, save_figure
from .pose_axes import GT_COLOUR, plot_pose


def min_max(score_map: np.ndarray) -> np.ndarray:
    """The map stretched to [0, 1]; a flat map gives zeros."""
    low = score_map.min()
    return (score_map - low) / max(score_map.max() - low, 1e-8)


def draw_score_map_figure(crop: np.ndarray, score_maps: np.ndarray,
                          keypoint_names: Sequence[str], grid: Tuple[int, int],
                          keypoints: np.ndarray, visible: np.ndarray,
                          links: Sequence[Tuple[int, int]], species: str, out_file: str,
                          cols: int = 6, panel_px: int = 160, title_px: int = 20,
                          header_px: int = 44) -> dict:
    """The input crop with its ground-truth pose, then one panel per keypoint: its score map
    (K, H, W at the crop's size, min-max stretched per panel) laid over the crop, with a white
    cross on the labelled keypoint.

    ``crop`` is RGB; ``keypoints`` (K, 2) are in crop pixels; ``grid`` is the size of the
    score maps before upsampling (shown in the header). Returns the file, the panel count and
    the size in pixels (width, height).
    """
    header = (f'Score maps of {species}: cosine similarity between the dense CLIP embeddings '
              f'and each keypoint prompt ({grid[0]}x{grid[1]} grid, upsampled, min-max per '
              'panel, red = high)\nwhite cross: the ground-truth keypoint (if labelled)')
    num_panels = len(keypoint_names) + 1
    fig, axes, size = panel_figure(num_panels, cols, panel_px, title_px, header_px, header,
                                   header_fontsize=8)
    crop_size = crop.shape[1::-1]
    axes[0].imshow(crop)
    plot_pose(axes[0], keypoints, visible, links, GT_COLOUR, 'o')
    axes[0].set_title('input crop, ground truth', fontsize=8, pad=2)
    fit_image(axes[0], crop_size)
    for k, (ax, name) in enumerate(zip(axes[1:], keypoint_names)):
        ax.imshow(crop)
        ax.imshow(min_max(score_maps[k]), cmap='jet', alpha=0.5, vmin=0, vmax=1)
        if visible[k]:
            ax.scatter([keypoints[k, 0]], [keypoints[k, 1]], marker='+', s=90, c='white',
                       linewidths=2)
        ax.set_title(name, fontsize=9, pad=2)
        fit_image(ax, crop_size)
    save_figure(fig, out_file)
    return dict(path=out_file, panels=num_panels, size=size)
