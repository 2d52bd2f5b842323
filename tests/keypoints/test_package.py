"""The old homes of keypoint language in clamp_mmpose.datasets still give its names, warning."""
import importlib

import pytest

from clamp_mmpose import datasets, keypoints


@pytest.mark.parametrize('module, names', [
    ('clamp_mmpose.datasets.keypoint_words', ('keypoint_words', 'resolve_keypoint_words',
                                              'words_from_name', 'parsed_metainfo')),
    ('clamp_mmpose.datasets.keypoint_union', ('KeypointUnion', 'union_by_words', 'map_to_layout',
                                              'union_of')),
])
def test_deprecated_modules_give_the_new_names_with_a_warning(module, names):
    old = importlib.import_module(module)
    for name in names:
        with pytest.warns(DeprecationWarning, match=f'{name} is deprecated.*clamp_mmpose.keypo'):
            assert getattr(old, name) is getattr(keypoints, name)
    with pytest.raises(AttributeError):
        old.check_words_fit  # arguments changed: not given under the old name


def test_the_data_sets_package_exports_the_same_names():
    importlib.import_module('clamp_mmpose.datasets.keypoint_words')  # the function stays
    for name in ('KeypointUnion', 'union_by_words', 'keypoint_words', 'resolve_keypoint_words',
                 'words_from_name'):
        assert name in datasets.__all__ and getattr(datasets, name) is getattr(keypoints, name)
