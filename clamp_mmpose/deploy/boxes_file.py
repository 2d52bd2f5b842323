"""Per-frame boxes from any detector or tracker, read from the two files they commonly write.

* MOT-challenge text: one box a row, ``frame,id,x,y,w,h,score,...`` (commas or spaces; frames
  counted from 1; ``id`` -1 where the boxes are not tracked; the columns after the score are
  ignored). Ground truth (``gt.txt``) reads the same way, its sixth column as the score.
* COCO detection results JSON: a list of ``{"image_id", "bbox": [x, y, w, h], "score",
  "category_id"}``; ``image_id`` is the frame counted from 1, as in MOT files (and as
  ``clamp-mmpose generate-data --video`` numbers its frames). A COCO data set file (a dict with
  ``images`` and ``annotations``) reads too: each image's ``frame_id`` (0-based), or else its
  place in the ``images`` list, is its frame.

Frames in the result are counted from 0, as the frames of a video are read.
"""
import json
import os.path as osp
from typing import Dict, NamedTuple

import numpy as np

from .contract import DeployError


class FrameBoxes(NamedTuple):
    """The boxes of one frame: ``boxes`` (N, 4) x1 y1 x2 y2 in pixels, ``scores`` (N,) and
    ``ids`` (N,) int, -1 where the file gives none."""
    boxes: np.ndarray
    scores: np.ndarray
    ids: np.ndarray


def _frame_boxes(rows) -> FrameBoxes:
    array = np.asarray(rows, np.float64).reshape(-1, 6)
    xywh = array[:, 2:6]
    boxes = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
    return FrameBoxes(boxes, array[:, 1].copy(), array[:, 0].astype(np.int64))


def _check_row(path: str, where: str, frame: float, xywh, score: float) -> None:
    values = [frame, *xywh, score]
    if not np.isfinite(values).all():
        raise DeployError(f'{path} {where}: a value is not a finite number')
    if frame < 1 or frame != int(frame):
        raise DeployError(f'{path} {where}: frame {frame:g} is not a frame number counted from 1 '
                          f'(MOT files and COCO image ids count frames from 1)')
    if xywh[2] <= 0 or xywh[3] <= 0:
        raise DeployError(f'{path} {where}: box width and height must be positive, got '
                          f'{xywh[2]:g} x {xywh[3]:g} (x, y, w, h in pixels)')


def read_mot(path: str) -> Dict[int, FrameBoxes]:
    """Boxes per 0-based frame from a MOT-challenge text file."""
    rows: Dict[int, list] = {}
    with open(path, encoding='utf-8', errors='replace') as f:
        for number, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith('#'):
                continue
            fields = text.replace(',', ' ').split()
            try:
                values = [float(v) for v in fields[:7]]
            except ValueError:
                values = []
            if len(values) < 6:
                raise DeployError(
                    f'{path} line {number}: {text[:80]!r} is not a MOT row; each row is '
                    f'frame,id,x,y,w,h[,score,...] with numbers (frames counted from 1)')
            frame, track, xywh = values[0], values[1], values[2:6]
            score = values[6] if len(values) > 6 else 1.0
            _check_row(path, f'line {number}', frame, xywh, score)
            rows.setdefault(int(frame) - 1, []).append([track, score, *xywh])
    return {frame: _frame_boxes(r) for frame, r in sorted(rows.items())}


def _coco_entries(path: str, data):
    """(entries, image id -> 1-based frame) of a COCO results list or data set file."""
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict) and isinstance(data.get('annotations'), list) and isinstance(
            data.get('images'), list):
        frames = {}
        for place, image in enumerate(data['images']):
            if not isinstance(image, dict) or 'id' not in image:
                raise DeployError(f'{path}: images[{place}] has no "id"')
            frames[image['id']] = int(image.get('frame_id', place)) + 1
        return data['annotations'], frames
    raise DeployError(f'{path} is JSON but neither a COCO detection results list nor a COCO '
                      f'file with "images" and "annotations"')


def read_coco(path: str) -> Dict[int, FrameBoxes]:
    """Boxes per 0-based frame from COCO detection results (or a COCO data set file)."""
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError) as err:
        raise DeployError(f'{path} is not valid JSON ({err})') from None
    entries, frames = _coco_entries(path, data)
    rows: Dict[int, list] = {}
    for index, entry in enumerate(entries):
        where = f'entry {index}'
        try:
            image_id = entry['image_id']
            xywh = [float(v) for v in entry['bbox']]
            score = float(entry.get('score', 1.0))
            track = float(entry.get('track_id', -1))
        except (TypeError, KeyError, ValueError) as err:
            raise DeployError(f'{path} {where}: {err!r}; each entry needs "image_id", "bbox" '
                              f'[x, y, w, h] and may have "score"') from None
        if len(xywh) != 4:
            raise DeployError(f'{path} {where}: "bbox" has {len(xywh)} numbers, not x, y, w, h')
        frame = frames.get(image_id) if frames is not None else image_id
        if frame is None:
            raise DeployError(f'{path} {where}: image_id {image_id!r} is not in "images"')
        try:
            frame = float(frame)
        except (TypeError, ValueError):
            raise DeployError(f'{path} {where}: image_id {image_id!r} is not a frame number '
                              f'counted from 1') from None
        _check_row(path, where, frame, xywh, score)
        rows.setdefault(int(frame) - 1, []).append([track, score, *xywh])
    return {frame: _frame_boxes(r) for frame, r in sorted(rows.items())}


def read_boxes_file(path: str) -> Dict[int, FrameBoxes]:
    """Boxes per 0-based frame from a MOT text file or a COCO JSON file (by content, not by
    name); a :class:`DeployError` naming the file and the line or entry for anything else."""
    if not osp.isfile(path):
        raise DeployError(f'{path}: no such boxes file')
    with open(path, 'rb') as f:
        head = f.read(64).lstrip()
    if head[:1] in (b'[', b'{'):
        return read_coco(path)
    return read_mot(path)


def check_frame_range(boxes: Dict[int, FrameBoxes], num_frames: int, path: str,
                      source: str) -> None:
    """Every frame of ``boxes`` exists in ``source`` (of ``num_frames`` frames)."""
    beyond = [frame for frame in boxes if frame >= num_frames]
    if beyond:
        raise DeployError(
            f'{path} has boxes for frame {min(beyond) + 1} (counted from 1) but {source} has '
            f'{num_frames} frames: the boxes file belongs to another video, or counts frames '
            f'from 0 (MOT and COCO count from 1)')
