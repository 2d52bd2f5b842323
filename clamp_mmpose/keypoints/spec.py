"""A CLAMP head's ``keypoint_names`` spec, read: the keypoints' names and words, or their layout.

The same spec is the ``keypoints`` of :class:`clamp_mmpose.datasets.KeypointUnionDataset` and
:class:`clamp_mmpose.evaluation.KeypointUnionEvaluator`, so the model, its data and its
evaluation lay the keypoints out alike.
"""
from typing import List, Mapping, Optional, Sequence, Tuple, Union

from .metainfo import metainfo_keypoint_names, parsed_metainfo
from .union import KeypointUnion, union_by_words
from .words import keypoint_words, words_from_name


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
        union = union_by_words(spec['union'], spec.get('same'))
        return list(union.words), list(union.words)
    parsed = parsed_metainfo(spec)
    names = metainfo_keypoint_names(parsed)
    return names, keypoint_words(names, parsed['dataset_name'], spec.get('words'))


def union_of(spec: Union[dict, Sequence[dict]]) -> Tuple[KeypointUnion, Optional[list]]:
    """A head's ``keypoint_names`` spec as a layout: ``dict(union=[...], same=...)`` or one
    data set's ``dict(from_file=...)``; returns the layout and its ``same`` groups."""
    spec = dict(spec)
    if 'union' in spec:
        return union_by_words(spec['union'], spec.get('same')), spec.get('same')
    return union_by_words([spec]), None
