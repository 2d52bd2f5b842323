"""Keypoint language, one home for the model, the data sets, the evaluation and the commands.

* :mod:`.words`: a keypoint's words (the hand-written table ``keypoint_words.json``, the
  config's own words, or a rule for unknown names), and the authors' AP-10K words;
* :mod:`.metainfo`: MMPose metainfo parsed, and the one a data set config is read with;
* :mod:`.union`: several data sets' keypoints merged into one layout by their words;
* :mod:`.spec`: a CLAMP head's ``keypoint_names`` read as names and words, or as a layout;
* :mod:`.prompt_length`: how long a prompt is, and whether a keypoint's words fit.

It imports none of the package's models, data sets, evaluation or commands.
"""
from .metainfo import dataset_metainfo, metainfo_keypoint_names, parsed_metainfo
from .prompt_length import (CLIP_CONTEXT_LENGTH, check_words_fit, prompt_length,
                            words_room)
from .spec import resolve_keypoint_words, union_of
from .union import KeypointMapping, KeypointUnion, map_to_layout, union_by_words
from .words import (AUTHORS_KEYPOINT_WORDS, WORDS_FILE, keypoint_words, known_keypoint_words,
                    words_from_name)

__all__ = [
    'AUTHORS_KEYPOINT_WORDS', 'CLIP_CONTEXT_LENGTH', 'KeypointMapping', 'KeypointUnion',
    'WORDS_FILE', 'check_words_fit', 'dataset_metainfo', 'keypoint_words', 'known_keypoint_words',
    'map_to_layout', 'metainfo_keypoint_names', 'parsed_metainfo', 'prompt_length',
    'resolve_keypoint_words', 'union_by_words', 'union_of', 'words_from_name', 'words_room'
]
