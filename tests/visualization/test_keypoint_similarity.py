"""OKS as COCO's evaluation defines it (the demo's per-animal score)."""
import math

import numpy as np

from clamp_mmpose.visualization import object_keypoint_similarity


def test_oks():
    gt = np.array([[10.0, 10.0], [20.0, 20.0], [30.0, 30.0]])
    sigmas = np.array([0.1, 0.2, 0.1])
    visible = np.array([True, True, False])
    assert object_keypoint_similarity(gt, gt, visible, 100.0, sigmas) == 1.0
    # One keypoint off by 2 px: exp(-d^2 / (2 s^2 (2 sigma)^2)) with s^2 the area.
    pred = gt + [[0.0, 2.0], [0.0, 0.0], [50.0, 50.0]]  # the unlabelled one does not count
    expected = (math.exp(-4 / (2 * 100.0 * 0.2**2)) + 1) / 2
    assert math.isclose(object_keypoint_similarity(pred, gt, visible, 100.0, sigmas), expected,
                        rel_tol=1e-9)
    assert math.isnan(object_keypoint_similarity(pred, gt, np.zeros(3, bool), 100.0, sigmas))
