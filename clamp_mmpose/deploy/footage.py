"""Footage in, tracked keypoints out: boxes, identities, poses and smoothing for each frame.

One frame goes through :class:`FootagePipeline` in this order:

1. **boxes** from a box source: a :class:`~.detector.Detector` (every frame, or every
   ``detect_every`` frames, the frames between following the animals' last poses), a boxes file
   (:mod:`.boxes_file`) or fixed boxes (``--bboxes`` / ``--whole-image``);
2. **identities** from a :class:`~.tracking.BoxTracker` (ByteTrack), or the ids the boxes file
   carries; detections that are no confirmed track are dropped;
3. **poses** from the :class:`~.runtime.OnnxPoseModel` in each box;
4. **smoothing** of each track's keypoints over time (:class:`~.smoothing.KeypointSmoother`,
   One-Euro).

No torch: numpy, OpenCV, ONNX Runtime and supervision only.
"""
from typing import Dict, List, Optional

import numpy as np

from .boxes_file import FrameBoxes

NO_IDS = -1


def _frame(boxes, scores, ids=None) -> FrameBoxes:
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    scores = np.asarray(scores, np.float64).reshape(-1)
    ids = np.full(len(boxes), NO_IDS, np.int64) if ids is None else np.asarray(ids, np.int64)
    return FrameBoxes(boxes, scores, ids)


def inside_image(found: FrameBoxes, image: np.ndarray) -> FrameBoxes:
    """``found`` clipped to the image, less what is then under a pixel wide or high.

    Detectors clip boxes to their letterboxed input, so boxes may lie in its padding, beyond
    the image (mmdet's do too), or be slivers; neither holds an animal, and the pose model
    refuses both."""
    height, width = image.shape[:2]
    boxes = np.clip(found.boxes, 0, [width, height, width, height])
    keep = ((boxes[:, 2:] - boxes[:, :2]) >= 1).all(axis=1)
    return FrameBoxes(boxes[keep], found.scores[keep], found.ids[keep])


class FixedBoxes:
    """The same boxes in every frame (``None``: the whole frame)."""

    def __init__(self, boxes: Optional[np.ndarray] = None):
        self.fixed = None if boxes is None else np.asarray(boxes, np.float64).reshape(-1, 4)

    def __call__(self, index: int, image: np.ndarray) -> FrameBoxes:
        boxes = self.fixed if self.fixed is not None else \
            np.array([[0, 0, image.shape[1], image.shape[0]]], np.float64)
        return _frame(boxes, np.ones(len(boxes)))


class FileBoxes:
    """Boxes per frame read from a file (:func:`.boxes_file.read_boxes_file`), clipped to the
    image (:func:`inside_image`); a frame the file does not list has none."""

    def __init__(self, boxes_by_frame: Dict[int, FrameBoxes]):
        self.boxes_by_frame = boxes_by_frame

    def __call__(self, index: int, image: np.ndarray) -> FrameBoxes:
        found = self.boxes_by_frame.get(index) or _frame(np.zeros((0, 4)), np.zeros(0))
        return inside_image(found, image)


class DetectorBoxes:
    """Boxes from a detector on every ``every``-th frame (``None`` on the others: the pipeline
    then follows the previous poses)."""

    def __init__(self, detector, score_thr: Optional[float] = None, every: int = 1):
        if every < 1:
            raise ValueError(f'detect every {every} frames: give 1 or more')
        self.detector, self.score_thr, self.every = detector, score_thr, every

    def __call__(self, index: int, image: np.ndarray) -> Optional[FrameBoxes]:
        if index % self.every:
            return None
        boxes, scores, _ = self.detector.predict(image, score_thr=self.score_thr)
        return inside_image(_frame(boxes, scores), image)


def boxes_from_poses(instances: List[dict], width: int, height: int,
                     kpt_thr: float) -> FrameBoxes:
    """Boxes for the next frame from this frame's poses: each box keeps its size and moves its
    centre to the centre of the instance's keypoints scored above ``kpt_thr`` (as it was where
    none are), clipped to the image; ids and box scores carry over."""
    boxes, scores, ids = [], [], []
    for inst in instances:
        box = np.asarray(inst['bbox'], np.float64)
        kpts = np.asarray(inst['keypoints'], np.float64)
        sure = kpts[np.asarray(inst['keypoint_scores']) > kpt_thr]
        if len(sure):
            shift = 0.5 * (sure.min(0) + sure.max(0)) - 0.5 * (box[:2] + box[2:])
            box = box + np.tile(shift, 2)
        box = np.clip(box, 0, [width, height, width, height])
        if box[2] - box[0] >= 1 and box[3] - box[1] >= 1:
            boxes.append(box)
            scores.append(inst['bbox_score'])
            ids.append(NO_IDS if inst['track_id'] is None else inst['track_id'])
    return _frame(boxes, scores, ids)


class FootagePipeline:
    """Per-frame instances (``track_id``, ``bbox``, ``bbox_score``, ``keypoints`` (K, 2),
    ``keypoint_scores`` (K,)) of one input's frames, in order.

    Args:
        pose_model: an :class:`~.runtime.OnnxPoseModel`.
        box_source: ``(frame index, image) -> FrameBoxes`` or ``None`` (follow the last poses).
        tracker: a :class:`~.tracking.BoxTracker`, or ``None`` (then the boxes' own ids, if any).
        smoother: a :class:`~.smoothing.KeypointSmoother` for tracked keypoints, or ``None``.
        max_instances: keep at most this many boxes per frame, the highest scored.
        flip_test: as :meth:`~.runtime.OnnxPoseModel.predict`.
        kpt_thr: keypoints that place the boxes of frames between detections.
    """

    def __init__(self, pose_model, box_source, tracker=None, smoother=None,
                 max_instances: Optional[int] = None, flip_test: Optional[bool] = None,
                 kpt_thr: float = 0.3):
        self.pose_model, self.box_source = pose_model, box_source
        self.tracker, self.smoother = tracker, smoother
        self.max_instances, self.flip_test, self.kpt_thr = max_instances, flip_test, kpt_thr
        self.previous: List[dict] = []

    def _boxes(self, index: int, image: np.ndarray) -> FrameBoxes:
        found = self.box_source(index, image)
        if found is None:  # between detections: the animals where their poses were
            return boxes_from_poses(self.previous, image.shape[1], image.shape[0], self.kpt_thr)
        if self.tracker is not None:
            ids = np.asarray(self.tracker.update(found.boxes, found.scores), np.int64)
            keep = ids >= 0  # ByteTrack's unconfirmed and low-score leftovers are no animal
            found = FrameBoxes(found.boxes[keep], found.scores[keep], ids[keep])
        return found

    def __call__(self, index: int, image: np.ndarray, name: str = 'the frame') -> List[dict]:
        found = self._boxes(index, image)
        order = np.argsort(-found.scores, kind='stable')[:self.max_instances]
        boxes, scores, ids = found.boxes[order], found.scores[order], found.ids[order]
        keypoints, keypoint_scores = self.pose_model.predict(image, boxes,
                                                             flip_test=self.flip_test,
                                                             image_name=name)
        tracked = (ids >= 0).all() and len(ids)
        if self.smoother is not None and tracked:
            keypoints = self.smoother.smooth(ids, keypoints, index)
        self.previous = [
            dict(track_id=int(i) if i >= 0 else None, bbox=box, bbox_score=float(score),
                 keypoints=kpt, keypoint_scores=kpt_score)
            for box, score, i, kpt, kpt_score in zip(boxes, scores, ids, keypoints,
                                                     keypoint_scores)]
        return self.previous
