"""An exported pose model (ONNX graph + JSON) run with ONNX Runtime, numpy and OpenCV only.

``clamp-mmpose export CONFIG CHECKPOINT OUT --onnx`` writes ``OUT.onnx`` and ``OUT.deploy.json``;
:class:`OnnxPoseModel` reads the folder that holds them. The JSON is checked against its contract
(:mod:`.contract`), the graph's input and output shapes against the JSON, and every image and box
(:mod:`.inputs`) before anything runs: bad input is a :class:`DeployError`, never an error from
inside ONNX Runtime or OpenCV. No torch, mmcv, mmengine or mmpose is imported here or by
``import clamp_mmpose.deploy``.
"""
import numbers
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

from . import topdown
from .contract import DEPLOY_SUFFIX, POSE_MODEL_FILES, DeployError, read_deploy_file
from .detector_contract import DETECTOR_FILES
from .inputs import as_bgr8, check_boxes
from .json_checks import find_settings_file

__all__ = ['DEPLOY_SUFFIX', 'DeployError', 'OnnxPoseModel', 'cpu_session', 'find_deploy_file']


def find_deploy_file(model_dir: str) -> str:
    """The one ``*.deploy.json`` in ``model_dir`` (or ``model_dir`` itself if it is one); a
    detector's folder is named as such."""
    return find_settings_file(model_dir, POSE_MODEL_FILES, DETECTOR_FILES)


