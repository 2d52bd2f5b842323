from .panels import crop_square, draw_pose, grid, overlay_heat, titled, transform_points

__all__ = ['crop_square', 'draw_pose', 'grid', 'overlay_heat', 'titled', 'transform_points']
