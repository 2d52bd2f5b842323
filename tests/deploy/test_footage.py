"""The per-frame pipeline: boxes from a source, identities, poses, smoothing, and the frames
between detections following the last poses (a stand-in pose model: the ONNX model itself is
tested in test_runtime.py)."""
import numpy as np
import pytest

from clamp_mmpose.deploy.boxes_file import FrameBoxes
from clamp_mmpose.deploy.footage import (DetectorBoxes, FileBoxes, FixedBoxes, FootagePipeline,
                                         boxes_from_poses)


class CentrePose:
    """Three keypoints in each box: its centre, and +-10 px around it; score 0.9."""
    keypoint_names = ['a', 'b', 'c']

    def __init__(self):
        self.calls = []

    def predict(self, image, boxes, flip_test=None, image_name=''):
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        self.calls.append(boxes)
        centre = 0.5 * (boxes[:, :2] + boxes[:, 2:])
        kpts = centre[:, None] + np.array([[0, 0], [-10, 0], [10, 0]])[None]
        return kpts.astype(np.float32), np.full((len(boxes), 3), 0.9, np.float32)


class MovingDetector:
    """One animal moving 5 px right per call, a weak false box, a sliver and a box below the
    120-pixel-high image."""

    def __init__(self):
        self.calls = 0

    def predict(self, image, score_thr=None):
        x = 20 + 5 * self.calls
        self.calls += 1
        boxes = np.array([[x, 20, x + 40, 60], [100, 10, 110, 20], [50, 50, 50.5, 70],
                          [10, 130, 40, 150]])  # the last in the letterbox padding
        return boxes, np.array([0.9, 0.2, 0.8, 0.7]), np.array([15, 15, 15, 15])


class OrderTracker:
    """Ids 1, 2, ... by box order; scores at most 0.25 are no track (-1)."""

    def update(self, boxes, scores):
        return np.where(np.asarray(scores) > 0.25, np.arange(1, len(boxes) + 1), -1)


IMAGE = np.zeros((120, 160, 3), np.uint8)


def test_fixed_and_whole_image_boxes():
    pipeline = FootagePipeline(CentrePose(), FixedBoxes(None))
    (inst, ) = pipeline(0, IMAGE)
    np.testing.assert_allclose(inst['bbox'], [0, 0, 160, 120])
    assert inst['track_id'] is None
    two = FootagePipeline(CentrePose(), FixedBoxes([[0, 0, 10, 10], [5, 5, 50, 50]]))
    assert len(two(0, IMAGE)) == 2


def test_tracker_ids_and_dropped_leftovers():
    pose = CentrePose()
    pipeline = FootagePipeline(pose, DetectorBoxes(MovingDetector()), tracker=OrderTracker())
    (inst, ) = pipeline(0, IMAGE)  # the weak box is no track: no pose is estimated in it
    assert inst['track_id'] == 1 and len(pose.calls[0]) == 1
    # Without a tracker, the sliver (half a pixel wide) and the box outside are dropped all
    # the same.
    assert len(FootagePipeline(pose, DetectorBoxes(MovingDetector()))(0, IMAGE)) == 2


def test_frames_between_detections_follow_the_last_poses():
    pose, detector = CentrePose(), MovingDetector()
    pipeline = FootagePipeline(pose, DetectorBoxes(detector, every=3), tracker=OrderTracker())
    boxes = [pipeline(i, IMAGE)[0]['bbox'] for i in range(4)]
    assert detector.calls == 2  # frames 0 and 3
    np.testing.assert_allclose(boxes[1], boxes[0])  # the stand-in's poses sit at box centres
    np.testing.assert_allclose(boxes[3], [25, 20, 65, 60])
    assert pipeline.previous[0]['track_id'] == 1


def test_boxes_from_poses_move_with_the_keypoints_and_stay_in_the_image():
    inst = dict(track_id=3, bbox=np.array([10, 10, 50, 50.0]), bbox_score=0.8,
                keypoints=np.array([[40, 30], [60, 30], [0, 0]]),
                keypoint_scores=np.array([0.9, 0.9, 0.1]))  # the unsure one is ignored
    found = boxes_from_poses([inst], 160, 120, kpt_thr=0.3)
    np.testing.assert_allclose(found.boxes, [[30, 10, 70, 50]])
    assert found.ids.tolist() == [3] and found.scores.tolist() == [0.8]
    inst['keypoints'] = inst['keypoints'] + [120, 0]  # partly beyond the right edge: clipped
    np.testing.assert_allclose(boxes_from_poses([inst], 160, 120, 0.3).boxes,
                               [[150, 10, 160, 50]])
    inst['keypoints'] = inst['keypoints'] + [40, 0]  # wholly beyond it: the animal has left
    assert len(boxes_from_poses([inst], 160, 120, 0.3).boxes) == 0


def test_max_instances_keeps_the_best_scored_and_file_ids_pass_through():
    frame = FrameBoxes(np.array([[0, 0, 10, 10], [20, 20, 40, 40], [50, 50, 60, 60.0]]),
                       np.array([0.3, 0.9, 0.5]), np.array([5, 6, 7]))
    pipeline = FootagePipeline(CentrePose(), FileBoxes({0: frame}), max_instances=2)
    assert [i['track_id'] for i in pipeline(0, IMAGE)] == [6, 7]
    assert pipeline(1, IMAGE) == []  # a frame the file does not list


def test_smoother_sees_tracked_keypoints_only():
    seen = []

    class Recorder:
        def smooth(self, ids, keypoints, frame_index):
            seen.append((ids.tolist(), frame_index))
            return keypoints + 1

    pipeline = FootagePipeline(CentrePose(), DetectorBoxes(MovingDetector()),
                               tracker=OrderTracker(), smoother=Recorder())
    (inst, ) = pipeline(4, IMAGE)
    assert seen == [([1], 4)] and inst['keypoints'][0, 0] == pytest.approx(41)
    untracked = FootagePipeline(CentrePose(), FixedBoxes(None), smoother=Recorder())
    untracked(5, IMAGE)
    assert len(seen) == 1


def test_file_boxes_are_clipped_to_the_image():
    frame = FrameBoxes(np.array([[150, 100, 200, 200], [170, 10, 190, 30.0]]),
                       np.array([0.9, 0.8]), np.array([1, 2]))
    (inst, ) = FootagePipeline(CentrePose(), FileBoxes({0: frame}))(0, IMAGE)
    np.testing.assert_allclose(inst['bbox'], [150, 100, 160, 120])  # the other lies outside
    assert inst['track_id'] == 1
