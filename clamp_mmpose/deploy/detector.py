"""An exported one-stage detector (ONNX graph + JSON) run with ONNX Runtime, numpy and OpenCV.

    from clamp_mmpose.deploy import Detector, read_image
    detector = Detector('detector/')     # the folder `clamp-mmpose export-detector` wrote
    boxes, scores, labels = detector.predict(read_image('farm.jpg'), score_thr=0.3)

The graph holds only the network (letterboxed image -> per-anchor class logits and box
distances); preprocessing as mmdet's test pipeline (``Resize`` keep_ratio, ``Pad``) and the
decoding, thresholds and NMS of mmdet's dense heads (:mod:`.detection`) run here, so the boxes
are mmdet's ``inference_detector``'s, then cut to the kept classes. No torch, mmcv, mmengine,
mmdet or mmpose is imported.
"""
import numbers
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import numpy as np

from . import detection
from .contract import DeployError
from .detector_contract import find_detector_file, read_detector_file
from .inputs import as_bgr8
from .runtime import cpu_session

__all__ = ['Detector', 'check_detector_graph', 'letterbox']


def letterbox(image: np.ndarray, input_size: Sequence[int], pad_value: Sequence[float]):
    """(padded (H, W, 3) uint8 image, (w, h) scale factors) for a BGR ``image``.

    As mmdet's ``Resize(scale=input_size, keep_ratio=True)``, bilinear through OpenCV, then
    ``Pad(size=input_size)`` at the bottom and right: the factors are the rounded new size over
    the old one per axis, as mmdet stores them to rescale boxes.
    """
    height, width = image.shape[:2]
    new_w, new_h, _ = detection.rescaled_size(width, height, input_size)
    if new_w > input_size[0] or new_h > input_size[1]:
        raise DeployError(f'a {width}x{height} image resizes to {new_w}x{new_h}, over the '
                          f'detector\'s {input_size[0]}x{input_size[1]} input (mmdet would fail '
                          f'too): export with a square input size')
    if not new_w or not new_h:
        raise DeployError(f'a {width}x{height} image resizes to {new_w}x{new_h} pixels for the '
                          f'detector\'s {input_size[0]}x{input_size[1]} input: crop it to a '
                          f'less extreme aspect ratio')
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    padded = np.empty((input_size[1], input_size[0], 3), np.uint8)
    padded[...] = np.asarray(pad_value, np.float64).round().astype(np.uint8)
    padded[:new_h, :new_w] = resized
    return padded, (new_w / width, new_h / height)


def check_detector_graph(inputs, outputs, meta: dict, onnx_file: str, det_file: str) -> None:
    """The graph takes one (1, 3, H, W) float image and gives (1, A, C) logits and (1, A, 4)
    distances, with (W, H), C and A (anchors of all strides) those of ``meta``; ``inputs`` and
    ``outputs`` are ONNX Runtime's ``get_inputs()`` / ``get_outputs()``."""
    width, height = meta['input_size']
    anchors = sum(w * h for w, h in detection.level_sizes(meta['input_size'], meta['strides']))
    expected = [[1, 3, height, width]], [[1, anchors, len(meta['class_names'])], [1, anchors, 4]]
    got = [list(i.shape or []) for i in inputs], [list(o.shape or []) for o in outputs]
    fine = all(len(g) == len(e) and all(
        len(gs) == len(es) and all(not isinstance(a, int) or a == b for a, b in zip(gs, es))
        for gs, es in zip(g, e)) for g, e in zip(got, expected))
    if not fine:
        raise DeployError(
            f'{onnx_file} takes {got[0]} and gives {got[1]}, but {det_file} says it takes '
            f'{expected[0]} and gives {expected[1]} ({len(meta["class_names"])} classes, '
            f'{anchors} anchors): the two files come from different exports; export again.')


def _num_threads(num_threads) -> Optional[int]:
    if num_threads is not None and (isinstance(num_threads, bool) or not isinstance(
            num_threads, numbers.Integral) or num_threads < 0):
        raise DeployError(f'num_threads={num_threads!r}: give a number of threads >= 1, or '
                          f'None (or 0) for ONNX Runtime\'s default')
    return num_threads and int(num_threads)


