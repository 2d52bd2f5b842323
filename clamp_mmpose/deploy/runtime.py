"""An exported pose model (ONNX graph + JSON) run with ONNX Runtime, numpy and OpenCV only.

``clamp-mmpose export CONFIG CHECKPOINT OUT --onnx`` writes ``OUT.onnx`` and ``OUT.deploy.json``;
:class:`OnnxPoseModel` reads the folder that holds them. No torch, mmcv, mmengine or mmpose is
imported here or by ``import clamp_mmpose.deploy``.
"""
import glob
import json
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

from . import topdown

DEPLOY_SUFFIX = '.deploy.json'


class DeployError(ValueError):
    """Bad input to the runtime; the message names the file or the box and the fix."""


def find_deploy_file(model_dir: str) -> str:
    """The one ``*.deploy.json`` in ``model_dir`` (or ``model_dir`` itself if it is one)."""
    if osp.isfile(model_dir) and model_dir.endswith(DEPLOY_SUFFIX):
        return model_dir
    if not osp.isdir(model_dir):
        raise DeployError(f'{model_dir}: no such folder. Give the folder that '
                          f'`clamp-mmpose export ... --onnx` wrote.')
    found = sorted(glob.glob(osp.join(model_dir, '*' + DEPLOY_SUFFIX)))
    if len(found) != 1:
        what = 'no' if not found else f'{len(found)} ({", ".join(map(osp.basename, found))})'
        raise DeployError(
            f'{model_dir} holds {what} *{DEPLOY_SUFFIX} files; it needs exactly one, with the ONNX '
            f'model it names: export with `clamp-mmpose export CONFIG CHECKPOINT '
            f'{osp.join(model_dir, "NAME")} --onnx`, or give the .deploy.json file itself.')
    return found[0]


def cpu_session(onnx_file: str, num_threads: Optional[int] = None):
    """An ONNX Runtime CPU session for one request at a time: every optimisation, all
    ``num_threads`` (``None``: ONNX Runtime's default) inside each operator, none between."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    if num_threads:
        options.intra_op_num_threads = num_threads
    return ort.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])


class OnnxPoseModel:
    """Top-down pose estimation with an exported image-to-heatmaps graph.

    Args:
        model_dir: the export's output folder, or its ``.deploy.json`` file.
        num_threads: ONNX Runtime's intra-op threads (``None``: its default).
    """

    def __init__(self, model_dir: str, num_threads: Optional[int] = None):
        self.deploy_file = find_deploy_file(model_dir)
        with open(self.deploy_file) as f:
            self.meta = json.load(f)
        onnx_file = osp.join(osp.dirname(self.deploy_file), self.meta['onnx'])
        if not osp.isfile(onnx_file):
            raise DeployError(f'{onnx_file}: no such file, named by {self.deploy_file}. Copy the '
                              f'ONNX model beside its .deploy.json, or export again.')
        try:
            self.session = cpu_session(onnx_file, num_threads)
        except Exception as err:  # noqa: BLE001 - reported with the file name
            raise DeployError(f'{onnx_file} is not a readable ONNX model: {err}') from err
        self.input_size = tuple(self.meta['input_size'])  # (w, h)
        self.heatmap_size = tuple(self.meta['heatmap_size'])
        graph_input = self.session.get_inputs()[0]
        graph_hw = tuple(graph_input.shape[2:])
        if graph_hw != self.input_size[::-1]:
            raise DeployError(
                f'{onnx_file} takes {graph_hw[1]}x{graph_hw[0]} (w x h) images but '
                f'{self.deploy_file} says {self.input_size[0]}x{self.input_size[1]}: the two '
                f'files come from different exports; export again.')
        self.input_name = graph_input.name
        self.precision = self.meta.get('precision', 'float32')
        self.keypoint_names: List[str] = self.meta['keypoint_names']
        self.skeleton = [tuple(link) for link in self.meta['skeleton_links']]

    def heatmaps(self, inputs: np.ndarray) -> np.ndarray:
        """(N, 3, H, W) float32 network input -> (N, K, h, w) heatmaps."""
        return self.session.run(None, {self.input_name: inputs.astype(np.float32)})[0]

    def predict(self, image: np.ndarray, boxes: Sequence[Sequence[float]],
                flip_test: Optional[bool] = None, image_name: str = 'the image'):
        """Keypoints (N, K, 2) in image pixels and scores (N, K) for N boxes (x1, y1, x2, y2).

        ``flip_test`` (default: the exported config's) averages with the mirrored crops'
        heatmaps, flipped back.
        """
        if image is None or image.ndim != 3:
            raise DeployError(f'{image_name} is not a colour image')
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        height, width = image.shape[:2]
        for box in boxes:
            x1, y1, x2, y2 = box
            if not (x2 > x1 and y2 > y1):
                raise DeployError(f'box {box.tolist()} is empty: give x1 y1 x2 y2 with x2 > x1 '
                                  f'and y2 > y1')
            if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
                raise DeployError(f'box {box.tolist()} lies outside {image_name} ({width}x'
                                  f'{height} pixels)')
        if not len(boxes):
            k = len(self.keypoint_names)
            return np.zeros((0, k, 2), np.float32), np.zeros((0, k), np.float32)
        if flip_test is None:
            flip_test = self.meta['flip_test']
        aspect = self.input_size[0] / self.input_size[1]
        frames = [topdown.box_center_size(box, aspect, self.meta['bbox_padding'])
                  for box in boxes]
        crops = np.stack([
            topdown.crop(image, topdown.crop_matrix(c, s, self.input_size), self.input_size)
            for c, s in frames])
        inputs = topdown.normalize(crops, self.meta['mean'], self.meta['std'],
                                   self.meta['bgr_to_rgb'])
        if flip_test:  # the mirrored crops in the same run: one batch of 2B
            both = self.heatmaps(np.concatenate([inputs, inputs[..., ::-1]]))
            heatmaps, flipped = both[:len(inputs)], both[len(inputs):]
            heatmaps = 0.5 * (heatmaps + topdown.flip_back(flipped, self.meta['flip_indices'],
                                                           self.meta['shift_heatmap']))
        else:
            heatmaps = self.heatmaps(inputs)
        keypoints, scores = topdown.decode_heatmaps(heatmaps)
        keypoints = np.stack([topdown.to_image(kpt, self.heatmap_size, c, s)
                              for kpt, (c, s) in zip(keypoints, frames)])
        return keypoints.astype(np.float32), scores.astype(np.float32)
