"""Several data sets' keypoints as one layout, merged by what their names say.

CLAMP names every keypoint in language, so two data sets' keypoints that have the same words
('tail root' in AP-10K and in Animal-Pose) are one output of the model and one prompt. The
union keeps the first data set's keypoints in order and appends each later data set's new ones;
``same`` merges words that differ but mean the same thing (a hand override).
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from .metainfo import metainfo_keypoint_names, parsed_metainfo
from .words import keypoint_words

# (a data set's keypoint index, the layout's index) pairs, as MMPose's KeypointConverter takes
KeypointMapping = List[Tuple[int, int]]


class KeypointUnion(NamedTuple):
    """The merged keypoint layout.

    Attributes:
        words: the K words of the union's keypoints, in output order.
        dataset_names: each merged data set's ``dataset_name``.
        sources: per data set, its keypoint names.
        mappings: per data set, ``(its keypoint index, union index)`` pairs, as MMPose's
            ``KeypointConverter`` takes them.
        metainfo: an MMPose metainfo dict of the union (keypoint names are the words).
    """
    words: Tuple[str, ...]
    dataset_names: Tuple[str, ...]
    sources: Tuple[Tuple[str, ...], ...]
    mappings: Tuple[KeypointMapping, ...]
    metainfo: dict

    @property
    def num_keypoints(self) -> int:
        return len(self.words)

    def mapping_of(self, dataset_name: str) -> KeypointMapping:
        return self.mappings[self.dataset_names.index(dataset_name)]

    def source_names(self, index: int) -> List[str]:
        """Each data set's name for union keypoint ``index`` ('-' where it has none)."""
        return [dict((u, names[i]) for i, u in mapping).get(index, '-')
                for names, mapping in zip(self.sources, self.mappings)]

    def table(self) -> str:
        """The merge, one line per union keypoint: its words and each data set's name for it."""
        width = max(len(w) for w in self.words)
        lines = [f'{"":>3} {"words":<{width}}  ' + '  '.join(f'{d:<16}' for d in
                                                          self.dataset_names)]
        for u, words in enumerate(self.words):
            cells = '  '.join(f'{name:<16}' for name in self.source_names(u))
            lines.append(f'{u:>3} {words:<{width}}  {cells}')
        return '\n'.join(lines)


def _canonical(same: Optional[Sequence[Sequence[str]]]):
    """words -> the first words of its ``same`` group (itself if in none)."""
    first = {}
    for group in same or ():
        for words in group:
            if words in first and first[words] != group[0]:
                raise ValueError(f'{words!r} is in two groups of same_keypoints')
            first[words] = group[0]
    return lambda words: first.get(words, words)


def union_by_words(metainfos: Sequence[dict],
                   same: Optional[Sequence[Sequence[str]]] = None) -> KeypointUnion:
    """Merge data sets' keypoints by their words.

    Args:
        metainfos: each data set's MMPose metainfo (``dict(from_file=...)``, raw or parsed),
            optionally with ``words=dict(name=words)`` for some of its keypoints.
        same: groups of words that name one keypoint (e.g.
            ``[('left elbow', 'left front elbow')]``); the union uses the words met first.

    Returns:
        :class:`KeypointUnion`.
    """
    canonical = _canonical(same)
    parsed = [parsed_metainfo(m) for m in metainfos]
    sources = [metainfo_keypoint_names(p) for p in parsed]
    words_of = [keypoint_words(names, p['dataset_name'], m.get('words'))
                for names, p, m in zip(sources, parsed, metainfos)]
    dataset_names = [p['dataset_name'] for p in parsed]
    if len(set(dataset_names)) != len(dataset_names):
        raise ValueError(f'each merged data set needs its own dataset_name, got {dataset_names}')

    index: Dict[str, int] = {}  # canonical words -> union index
    union_words: List[str] = []
    mappings = []
    for dataset, words in zip(dataset_names, words_of):
        mapping = []
        for i, w in enumerate(words):
            key = canonical(w)
            if key not in index:
                index[key] = len(union_words)
                union_words.append(w)
            if any(u == index[key] for _, u in mapping):
                raise ValueError(f'{dataset} has two keypoints with the words {w!r}')
            mapping.append((i, index[key]))
        mappings.append(mapping)
    metainfo = _union_metainfo('+'.join(dataset_names), union_words, parsed, mappings)
    return KeypointUnion(tuple(union_words), tuple(dataset_names),
                         tuple(tuple(names) for names in sources), tuple(mappings), metainfo)


def map_to_layout(layout: KeypointUnion, metainfo: dict,
                  same: Optional[Sequence[Sequence[str]]] = None) -> KeypointMapping:
    """``(data set index, layout index)`` pairs for the keypoints of a data set that the layout
    (for example a trained model's) also has, matched by words."""
    canonical = _canonical(same)
    p = parsed_metainfo(metainfo)
    if p['dataset_name'] in layout.dataset_names:
        return layout.mapping_of(p['dataset_name'])
    position = {canonical(w): u for u, w in enumerate(layout.words)}
    names = metainfo_keypoint_names(p)
    words = keypoint_words(names, p['dataset_name'], metainfo.get('words'))
    return [(i, position[canonical(w)]) for i, w in enumerate(words)
            if canonical(w) in position]


def _union_metainfo(dataset_name: str, words: List[str], parsed: List[dict],
                    mappings: List[KeypointMapping]) -> dict:
    """The union's metainfo: each keypoint's colour, body half, flip partner, loss weight and
    OKS sigma come from the first data set that has it; skeleton links from all of them."""
    source = {}  # union index -> (data set number, its keypoint index)
    for d, mapping in enumerate(mappings):
        for i, u in mapping:
            source.setdefault(u, (d, i))
    to_union = [dict(mapping) for mapping in mappings]
    with_sigmas = all(len(parsed[d]['sigmas']) for d, _ in source.values())
    keypoint_info, weights, sigmas = {}, [], []
    for u, w in enumerate(words):
        d, i = source[u]
        p = parsed[d]
        half = ('upper' if i in p['upper_body_ids'] else
                'lower' if i in p['lower_body_ids'] else '')
        keypoint_info[u] = dict(name=w, id=u, color=np.asarray(p['keypoint_colors'][i]).tolist(),
                                type=half, swap=words[to_union[d][p['flip_indices'][i]]])
        weights.append(float(p['dataset_keypoint_weights'][i]))
        if with_sigmas:
            sigmas.append(float(p['sigmas'][i]))
    links = []
    for d, p in enumerate(parsed):
        for a, b in p['skeleton_links']:
            link = (words[to_union[d][a]], words[to_union[d][b]])
            if link not in links and link[::-1] not in links:
                links.append(link)
    skeleton_info = {i: dict(link=link, id=i, color=[96, 96, 255]) for i, link in
                     enumerate(links)}
    return dict(dataset_name=dataset_name, keypoint_info=keypoint_info,
                skeleton_info=skeleton_info, joint_weights=weights, sigmas=sigmas)
