"""Deprecated, removed in the next release: keypoint unions live in :mod:`clamp_mmpose.keypoints`;
its names still import from here, with a DeprecationWarning."""
from ..keypoints._moved import moved_here

__all__ = ['KeypointMapping', 'KeypointUnion', 'map_to_layout', 'union_by_words', 'union_of']
__getattr__ = moved_here(__name__, __all__)
