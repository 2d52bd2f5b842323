"""InteriorRefineMSRAHeatmap: MMPose's MSRA codec with MMPose 0.x's border rule."""
import numpy as np
import pytest
from mmpose.codecs import MSRAHeatmap
from mmpose.registry import KEYPOINT_CODECS

from clamp_mmpose.codecs import InteriorRefineMSRAHeatmap
from clamp_mmpose.deploy.topdown import decode_heatmaps

W, H = 16, 12


def one_peak(x, y, k=1):
    """(k, H, W) maps with one peak at (x, y); the right and lower neighbours are higher than
    the left and upper ones, so a refined peak moves by (+0.25, +0.25)."""
    heatmaps = np.full((k, H, W), 0.01, np.float32)
    heatmaps[:, y, x] = 1.0
    if x + 1 < W:
        heatmaps[:, y, x + 1] = 0.6
    if x > 0:
        heatmaps[:, y, x - 1] = 0.2
    if y + 1 < H:
        heatmaps[:, y + 1, x] = 0.6
    if y > 0:
        heatmaps[:, y - 1, x] = 0.2
    return heatmaps


@pytest.mark.parametrize('x, y, moved', [
    (5, 5, True), (2, 2, True), (W - 2, H - 2, True),
    (0, 5, False), (1, 5, False), (W - 1, 5, False),
    (5, 0, False), (5, 1, False), (5, H - 1, False), (0, 0, False), (W - 1, H - 1, False),
])
def test_only_peaks_strictly_inside_on_both_axes_move(x, y, moved):
    refined = decode_heatmaps(one_peak(x, y)[None], border_rule='interior')[0][0]
    expected = [x + 0.25, y + 0.25] if moved else [x, y]
    np.testing.assert_array_equal(refined[0], expected)


def test_peak_on_an_edge_row_differs_from_mmpose_1x():
    """MMPose 1.x still moves a peak in the last row along x; MMPose 0.x does not move it."""
    codec_args = dict(input_size=(4 * W, 4 * H), heatmap_size=(W, H), sigma=2)
    heatmaps = one_peak(6, H - 1)
    ours, _ = InteriorRefineMSRAHeatmap(**codec_args).decode(heatmaps)
    mmpose, _ = MSRAHeatmap(**codec_args).decode(heatmaps)
    np.testing.assert_allclose(ours[0, 0], [6 * 4, (H - 1) * 4])
    np.testing.assert_allclose(mmpose[0, 0], [6.25 * 4, (H - 1) * 4])


def test_interior_peaks_decode_as_mmpose_does():
    rng = np.random.default_rng(0)
    codec_args = dict(input_size=(4 * W, 4 * H), heatmap_size=(W, H), sigma=2)
    heatmaps = np.concatenate([one_peak(x, y) for x, y in rng.integers(2, 10, (8, 2))])
    heatmaps += rng.uniform(0, 0.001, heatmaps.shape).astype(np.float32)
    ours, our_scores = InteriorRefineMSRAHeatmap(**codec_args).decode(heatmaps)
    mmpose, mmpose_scores = MSRAHeatmap(**codec_args).decode(heatmaps)
    np.testing.assert_array_equal(ours, mmpose)
    np.testing.assert_array_equal(our_scores, mmpose_scores)


def test_map_without_a_positive_value_gives_minus_one():
    heatmaps = np.concatenate([one_peak(4, 4), -np.ones((1, H, W), np.float32)])
    keypoints, scores = InteriorRefineMSRAHeatmap(
        input_size=(W, H), heatmap_size=(W, H), sigma=2).decode(heatmaps)
    np.testing.assert_array_equal(keypoints[0, 1], [-1, -1])
    assert scores[0, 1] == -1
    np.testing.assert_array_equal(keypoints[0, 0], [4.25, 4.25])


def test_registered_and_encodes_as_msra():
    codec = KEYPOINT_CODECS.build(dict(type='InteriorRefineMSRAHeatmap', input_size=(64, 48),
                                       heatmap_size=(16, 12), sigma=2))
    keypoints = np.array([[[10.0, 20.0], [40.0, 8.0]]], np.float32)
    visible = np.ones((1, 2), np.float32)
    ours = codec.encode(keypoints, visible)
    theirs = MSRAHeatmap(input_size=(64, 48), heatmap_size=(16, 12), sigma=2).encode(
        keypoints, visible)
    np.testing.assert_array_equal(ours['heatmaps'], theirs['heatmaps'])


def test_unbiased_is_refused():
    with pytest.raises(ValueError, match='DARK'):
        InteriorRefineMSRAHeatmap(input_size=(64, 64), heatmap_size=(16, 16), sigma=2,
                                  unbiased=True)
