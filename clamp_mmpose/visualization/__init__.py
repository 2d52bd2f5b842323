from .keypoint_similarity import object_keypoint_similarity
from .panel_figure import fit_image, panel_figure, save_figure
from .panels import (crop_square, draw_pose, grid, overlay_heat, save_picture, titled,
                     transform_points)
from .pose_axes import GT_COLOUR, PRED_COLOUR, plot_pose
from .prediction_figure import draw_prediction_figure
from .score_map_figure import draw_score_map_figure

__all__ = [
    'crop_square', 'draw_pose', 'grid', 'overlay_heat', 'save_picture', 'titled',
    'transform_points',
    'object_keypoint_similarity', 'panel_figure', 'fit_image', 'save_figure', 'plot_pose',
    'GT_COLOUR', 'PRED_COLOUR', 'draw_prediction_figure', 'draw_score_map_figure'
]
