"""Deprecated, removed in the next release: keypoint unions live in :mod:`clamp_mmpose.keypoints`;
its names still import from here, with a DeprecationWarning."""
from ..utils.deprecation import moved_names

__all__ = ['KeypointMapping', 'KeypointUnion', 'map_to_layout', 'union_by_words', 'union_of']
__getattr__ = moved_names(__name__, 'clamp_mmpose.keypoints', __all__)
