"""Predicted and ground-truth poses on whole images, one panel per image (the demo's
``demo_predictions.png``)."""
from typing import Sequence, Tuple

from .panel_figure import fit_image, panel_figure, save_figure
from .pose_axes import GT_COLOUR, PRED_COLOUR, plot_pose


def draw_prediction_figure(panels: Sequence[dict], links: Sequence[Tuple[int, int]],
                           out_file: str, kpt_thr: float, cols: int = 4, panel_px: int = 256,
                           title_px: int = 22, header_px: int = 44) -> dict:
    """Ground truth (green dots) and predictions (red crosses, keypoints scoring at least
    ``kpt_thr``) with their skeletons, one panel per image, titled with the species and each
    animal's OKS.

    Each panel is a dict: ``image`` (H, W, 3 RGB), ``species`` (text) and ``animals``, each a
    dict of ``gt`` (K, 2), ``visible`` (K,), ``pred`` (K, 2), ``scores`` (K,) and ``oks``.
    Returns the file, the panel count and the size in pixels (width, height).
    """
    header = ('CLAMP (demo model) on val images: ground truth = green dots, '
              f'prediction = red crosses (score >= {kpt_thr})\n'
              'top-down on the ground-truth boxes; panel title: species, OKS per animal')
    fig, axes, size = panel_figure(len(panels), cols, panel_px, title_px, header_px, header,
                                   header_fontsize=9)
    for ax, panel in zip(axes, panels):
        ax.imshow(panel['image'])
        for animal in panel['animals']:
            plot_pose(ax, animal['gt'], animal['visible'], links, GT_COLOUR, 'o')
            plot_pose(ax, animal['pred'], animal['scores'] >= kpt_thr, links, PRED_COLOUR, 'x')
        oks = ' / '.join(f'{a["oks"]:.2f}' for a in panel['animals'])
        ax.set_title(f'{panel["species"]}  OKS {oks}', fontsize=8, pad=3)
        fit_image(ax, panel['image'].shape[1::-1])
    save_figure(fig, out_file)
    return dict(path=out_file, panels=len(panels), size=size)
