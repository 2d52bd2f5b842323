"""Keypoint names in language: the words CLAMP's text encoder reads for each keypoint.

Dataset metainfo names ('L_F_Elbow', 'Nearfrontfetlock', 'forelegL1') are not words CLIP knows.
The words come, per keypoint, from the first of:

1. the config's own words (``keypoint_names=dict(from_file=..., words={'Girth': 'belly'})``);
2. ``keypoint_words.json``: hand-written words for MMPose's animal data sets, keyed by the
   metainfo's ``dataset_name``;
3. :func:`words_from_name`, a rule for names nobody wrote words for.
"""
import json
import os.path as osp
import re
from functools import lru_cache
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

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


def parsed_metainfo(metainfo: dict) -> dict:
    """A parsed MMPose metainfo, from a raw one, ``dict(from_file=...)`` or a parsed one (a
    ``words`` entry, this project's, is left out)."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    metainfo = {k: v for k, v in dict(metainfo).items() if k != 'words'}
    return metainfo if 'keypoint_id2name' in metainfo else parse_pose_metainfo(metainfo)


def metainfo_keypoint_names(parsed: dict) -> List[str]:
    """The keypoint names of a parsed metainfo, in index order."""
    return [parsed['keypoint_id2name'][i] for i in range(parsed['num_keypoints'])]


def resolve_keypoint_words(spec: Union[Sequence[str], dict]) -> Tuple[List[str], List[str]]:
    """``(names, words)`` of the keypoints a CLAMP head predicts, from its ``keypoint_names``.

    ``spec`` is one of:

    * a list of names or words, in the data set's keypoint order (words pass unchanged,
      abbreviations go through :func:`words_from_name`);
    * ``dict(from_file=METAINFO, words=None)``: a data set's metainfo, optionally with words for
      some of its keypoint names;
    * ``dict(union=[METAINFO_DICT, ...], same=None)``: the union of several data sets'
      keypoints, merged by their words, as :class:`KeypointUnionDataset` lays them out.
    """
    if not isinstance(spec, Mapping):
        names = list(spec)
        return names, [words_from_name(n) for n in names]
    spec = dict(spec)
    if 'union' in spec:
        from .keypoint_union import union_by_words
        union = union_by_words(spec['union'], spec.get('same'))
        return list(union.words), list(union.words)
    parsed = parsed_metainfo(spec)
    names = metainfo_keypoint_names(parsed)
    return names, keypoint_words(names, parsed['dataset_name'], spec.get('words'))


def check_words_fit(names: Sequence[str], words: Sequence[str], token_counts: Sequence[int],
                    room: int, setting: str) -> None:
    """Raise a ValueError naming every keypoint whose words do not fit in ``room`` tokens."""
    too_long = [f'{n!r} ({w!r}, {c} tokens)'
                for n, w, c in zip(names, words, token_counts) if c > room]
    first = next((n for n, c in zip(names, token_counts) if c > room), None)
    if too_long:
        raise ValueError(
            f'Keypoint words too long for the prompt, which has room for {room} tokens: '
            f'{", ".join(too_long)}. Give shorter words in the head\'s keypoint_names (e.g. '
            f'keypoint_names=dict(from_file=..., words={{{first!r}: "..."}})) or raise '
            f'{setting}.')
