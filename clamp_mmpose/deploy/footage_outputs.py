"""The files `clamp-mmpose infer` writes for one input, none of which looks complete until all is.

For an input ``<stem>`` (an image, a folder of images or a video), into the output folder:

* ``<stem>.mp4`` (video), ``<stem>.jpg`` (image) or ``<stem>/`` (folder): the frames with each
  instance's box, track id and skeleton drawn;
* ``<stem>.json``: per frame, each instance's ``track_id`` (``null`` when not tracked), ``bbox``
  (x1, y1, x2, y2), ``bbox_score``, ``keypoints`` (K x 2 pixels) and ``keypoint_scores``, with the
  keypoint names and skeleton;
* ``<stem>.coco.json``: COCO keypoint results (``image_id`` = frame counted from 1, as
  ``clamp-mmpose generate-data --video`` numbers its images; ``category_id`` 1, as the pose
  model does not tell species apart; ``score`` = box score x mean keypoint score; ``track_id``
  when tracked), for xtcocotools' / MMPose's evaluation;
* ``<stem>.csv``: DeepLabCut's multi-animal table: four header rows (scorer, individuals,
  bodyparts, coords = x, y, likelihood), then one row per frame; an individual absent from a
  frame has NaN in its cells. Individuals are ``track<id>`` when tracked, else ``animal<i>``
  in each frame's order.

Everything is written under temporary names and renamed at :meth:`FootageOutputs.commit`; a run
that fails calls :meth:`FootageOutputs.abort`, which removes them, so earlier results of the same
name stay as they were and nothing half-written looks finished.
"""
import csv
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional

import cv2
import numpy as np

from .drawing import draw_instances


def individual_name(inst: dict, order: int) -> str:
    return f'animal{order}' if inst['track_id'] is None else f'track{inst["track_id"]}'


