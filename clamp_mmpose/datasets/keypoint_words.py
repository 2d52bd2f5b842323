"""Deprecated, removed in the next release: keypoint words live in :mod:`clamp_mmpose.keypoints`.

Its names still import from here, with a DeprecationWarning; ``check_words_fit``, whose arguments
changed, is not among them (see :mod:`clamp_mmpose.keypoints.prompt_length`).
"""
from ..utils.deprecation import moved_names

__all__ = ['WORDS_FILE', 'keypoint_words', 'known_keypoint_words', 'metainfo_keypoint_names',
           'parsed_metainfo', 'resolve_keypoint_words', 'words_from_name']
__getattr__ = moved_names(__name__, 'clamp_mmpose.keypoints', __all__)