def cpu_session(onnx_file: str, num_threads: Optional[int] = None):
    """An ONNX Runtime CPU session for one request at a time: every optimisation, all
    ``num_threads`` (``None``: ONNX Runtime's default) inside each operator, none between.
    Denormal floats are left as they are: ONNX Runtime's switch to flush them sets the calling
    thread's processor state, which would change numpy's arithmetic for the whole process."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    if num_threads:
        options.intra_op_num_threads = num_threads
    return ort.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])


def _shape(node_arg) -> list:
    """An ONNX Runtime input's or output's shape: ints and names of symbolic axes ([] where
    even its rank is unknown)."""
    return list(node_arg.shape or [])


def _dims(shape) -> str:
    return 'x'.join(str(d) for d in shape) or '(unknown shape)'


def check_graph(inputs, outputs, meta: dict, onnx_file: str, deploy_file: str) -> None:
    """The graph takes one (N, 3, H, W) float image batch and gives (N, K, h, w) heatmaps, with
    (W, H), (w, h) and K those of ``meta``; ``inputs`` and ``outputs`` are ONNX Runtime's
    ``session.get_inputs()`` / ``get_outputs()`` (``.shape`` lists, symbolic axes as str)."""
    width, height = meta['input_size']
    shape = _shape(inputs[0]) if len(inputs) == 1 else []
    if len(shape) != 4 or shape[1] != 3 or inputs[0].type != 'tensor(float)':
        got = ', '.join(f'{i.name} {i.type} {_dims(_shape(i))}' for i in inputs) or 'nothing'
        raise DeployError(
            f'{onnx_file} takes {got}, but {deploy_file} says one N x 3 x {height} x {width} '
            f'float image batch: the ONNX file is not one that `clamp-mmpose export ... --onnx` '
            f'wrote for it; export again.')
    if shape[2:] != [height, width]:
        raise DeployError(
            f'{onnx_file} takes {shape[3]}x{shape[2]} (w x h) images but {deploy_file} says '
            f'{width}x{height}: the two files come from different exports; export again.')
    k, (hw, hh) = len(meta['keypoint_names']), meta['heatmap_size']
    expected_out = [k, hh, hw]
    out_shape = _shape(outputs[0]) if outputs else []
    if len(out_shape) != 4 or any(isinstance(got, int) and got != want
                                  for got, want in zip(out_shape[1:], expected_out)):
        got = ', '.join(_dims(_shape(o)) for o in outputs) or 'nothing'
        raise DeployError(
            f'{onnx_file} gives {got}, but {deploy_file} says N x {_dims(expected_out)} heatmaps '
            f'({k} keypoints, {hw}x{hh}): the two files come from different exports; export '
            f'again.')


class OnnxPoseModel:
    """Top-down pose estimation with an exported image-to-heatmaps graph.

    Args:
        model_dir: the export's output folder, or its ``.deploy.json`` file.
        num_threads: ONNX Runtime's intra-op threads (``None`` or 0: its default).
    """

    def __init__(self, model_dir: str, num_threads: Optional[int] = None):
        if num_threads is not None and (isinstance(num_threads, bool) or not isinstance(
                num_threads, numbers.Integral) or num_threads < 0):
            raise DeployError(f'num_threads={num_threads!r}: give a number of threads >= 1, or '
                              f'None (or 0) for ONNX Runtime\'s default')
        self.deploy_file = find_deploy_file(model_dir)
        self.meta = read_deploy_file(self.deploy_file)
        onnx_file = osp.join(osp.dirname(self.deploy_file), self.meta['onnx'])
        if not osp.isfile(onnx_file):
            raise DeployError(f'{onnx_file}: no such file, named by {self.deploy_file}. Copy the '
                              f'ONNX model beside its .deploy.json, or export again.')
        try:
            self.session = cpu_session(onnx_file, num_threads and int(num_threads))
        except Exception as err:  # noqa: BLE001 - reported with the file name
            raise DeployError(f'{onnx_file} is not a readable ONNX model ({str(err)[:300]}): '
                              f'copy it again or export again.') from err
        check_graph(self.session.get_inputs(), self.session.get_outputs(), self.meta, onnx_file,
                    self.deploy_file)
        self.onnx_file = onnx_file
        self.input_size = tuple(self.meta['input_size'])  # (w, h)
        self.heatmap_size = tuple(self.meta['heatmap_size'])
        self.input_name = self.session.get_inputs()[0].name
        self.precision = self.meta['precision']
        self.keypoint_names: List[str] = self.meta['keypoint_names']
        self.skeleton = [tuple(link) for link in self.meta['skeleton_links']]

    def heatmaps(self, inputs: np.ndarray) -> np.ndarray:
        """(N, 3, H, W) float32 network input -> (N, K, h, w) heatmaps; both shapes are checked
        against the deploy file, so a mismatch is a DeployError, not ONNX Runtime's."""
        inputs = np.asarray(inputs)
        w, h = self.input_size
        if inputs.ndim != 4 or inputs.shape[1:] != (3, h, w) or not len(inputs):
            raise DeployError(f'network input of shape {inputs.shape}: {self.onnx_file} takes '
                              f'N x 3 x {h} x {w} (N >= 1) normalised crops')
        try:
            out = self.session.run(None, {self.input_name: inputs.astype(np.float32)})[0]
        except Exception as err:  # noqa: BLE001 - reported with the file name
            raise DeployError(f'ONNX Runtime failed running {self.onnx_file} on a batch of '
                              f'{len(inputs)} crops ({str(err)[:300]}): if memory ran out, give '
                              f'fewer boxes per call; else export the model again.') from err
        expected = (len(inputs), len(self.keypoint_names)) + self.heatmap_size[::-1]
        if out.shape != expected:
            raise DeployError(f'{self.onnx_file} gave heatmaps of shape {out.shape}, '
                              f'{self.deploy_file} says {expected}: the two files come from '
                              f'different exports; export again.')
        return out

    def predict(self, image: np.ndarray, boxes: Sequence[Sequence[float]],
                flip_test: Optional[bool] = None, image_name: str = 'the image'):
        """Keypoints (N, K, 2) in image pixels and scores (N, K) for N boxes (x1, y1, x2, y2).

        ``image`` is (H, W, 3) uint8 BGR, as ``cv2.imread`` gives; gray, BGRA and 16-bit images
        are converted (:func:`.inputs.as_bgr8`). Each box must overlap the image
        (:func:`.inputs.check_boxes`). ``flip_test`` (default: the exported config's) averages
        with the mirrored crops' heatmaps, flipped back.
        """
        image = as_bgr8(image, image_name)
        height, width = image.shape[:2]
        boxes = check_boxes(boxes, width, height, image_name)
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
        keypoints, scores = topdown.decode_heatmaps(heatmaps, self.meta['border_rule'])
        keypoints = np.stack([topdown.to_image(kpt, self.heatmap_size, c, s)
                              for kpt, (c, s) in zip(keypoints, frames)])
        return keypoints.astype(np.float32), scores.astype(np.float32)
