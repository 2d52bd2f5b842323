"""The runtime's numpy heatmap decoding equals MMPose's codecs, border peaks included."""
import numpy as np
import pytest
from mmpose.codecs import MSRAHeatmap

from clamp_mmpose.codecs import InteriorRefineMSRAHeatmap
from clamp_mmpose.deploy.topdown import decode_heatmaps


@pytest.mark.parametrize('border_rule, codec_class', [('per_axis', MSRAHeatmap),
                                                      ('interior', InteriorRefineMSRAHeatmap)])
def test_decode_heatmaps_equals_the_codec(border_rule, codec_class):
    rng = np.random.default_rng(0)
    heatmaps = rng.random((4, 17, 12, 16)).astype(np.float32)
    # One peak per map, a third of them in an edge or second row or column.
    for i, k in np.ndindex(4, 17):
        x = rng.choice([0, 1, 15, 14]) if k % 3 == 0 else rng.integers(0, 16)
        y = rng.choice([0, 1, 11, 10]) if k % 3 == 1 else rng.integers(0, 12)
        heatmaps[i, k, y, x] = 2.0
    heatmaps[0, 3] = -1.0  # no positive value: (-1, -1)
    codec = codec_class(input_size=(16, 12), heatmap_size=(16, 12), sigma=2)
    keypoints, scores = decode_heatmaps(heatmaps, border_rule)
    for i in range(4):
        expected, expected_scores = codec.decode(heatmaps[i])
        np.testing.assert_array_equal(keypoints[i], expected[0])
        np.testing.assert_array_equal(scores[i], expected_scores[0])
    other = 'interior' if border_rule == 'per_axis' else 'per_axis'
    assert np.abs(decode_heatmaps(heatmaps, other)[0] - keypoints).max() == 0.25


def test_unknown_border_rule_is_named_and_nan_maps_stay_unmoved():
    heatmaps = np.zeros((1, 2, 8, 8), np.float32)
    heatmaps[0, :, 4, 4] = 1.0
    heatmaps[0, 1, 4, 5] = np.nan  # a NaN neighbour: argmax picks it; nothing moves by NaN
    with pytest.raises(ValueError, match="border_rule must be 'per_axis' or 'interior'"):
        decode_heatmaps(heatmaps, 'authors')
    keypoints, _ = decode_heatmaps(heatmaps[:, :1], 'interior')
    np.testing.assert_array_equal(keypoints[0, 0], [4, 4])
