import math

import pytest
import torch

from clamp_mmpose.models.utils import (authors_keypoint_cells, gather_keypoint_features,
                                       keypoint_cells, keypoint_score_maps,
                                       keypoints_from_target_heatmaps, prompt_contrastive_logits)


def test_score_maps_are_hand_computed_cosine_similarities():
    torch.manual_seed(0)
    dense = torch.randn(2, 5, 3, 4)
    prompts = torch.randn(2, 6, 5)
    maps = keypoint_score_maps(dense, prompts)
    assert maps.shape == (2, 6, 3, 4)
    for b in range(2):
        for k in range(6):
            for y in range(3):
                for x in range(4):
                    v, p = dense[b, :, y, x], prompts[b, k]
                    cosine = float(v @ p) / (math.sqrt(float(v @ v)) * math.sqrt(float(p @ p)))
                    assert abs(float(maps[b, k, y, x]) - cosine) < 1e-5


def test_score_maps_with_shared_prompts_and_bounds():
    dense = torch.randn(3, 8, 2, 2)
    prompts = torch.randn(4, 8)
    shared = keypoint_score_maps(dense, prompts)
    batched = keypoint_score_maps(dense, prompts.expand(3, -1, -1))
    torch.testing.assert_close(shared, batched)
    assert shared.abs().max() <= 1 + 1e-6
    # A prompt equal to the feature at a position scores exactly 1 there.
    one = keypoint_score_maps(dense, dense[:, :, 1, 0][:, None])
    torch.testing.assert_close(one[:, 0, 1, 0], torch.ones(3))


def test_keypoint_cells_round_and_clamp():
    # stride 32 on an 8x8 grid: 15.9 -> cell 0 and 17 -> cell 1 (truncation would give 0 for
    # both); keypoints outside the image are clamped to the border cells.
    kpts = torch.tensor([[[15.9, 0.0], [17.0, 0.0], [40.0, 33.0], [-50.0, 400.0]]])
    cells = keypoint_cells(kpts, 32, (8, 8))
    assert cells.tolist() == [[0, 1, 1 * 8 + 1, 7 * 8 + 0]]


def test_gather_takes_the_feature_of_the_nearest_cell():
    dense = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
    kpts = torch.tensor([[[0.0, 0.0], [47.0, 16.0]], [[63.0, 63.0], [8.0, 24.0]]])
    weights = torch.ones(2, 2)
    feats, same_weights = gather_keypoint_features(dense, kpts, 16, weights)
    assert same_weights is weights
    assert feats.shape == (2, 2, 3)
    assert torch.equal(feats[0, 0], dense[0, :, 0, 0])
    assert torch.equal(feats[0, 1], dense[0, :, 1, 3])
    assert torch.equal(feats[1, 0], dense[1, :, 3, 3])  # round(63/16)=4 clamped to 3
    assert torch.equal(feats[1, 1], dense[1, :, 2, 0])  # round(24/16)=round(1.5)=2


@pytest.mark.parametrize('x, cell, has_cell, in_bounds', [
    (100.0, 3, True, True),  # trunc(100 / 32 + 0.5) = 3: the plain rule
    (64.0, 2, True, True),
    (40.0, 2, True, True),  # mu = 1 lands on cell 2 (the authors' truncation)
    (3.0, 1, True, True),  # mu = 0 lands on cell 1
    (-20.0, 1, True, True),  # trunc(-0.125) = 0: outside the crop, still cell 1
    (-60.0, 0, True, True),  # mu = -1: cell 0
    (-90.0, 0, False, True),  # mu = -2: no cell, weight kept
    (-130.0, 0, False, True),  # mu = -3: br = trunc(-0.5) = 0, still in bounds
    (-170.0, 0, False, False),  # mu = -4: br = -1, weight 0
    (250.0, 0, False, True),  # mu = 8: off the grid, weight kept
    (300.0, 0, False, True),  # mu = 9
    (320.0, 0, False, False),  # mu = 10: ul = 8 >= 8, weight 0
])
def test_authors_keypoint_cells_follow_their_coarse_target(x, cell, has_cell, in_bounds):
    """Cells of an 8-cell axis, stride 32, as the authors' coarse target puts its 1 (y = 100)."""
    kpts = torch.tensor([[[x, 100.0]]])
    cells, got_cell, got_bounds = authors_keypoint_cells(kpts, 32, (8, 8))
    assert got_bounds.item() == in_bounds
    assert got_cell.item() == has_cell
    if has_cell:
        assert cells.item() == 3 * 8 + cell


def test_authors_rule_zeroes_features_without_a_cell_and_out_of_bounds_weights():
    dense = torch.randn(1, 4, 8, 8)
    kpts = torch.tensor([[[100.0, 100.0], [250.0, 100.0], [320.0, 100.0], [100.0, 40.0]]])
    visible = torch.tensor([[1.0, 1.0, 1.0, 0.0]])
    feats, weights = gather_keypoint_features(dense, kpts, 32, visible, cell_rule='authors')
    assert torch.equal(feats[0, 0], dense[0, :, 3, 3])
    assert torch.equal(feats[0, 1:], torch.zeros(3, 4))  # off grid, out of bounds, invisible
    assert weights.tolist() == [[1.0, 1.0, 0.0, 0.0]]


def test_contrastive_logits():
    v = torch.tensor([[[3.0, 0.0], [0.0, 2.0]]])
    p = torch.tensor([[[1.0, 0.0], [1.0, 1.0]]])
    logits = prompt_contrastive_logits(v, p, torch.tensor(10.0))
    expected = 10 * torch.tensor([[[1.0, 1 / math.sqrt(2)], [0.0, 1 / math.sqrt(2)]]])
    torch.testing.assert_close(logits, expected)


@pytest.mark.parametrize('codec_type,tolerance', [('MSRAHeatmap', 2.0), ('UDPHeatmap', 1e-3)])
def test_keypoints_come_back_from_the_codecs_target_heatmaps(codec_type, tolerance):
    """MSRA draws at the keypoint rounded to the heatmap grid (half of 160 / 40 = 2 px); UDP at
    the keypoint itself. Keypoints at the border and without a target are handled."""
    import numpy as np
    from mmpose.registry import KEYPOINT_CODECS
    codec = KEYPOINT_CODECS.build(dict(type=codec_type, input_size=(160, 128),
                                       heatmap_size=(40, 32), sigma=2))
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(8, [150, 118], size=(1, 12, 2))
    keypoints[0, 0] = (0.0, 0.0)
    keypoints[0, 1] = (150.0, 120.0)
    visible = np.ones((1, 12))
    visible[0, 2] = 0
    heatmaps = torch.from_numpy(codec.encode(keypoints, visible)['heatmaps'])[None]
    found_xy, found = keypoints_from_target_heatmaps(heatmaps, (160, 128),
                                                     udp=codec_type == 'UDPHeatmap')
    assert found_xy.shape == (1, 12, 2)
    assert found.tolist() == [[k != 2 for k in range(12)]]
    error = (found_xy[0] - torch.from_numpy(keypoints[0]).float()).abs()[found[0]]
    assert error.max() <= tolerance
    if codec_type == 'MSRAHeatmap':  # exactly the codec's rounding: round(x / 4) * 4
        expected = torch.from_numpy(np.floor(keypoints[0] / 4 + 0.5) * 4).float()
        assert torch.allclose(found_xy[0][found[0]], expected[found[0]], atol=1e-3)
