"""Several data sets' keypoints merged into one layout by their words."""
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from clamp_mmpose.keypoints import map_to_layout, union_by_words

AP10K = dict(from_file='configs/_base_/datasets/ap10k.py')
ANIMALPOSE = dict(from_file='configs/_base_/datasets/animalpose.py')
SHARED = ['left eye', 'right eye', 'nose', 'tail root', 'left front paw', 'right front paw',
          'left back paw', 'right back paw']


def test_ap10k_and_animalpose_share_the_keypoints_their_words_share():
    union = union_by_words([AP10K, ANIMALPOSE])
    assert union.num_keypoints == 17 + 20 - len(SHARED) == 29
    ap10k, animalpose = union.mappings
    assert [u for _, u in ap10k] == list(range(17))  # the first data set keeps its order
    shared = sorted(set(u for _, u in ap10k) & set(u for _, u in animalpose))
    assert [union.words[u] for u in shared] == SHARED
    assert dict(animalpose)[6] == union.words.index('tail root')  # Animal-Pose's 'TailBase'
    assert 'TailBase' in union.table() and 'Root of tail' in union.table()
    meta = parse_pose_metainfo(union.metainfo)
    flips = {union.words[i]: union.words[j] for i, j in enumerate(meta['flip_indices'])}
    assert flips['left front elbow'] == 'right front elbow' and flips['neck'] == 'neck'
    assert flips['left ear base'] == 'right ear base'
    assert meta['sigmas'][union.words.index('withers')] == pytest.approx(0.1)


def test_same_merges_words_by_hand_and_duplicates_are_refused():
    same = [('left elbow', 'left front elbow'), ('right elbow', 'right front elbow')]
    union = union_by_words([AP10K, ANIMALPOSE], same)
    assert union.num_keypoints == 27
    assert 'left front elbow' not in union.words
    assert dict(union.mappings[1])[8] == union.words.index('left elbow')  # L_F_Elbow
    with pytest.raises(ValueError, match="two keypoints with the words 'left eye'"):
        union_by_words([dict(AP10K, words={'R_Eye': 'left eye'})])


def test_another_data_sets_keypoints_map_into_a_models_layout_by_words():
    layout = union_by_words([AP10K])
    mapping = map_to_layout(layout, ANIMALPOSE)
    assert sorted(layout.words[u] for _, u in mapping) == sorted(SHARED)
