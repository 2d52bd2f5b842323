"""Keypoint names in language: the words CLAMP's text encoder reads for each keypoint.

Dataset metainfo names ('L_F_Elbow', 'Nearfrontfetlock', 'forelegL1') are not words CLIP knows.
The words come, per keypoint, from the first of:

1. the config's own words (``keypoint_names=dict(from_file=..., words={'Girth': 'belly'})``);
2. ``keypoint_words.json`` (beside this module): hand-written words for MMPose's animal data
   sets, keyed by the metainfo's ``dataset_name``, in each data set's keypoint order;
3. :func:`words_from_name`, a rule for names nobody wrote words for.
"""
import json
import os.path as osp
import re
from functools import lru_cache
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

WORDS_FILE = osp.join(osp.dirname(osp.abspath(__file__)), 'keypoint_words.json')

# One-letter abbreviations of MMPose's metainfo names: 'L_F_Paw' is the left front paw.
_ABBREVIATIONS = {'l': 'left', 'r': 'right', 'f': 'front', 'b': 'back'}
_SIDES = ('left', 'right')


@lru_cache(maxsize=None)
def known_keypoint_words() -> Dict[str, Dict[str, str]]:
    """``{dataset_name: {metainfo name: words}}`` for the data sets MMPose ships."""
    with open(WORDS_FILE) as f:
        table = json.load(f)
    return {name: words for name, words in table.items() if not name.startswith('_')}


# The authors' prompt words for AP-10K's 17 keypoints (their configs, all three archs), in
# AP-10K's keypoint order: the table's AP-10K words, their one source.
AUTHORS_KEYPOINT_WORDS: Tuple[str, ...] = tuple(known_keypoint_words()['ap10k'].values())


def words_from_name(name: str) -> str:
    """Words for a keypoint name that no table knows.

    Splits at underscores, dashes, spaces, camel case and digits, lower-cases, expands the
    one-letter side and limb abbreviations and puts the side first, as English does:
    'L_F_Paw' -> 'left front paw', 'Eye_Left' -> 'left eye', 'forelegL1' -> 'left foreleg 1',
    'Root of tail' -> 'root of tail'.
    """
    spaced = re.sub(r'(?<=[a-z])(?=[A-Z])', ' ', name)
    spaced = re.sub(r'(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])', ' ', spaced)
    words = [_ABBREVIATIONS.get(w, w) for w in re.split(r'[\s_\-./]+', spaced.lower()) if w]
    sides = [w for w in words if w in _SIDES]
    return ' '.join(sides + [w for w in words if w not in _SIDES])


def keypoint_words(names: Sequence[str], dataset_name: Optional[str] = None,
                   words: Optional[Mapping[str, str]] = None) -> List[str]:
    """The words of each keypoint: the given ``words``, the data set's table, or the rule."""
    words = dict(words or {})
    unknown = set(words) - set(names)
    if unknown:
        raise ValueError(f'keypoint words were given for {sorted(unknown)}, which are not '
                         f'keypoints of this data set; its names are {list(names)}')
    table = known_keypoint_words().get(dataset_name, {})
    return [words.get(n) or table.get(n) or words_from_name(n) for n in names]