class Detector:
    """An object detector exported by ``clamp-mmpose export-detector``.

    Args:
        det_dir: the export's output folder, or its ``.detector.json``.
        num_threads: ONNX Runtime's intra-op threads (``None`` or 0: its default).
        classes: the class names to keep (default: the JSON's ``classes``); each must be one of
            the model's ``class_names``.
    """

    def __init__(self, det_dir: str, num_threads: Optional[int] = None,
                 classes: Optional[Sequence[str]] = None):
        threads = _num_threads(num_threads)
        self.det_file = find_detector_file(det_dir)
        self.meta = read_detector_file(self.det_file)
        self.class_names: List[str] = list(self.meta['class_names'])
        self.classes: List[str] = self._kept(self.meta['classes'] if classes is None
                                             else classes)
        self._kept_labels = np.array([self.class_names.index(c) for c in self.classes])
        onnx_file = osp.join(osp.dirname(self.det_file), self.meta['onnx'])
        if not osp.isfile(onnx_file):
            raise DeployError(f'{onnx_file}: no such file, named by {self.det_file}. Copy the '
                              f'ONNX graph beside its .detector.json, or export again.')
        try:
            self.session = cpu_session(onnx_file, threads)
        except Exception as err:  # noqa: BLE001 - reported with the file name
            raise DeployError(f'{onnx_file} is not a readable ONNX model ({str(err)[:300]}): '
                              f'copy it again or export again.') from err
        check_detector_graph(self.session.get_inputs(), self.session.get_outputs(), self.meta,
                             onnx_file, self.det_file)
        self.onnx_file = onnx_file
        self.input_size = tuple(self.meta['input_size'])  # (w, h)
        self.input_name = self.session.get_inputs()[0].name
        self.priors = detection.grid_priors(self.input_size, self.meta['strides'],
                                            self.meta['prior_offset'])
        self.level_anchors = [w * h for w, h in detection.level_sizes(self.input_size,
                                                                      self.meta['strides'])]

    def _kept(self, classes) -> List[str]:
        if isinstance(classes, str) or not all(isinstance(c, str) for c in classes):
            raise DeployError(f'classes={classes!r:.100}: give a list of class names')
        unknown = [c for c in classes if c not in self.class_names]
        if unknown or not classes:
            problem = (f'has no class {", ".join(map(repr, unknown))}' if unknown
                       else 'keeps nothing with classes=[]')
            raise DeployError(f'the detector of {self.det_file} {problem}: choose from its '
                              f'classes: {", ".join(self.class_names)}')
        return list(classes)

    def network_input(self, image: np.ndarray):
        """((1, 3, H, W) float32 normalised letterboxed image, (w, h) scale factors)."""
        padded, scale_factor = letterbox(image, self.input_size, self.meta['pad_value'])
        pixels = padded.astype(np.float32)
        if self.meta['bgr_to_rgb']:
            pixels = pixels[..., ::-1]
        pixels = (pixels - np.float32(self.meta['mean'])) / np.float32(self.meta['std'])
        return np.ascontiguousarray(pixels.transpose(2, 0, 1)[None]), scale_factor

    def predict(self, image_bgr: np.ndarray, score_thr: Optional[float] = None,
                image_name: str = 'the image'):
        """(boxes (N, 4) float32 x1 y1 x2 y2 in image pixels, scores (N,) float32, labels (N,)
        int64 indices into :attr:`class_names`), highest score first, of the kept classes.

        ``image_bgr`` is (H, W, 3) uint8 BGR (gray, BGRA and 16-bit converted by
        :func:`.inputs.as_bgr8`). ``score_thr`` (default: the export's, mmdet's test_cfg) is
        the candidates' threshold before NMS, as mmdet applies it.
        """
        image = as_bgr8(image_bgr, image_name)
        if score_thr is None:
            score_thr = self.meta['score_thr']
        elif isinstance(score_thr, bool) or not isinstance(score_thr, numbers.Real) \
                or not 0 <= score_thr <= 1:
            raise DeployError(f'score_thr={score_thr!r}: give a number in [0, 1]')
        inputs, scale_factor = self.network_input(image)
        try:
            logits, distances = self.session.run(None, {self.input_name: inputs})
        except Exception as err:  # noqa: BLE001 - reported with the file name
            raise DeployError(f'ONNX Runtime failed running {self.onnx_file} '
                              f'({str(err)[:300]}): export the detector again.') from err
        meta = self.meta
        boxes, scores, labels = detection.decode_detections(
            logits[0], distances[0], self.priors, self.level_anchors, self.input_size,
            scale_factor, float(score_thr), meta['nms_pre'], meta['nms_iou'],
            meta['max_per_img'], meta['min_bbox_size'])
        kept = np.isin(labels, self._kept_labels)
        return boxes[kept], scores[kept], labels[kept]