class FootageOutputs:
    """Collects one input's frames and instances and writes the four outputs.

    Args:
        out_dir: the output folder (made if missing).
        stem: the input's name without extension.
        kind: ``'image'``, ``'folder'`` or ``'video'``.
        keypoint_names, skeleton: the pose model's (``skeleton`` as 0-based pairs).
        fps: the video's frame rate (written into the JSON and the labelled video).
        header: extra JSON entries (input path, box source, ...).
        kpt_thr: keypoints scored at most this are not drawn (all are written).
    """

    def __init__(self, out_dir: str, stem: str, kind: str, keypoint_names: List[str],
                 skeleton, fps: float = 25.0, header: Optional[dict] = None,
                 kpt_thr: float = 0.3):
        os.makedirs(out_dir, exist_ok=True)
        self.kind, self.fps, self.kpt_thr = kind, fps, kpt_thr
        self.keypoint_names, self.skeleton = list(keypoint_names), list(skeleton)
        self.header = dict(header or {})
        visual = {'video': stem + '.mp4', 'image': stem + '.jpg', 'folder': stem}[kind]
        self.final = dict(visual=osp.join(out_dir, visual), json=osp.join(out_dir, stem + '.json'),
                          coco=osp.join(out_dir, stem + '.coco.json'),
                          csv=osp.join(out_dir, stem + '.csv'))
        self.partial = {key: self._partial_name(path) for key, path in self.final.items()}
        self.frames: List[dict] = []
        self._writer = None
        if kind == 'folder':
            os.makedirs(self.partial['visual'], exist_ok=True)

    @staticmethod
    def _partial_name(path: str) -> str:
        root, ext = osp.splitext(path)
        if path.endswith('.coco.json'):
            root, ext = path[:-len('.coco.json')], '.coco.json'
        return f'{root}.partial{ext}'

    def add(self, index: int, name: str, image: np.ndarray, instances: List[dict]) -> None:
        """Record frame ``index`` (named ``name``) and write it with ``instances`` drawn (the
        image is drawn on)."""
        self.frames.append(dict(frame=index, name=name, instances=instances))
        drawn = draw_instances(image, instances, self.skeleton, self.kpt_thr)
        if self.kind == 'video':
            if self._writer is None:
                height, width = image.shape[:2]
                self.header.setdefault('width', width)
                self.header.setdefault('height', height)
                self._writer = cv2.VideoWriter(self.partial['visual'],
                                               cv2.VideoWriter_fourcc(*'mp4v'), self.fps,
                                               (width, height))
            self._writer.write(drawn)
        elif self.kind == 'image':
            cv2.imwrite(self.partial['visual'], drawn)
        else:
            cv2.imwrite(osp.join(self.partial['visual'], osp.splitext(name)[0] + '.jpg'), drawn)

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def commit(self) -> Dict[str, str]:
        """Write the JSON, COCO and CSV files and rename all four to their final names."""
        self._close_writer()
        self._write_json(self.partial['json'])
        self._write_coco(self.partial['coco'])
        self._write_csv(self.partial['csv'])
        for key, final in self.final.items():
            if osp.isdir(final) and not osp.islink(final):
                shutil.rmtree(final)
            os.replace(self.partial[key], final)
        return dict(self.final)

    def abort(self) -> None:
        """Remove everything written so far (the final names are untouched)."""
        self._close_writer()
        for path in self.partial.values():
            if osp.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            elif osp.exists(path):
                os.remove(path)

    def _write_json(self, path: str) -> None:
        doc = dict(self.header, kind=self.kind, fps=self.fps,
                   keypoint_names=self.keypoint_names,
                   skeleton=[list(map(int, link)) for link in self.skeleton],
                   frames=[dict(frame=f['frame'], name=f['name'],
                                instances=[_json_instance(i) for i in f['instances']])
                           for f in self.frames])
        with open(path, 'w') as f:
            json.dump(doc, f)

    def _write_coco(self, path: str) -> None:
        results = []
        for frame in self.frames:
            for inst in frame['instances']:
                kpts = np.concatenate([np.asarray(inst['keypoints'], np.float64),
                                       np.asarray(inst['keypoint_scores'], np.float64)[:, None]],
                                      axis=1)
                x1, y1, x2, y2 = (float(v) for v in inst['bbox'])
                entry = dict(image_id=frame['frame'] + 1, category_id=1,
                             keypoints=[round(float(v), 3) for v in kpts.ravel()],
                             score=round(float(inst['bbox_score'] *
                                               np.mean(inst['keypoint_scores'])), 5),
                             bbox=[round(v, 2) for v in (x1, y1, x2 - x1, y2 - y1)])
                if inst['track_id'] is not None:
                    entry['track_id'] = int(inst['track_id'])
                results.append(entry)
        with open(path, 'w') as f:
            json.dump(results, f)

    def _write_csv(self, path: str) -> None:
        individuals: List[str] = []
        rows = []
        for frame in self.frames:
            cells = {}
            for order, inst in enumerate(frame['instances']):
                who = individual_name(inst, order)
                if who not in individuals:
                    individuals.append(who)
                cells[who] = inst
            rows.append((frame['frame'], cells))
        k = len(self.keypoint_names)
        with open(path, 'w', newline='') as f:
            out = csv.writer(f)
            out.writerow(['scorer'] + ['clamp-mmpose'] * (3 * k * len(individuals)))
            out.writerow(['individuals'] + [who for who in individuals for _ in range(3 * k)])
            out.writerow(['bodyparts'] + [n for _ in individuals for n in self.keypoint_names
                                          for _ in range(3)])
            out.writerow(['coords'] + ['x', 'y', 'likelihood'] * (k * len(individuals)))
            for index, cells in rows:
                line = [index]
                for who in individuals:
                    inst = cells.get(who)
                    if inst is None:
                        # 'NaN', not an empty cell: pandas takes a first data row of empty cells
                        # for the index-name row and drops it.
                        line += ['NaN'] * (3 * k)
                        continue
                    for (x, y), s in zip(inst['keypoints'], inst['keypoint_scores']):
                        line += [f'{x:.2f}', f'{y:.2f}', f'{s:.4f}']
                out.writerow(line)


def _json_instance(inst: dict) -> dict:
    return dict(track_id=None if inst['track_id'] is None else int(inst['track_id']),
                bbox=[round(float(v), 2) for v in inst['bbox']],
                bbox_score=round(float(inst['bbox_score']), 5),
                keypoints=np.round(np.asarray(inst['keypoints'], np.float64), 2).tolist(),
                keypoint_scores=np.round(np.asarray(inst['keypoint_scores'], np.float64),
                                         4).tolist())
