from .subset_rule import normalize_subset, select_instances
from .keypoint_union import KeypointUnion, union_by_words
from .keypoint_union_dataset import KeypointUnionDataset
from .keypoint_words import keypoint_words, resolve_keypoint_words, words_from_name
from .subset_dataset import (AnimalPoseSubsetDataset, AP10KSubsetDataset, CocoSubsetDataset,
                             SubsetMixin)
from .synthetic import generate_synthetic_ap10k

__all__ = [
    'generate_synthetic_ap10k', 'AP10KSubsetDataset', 'CocoSubsetDataset', 'SubsetMixin',
    'normalize_subset', 'select_instances', 'AnimalPoseSubsetDataset', 'KeypointUnion',
    'KeypointUnionDataset', 'union_by_words', 'keypoint_words', 'resolve_keypoint_words',
    'words_from_name'
]
