"""Deprecated, removed in the next release: the sub-pixel rewrite of the deconv head lives in
:mod:`clamp_mmpose.export.subpixel_deconv`."""
from ..utils.deprecation import moved_names

__all__ = ['SubPixelDeconv', 'is_foldable_norm', 'is_pointwise', 'is_subpixel_deconv',
           'replace_transposed_convs', 'rewrite_heatmap_head']
__getattr__ = moved_names(__name__, 'clamp_mmpose.export.subpixel_deconv', __all__)
