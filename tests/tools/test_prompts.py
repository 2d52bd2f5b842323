import pytest

from clamp_mmpose.tools import prompts
from tests.helpers import REPO

COMBINED = f'{REPO}/configs/multidataset/clamp_clip-rn50_4xb32-210e_ap10k-animalpose-256x256.py'


def test_a_metainfo_file_prints_names_words_and_tokens(capsys):
    assert prompts.main(['configs/_base_/datasets/horse10.py']) == 0  # found in MMPose
    out = capsys.readouterr().out
    assert '| 3 | Nearfrontfetlock | left front fetlock | 4 |' in out
    assert '22 keypoints' in out


def test_a_union_config_prints_the_merge(capsys):
    assert prompts.main([COMBINED]) == 0
    out = capsys.readouterr().out
    assert 'merged by their words' in out
    assert '| 4 | Root of tail / TailBase | tail root | 2 |' in out
    assert '| 20 | - / Withers | withers | 2 |' in out
    assert '29 keypoints' in out


def test_words_too_long_and_wrong_files_are_named(tmp_path, capsys):
    config = tmp_path / 'short_prompt.py'
    config.write_text(
        "model = dict(head=dict(type='CLAMPHead', context_length=13, keypoint_names=dict("
        "from_file='configs/_base_/datasets/horse10.py')))\n")
    assert prompts.main([str(config)]) == 1
    captured = capsys.readouterr()
    assert '4 **too long**' in captured.out
    assert 'Nearfrontfetlock' in captured.err and 'context_length' in captured.err
    assert prompts.main([f'{REPO}/configs/ap10k/simplebaseline_clip-rn50_4xb32-210e_ap10k-'
                         '256x256.py']) == 2
    assert 'neither a CLAMP config' in capsys.readouterr().err
    assert prompts.main(['configs/_base_/datasets/no_such_set.py']) == 2
    assert 'no such config' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        prompts.main([])
