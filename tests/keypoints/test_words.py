import copy

import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from clamp_mmpose.keypoints import (AUTHORS_KEYPOINT_WORDS, keypoint_words, known_keypoint_words,
                                   resolve_keypoint_words, words_from_name)
from clamp_mmpose.models.utils import PromptTextEncoder
from tests.conftest import TINY_RN

# MMPose's animal data sets (metainfo file -> dataset_name).
ANIMAL_DATASETS = ('ap10k', 'animalpose', 'ak', 'horse10', 'macaque', 'atrw', 'zebra', 'locust',
                   'fly')


@pytest.mark.parametrize('name, words', [
    ('L_F_Paw', 'left front paw'), ('R_B_Paw', 'right back paw'), ('Root of tail', 'root of tail'),
    ('left_shoulder', 'left shoulder'), ('Eye_Left', 'left eye'), ('L_EarBase', 'left ear base'),
    ('forelegL1', 'left foreleg 1'), ('Tail-Mid', 'tail mid'), ('antennaR_base', 'right antenna base'),
])
def test_the_rule_for_unknown_names(name, words):
    assert words_from_name(name) == words


@pytest.mark.parametrize('dataset', ANIMAL_DATASETS)
def test_every_mmpose_animal_keypoint_has_words_that_fit_the_prompt(dataset):
    """Hand-written words for every keypoint, none left to the rule; with the 8 context tokens
    each fits a prompt of 14 tokens (4 word tokens), and the default prompt takes them."""
    metainfo = parse_pose_metainfo(dict(from_file=f'configs/_base_/datasets/{dataset}.py'))
    names = [metainfo['keypoint_id2name'][i] for i in range(metainfo['num_keypoints'])]
    table = known_keypoint_words()[metainfo['dataset_name']]
    assert set(table) == set(names)
    spec_names, words = resolve_keypoint_words(
        dict(from_file=f'configs/_base_/datasets/{dataset}.py'))
    assert spec_names == names and words == [table[n] for n in names]
    assert len(set(words)) == len(words)  # one prompt per keypoint
    PromptTextEncoder.tokenize(words, num_context_tokens=8, context_length=14)
    encoder = PromptTextEncoder(copy.deepcopy(TINY_RN), words)
    assert encoder.tokens.shape[0] == len(names)


def test_ap10k_words_are_the_authors():
    _, words = resolve_keypoint_words(dict(from_file='configs/_base_/datasets/ap10k.py'))
    assert tuple(words) == AUTHORS_KEYPOINT_WORDS


def test_the_authors_words_have_one_source():
    """The converter and the RN50 paper config (which the ViT ones inherit) read the table."""
    from mmengine.config import Config

    from clamp_mmpose.converters import official as convert_official
    from tests.helpers import CLAMP_RN50
    assert convert_official.AUTHORS_KEYPOINT_WORDS is AUTHORS_KEYPOINT_WORDS
    assert len(AUTHORS_KEYPOINT_WORDS) == 17 and AUTHORS_KEYPOINT_WORDS[4] == 'tail root'
    cfg = Config.fromfile(CLAMP_RN50)
    assert not isinstance(cfg.model.head.keypoint_names, (list, tuple))  # no copy of them
    _, words = resolve_keypoint_words(cfg.model.head.keypoint_names)
    assert tuple(words) == AUTHORS_KEYPOINT_WORDS


def test_words_given_in_the_config_win_and_unknown_names_are_named():
    _, words = resolve_keypoint_words(dict(from_file='configs/_base_/datasets/horse10.py',
                                           words=dict(Girth='belly')))
    assert words[11] == 'belly' and words[3] == 'left front fetlock'
    with pytest.raises(ValueError, match=r"\['Belly'\], which are not keypoints"):
        keypoint_words(['Girth'], 'horse10', dict(Belly='belly'))
    assert keypoint_words(['Nearknee'], 'a new data set') == ['nearknee']  # the rule


def test_a_name_too_long_for_the_prompt_names_the_keypoint_and_the_setting():
    from clamp_mmpose.models.heads import CLAMPHead
    with pytest.raises(ValueError, match=r"'Nearfrontfetlock' \('left front fetlock', 4 tokens\)"
                       r".*words=.*context_length \(now 13\)"):
        CLAMPHead(in_channels=512, out_channels=22, clip_arch=copy.deepcopy(TINY_RN),
                  keypoint_names=dict(from_file='configs/_base_/datasets/horse10.py'),
                  context_length=13)
