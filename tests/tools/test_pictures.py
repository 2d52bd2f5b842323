"""The score-map and comparison commands write the pictures they promise."""
import re

import cv2
import numpy as np
import pytest

from clamp_mmpose.tools import compare, score_maps
from clamp_mmpose.visualization.panels import TITLE_HEIGHT


def test_score_maps_command_draws_one_panel_per_keypoint(tiny_clamp, tmp_path):
    config, checkpoint = tiny_clamp
    out = str(tmp_path / 'score_maps.png')
    assert score_maps.main([config, checkpoint, '--sample', '1', '--out', out]) == 0
    picture = cv2.imread(out)
    panel = 160 + TITLE_HEIGHT
    # the input crop and 17 keypoints, 6 per row
    assert picture.shape == (3 * panel, 6 * 160, 3)
    panels = [picture[r * panel + TITLE_HEIGHT:(r + 1) * panel, c * 160:(c + 1) * 160]
              for r in range(3) for c in range(6)]
    assert all(p.std() > 5 for p in panels)  # 18 drawn panels, none blank
    # Each keypoint's map is its own: the overlays differ.
    assert np.abs(panels[1].astype(int) - panels[2].astype(int)).mean() > 1


def test_score_maps_from_image_and_box(tiny_clamp, synthetic_ap10k, tmp_path):
    config, checkpoint = tiny_clamp
    image = tmp_path / 'animal.png'
    cv2.imwrite(str(image), np.full((120, 200, 3), 90, np.uint8))
    out = str(tmp_path / 'maps.png')
    score_maps.main([config, checkpoint, '--img', str(image), '--bbox', '10', '10', '150',
                     '110', '--out', out])
    assert cv2.imread(out).shape == (3 * (160 + TITLE_HEIGHT), 6 * 160, 3)


def test_comparison_command_rows_and_columns(tiny_clamp, tiny_baseline, tmp_path):
    out = str(tmp_path / 'comparison.png')
    assert compare.main(['--baseline', *tiny_baseline, '--clamp', *tiny_clamp, '--num', '3',
                         '--kpt-thr', '0', '--out', out]) == 0
    picture = cv2.imread(out)
    assert picture.shape == (3 * 192, 130 + 3 * 192, 3)
    # the ground-truth row is drawn in red, the prediction rows in their own colours
    gt_row = picture[2 * 192:, 130:]
    red = (gt_row[..., 2] > 200) & (gt_row[..., 1] < 60) & (gt_row[..., 0] < 60)
    assert red.sum() > 50
    clamp_row = picture[192:2 * 192, 130:]
    green = (clamp_row[..., 1] > 180) & (clamp_row[..., 0] < 60) & (clamp_row[..., 2] < 60)
    assert green.sum() > 50


def test_pictures_go_into_new_folders_and_unwritable_paths_are_errors(
        tiny_clamp, tmp_path, capsys):
    config, checkpoint = tiny_clamp
    out = tmp_path / 'new' / 'folder' / 'maps.png'
    assert score_maps.main([config, checkpoint, '--out', str(out)]) == 0
    assert cv2.imread(str(out)) is not None
    assert score_maps.main([config, checkpoint, '--out', str(tmp_path / 'maps.foo')]) == 1
    assert 'no writer for its extension' in capsys.readouterr().err
    assert not (tmp_path / 'maps.foo').exists()


@pytest.mark.parametrize('argv,message', [
    (['--sample', '100000'], r'--sample 100000 is outside the val set, which has \d+'),
    (['--bbox', '0', '0', '10', '10'], '--img and --bbox go together'),
    (['--img', 'missing.png', '--bbox', '0', '0', '10', '10'], 'cannot read image missing.png'),
])
def test_score_maps_names_a_bad_instance_before_building_the_model(tiny_clamp, argv, message,
                                                                   capsys, monkeypatch):
    import mmpose.apis

    def no_model(*args, **kwargs):
        raise AssertionError('built the model before checking the arguments')

    monkeypatch.setattr(mmpose.apis, 'init_model', no_model)
    with pytest.raises(SystemExit) as exit_info:
        score_maps.main([*tiny_clamp, *argv])
    assert exit_info.value.code == 2
    assert re.search(message, capsys.readouterr().err)
