# The deprecated old homes of keypoint language, loaded first so that the function
# keypoint_words, imported below, is what clamp_mmpose.datasets.keypoint_words names.
from . import keypoint_union, keypoint_words  # noqa: F401  isort:skip
from ..keypoints import (KeypointUnion, keypoint_words, resolve_keypoint_words,  # noqa: F811
                         union_by_words, words_from_name)
from .subset_rule import normalize_subset, select_instances
from .keypoint_union_dataset import KeypointUnionDataset
from .subset_dataset import (AnimalPoseSubsetDataset, AP10KSubsetDataset, CocoSubsetDataset,
                             SubsetMixin)
from .synthetic import generate_synthetic_ap10k

__all__ = [
    'generate_synthetic_ap10k', 'AP10KSubsetDataset', 'CocoSubsetDataset', 'SubsetMixin',
    'normalize_subset', 'select_instances', 'AnimalPoseSubsetDataset', 'KeypointUnion',
    'KeypointUnionDataset', 'union_by_words', 'keypoint_words', 'resolve_keypoint_words',
    'words_from_name'
]
