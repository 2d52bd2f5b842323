from .subset_rule import normalize_subset, select_instances
from .subset_dataset import AP10KSubsetDataset, CocoSubsetDataset, SubsetMixin
from .synthetic_animals import generate_synthetic_ap10k

__all__ = [
    'generate_synthetic_ap10k', 'AP10KSubsetDataset', 'CocoSubsetDataset', 'SubsetMixin',
    'normalize_subset', 'select_instances'
]
