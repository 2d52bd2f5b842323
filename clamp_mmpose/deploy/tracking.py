"""Identities of boxes across the frames of a video: ByteTrack, by supervision, without torch.

Top-down pose estimation on video runs per frame; smoothing keypoints over time
(:mod:`.smoothing`) and drawing one animal in one colour need to know which box of this frame
is which animal of the last. :class:`BoxTracker` gives each box a track id with ByteTrack
(Zhang et al., ECCV 2022: a Kalman filter on each box, matched by IoU, high-score boxes first,
then low-score ones to keep tracks alive through occlusion), as ``supervision`` implements it.

``supervision.ByteTrack`` was removed in supervision 0.31 in favour of the ``trackers``
package, which needs numpy 2 (this project pins numpy 1.26 for xtcocotools); the project pins
supervision 0.30.9, the last release with it.
"""
import warnings

import numpy as np

# The settings of supervision's ByteTrack that BoxTracker passes on, with its defaults.
BYTETRACK_DEFAULTS = dict(
    # Boxes scoring at least this are matched first; a new track needs 0.1 more. Boxes between
    # 0.1 and this only keep existing tracks alive (ByteTrack's second association).
    track_activation_threshold=0.25,
    # Frames (counted at 30 fps: scaled by frame_rate / 30) a lost track waits to be found
    # again with its id before it is dropped.
    lost_track_buffer=30,
    # IoU-and-score cost (1 - IoU * score) below which a box may match a track.
    minimum_matching_threshold=0.8,
    # Frames a track must be matched in a row before it gets an id.
    minimum_consecutive_frames=1,
)


# The IoU a box needs with a track's filtered box to take that track's id (see update).
MIN_MATCH_IOU = 0.1


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) IoU of boxes ``a`` (N, 4) and ``b`` (M, 4), both x0, y0, x1, y1."""
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(bottom_right - top_left, 0, None).prod(-1)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(-1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(-1)
    return inter / np.maximum(area_a[:, None] + area_b[None] - inter, 1e-9)


class BoxTracker:
    """Track ids for the boxes of successive frames.

    Args:
        frame_rate (float): frames per second of the video (scales ``lost_track_buffer``).
        **bytetrack_settings: any of :data:`BYTETRACK_DEFAULTS` (the defaults are
            supervision's).

    A box gets -1 while it is not part of a confirmed track: a track born after the first
    frame gets its id on its second matched frame (one more frame per extra
    ``minimum_consecutive_frames``), and a low-score box that continues no track stays -1.
    An id is never given to two tracks; one that is lost for longer than the buffer is not
    given again.
    """

    def __init__(self, frame_rate=25, **bytetrack_settings):
        unknown = set(bytetrack_settings) - set(BYTETRACK_DEFAULTS)
        if unknown:
            raise TypeError(f'unknown ByteTrack settings {sorted(unknown)}; known: '
                            f'{sorted(BYTETRACK_DEFAULTS)}')
        if frame_rate <= 0:
            raise ValueError(f'frame_rate must be positive, got {frame_rate}')
        self.settings = dict(BYTETRACK_DEFAULTS, **bytetrack_settings)
        self.frame_rate = float(frame_rate)
        import supervision as sv
        with warnings.catch_warnings():
            # Its notice that ByteTrack moved to `trackers` (see the module docstring).
            warnings.simplefilter('ignore')
            self._tracker = sv.ByteTrack(frame_rate=self.frame_rate, **self.settings)

    def update(self, boxes, scores):
        """Track one frame's boxes.

        Args:
            boxes (array-like): ``(N, 4)`` boxes ``x0, y0, x1, y1`` in pixels.
            scores (array-like): ``(N,)`` detection scores in ``[0, 1]``.

        Returns:
            numpy.ndarray: ``(N,)`` int track ids (from 1), aligned with ``boxes``; -1 for a
            box that is not (yet) part of a confirmed track. Call it for every frame, also
            for frames without boxes, so that lost tracks age.
        """
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        scores = np.asarray(scores, np.float32).reshape(-1)
        if len(scores) != len(boxes):
            raise ValueError(f'{len(boxes)} boxes but {len(scores)} scores')
        tensors = np.concatenate([boxes, scores[:, None]], axis=1)
        tracks = self._tracker.update_with_tensors(tensors)
        ids = np.full(len(boxes), -1, int)
        if not tracks or not len(boxes):
            return ids
        # Every returned track was matched to one of these boxes in this frame, but ByteTrack
        # keeps only the Kalman-filtered box, not which input it was. supervision's own
        # update_with_detections maps them back at IoU > 0.5, which drops animals whose box
        # changes shape quickly (entering the frame, turning): their filtered box lags. One
        # assignment at a low IoU floor finds the same pairs without the drops.
        from scipy.optimize import linear_sum_assignment
        overlap = box_iou(boxes, np.array([track.tlbr for track in tracks], np.float64))
        rows, cols = linear_sum_assignment(-overlap)
        for row, col in zip(rows, cols):
            if overlap[row, col] > MIN_MATCH_IOU:
                ids[row] = int(tracks[col].external_track_id)
        return ids

    def reset(self):
        """Forget every track (a new video); ids start from 1 again."""
        self._tracker.reset()
