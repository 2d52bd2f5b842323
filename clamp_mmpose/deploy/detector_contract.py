"""The ``.detector.json`` contract between ``clamp-mmpose export-detector`` and the runtime.

Like a pose model's ``.deploy.json`` (:mod:`.contract`), the file beside the detector's ONNX
graph is trusted for nothing until :func:`validate_detector_meta` has checked it: a foreign or
damaged file is a :class:`DeployError` naming the file, the key and the fix.

Format ``clamp-mmpose-detector``, version 1: the keys of :data:`REQUIRED_KEYS`. ``input_size``
is the letterboxed network input (w, h), which every stride divides; ``class_names`` are all
the model's classes (its labels index them), ``classes`` those the runtime keeps; the rest are
mmdet's test settings (``score_thr``, ``nms_iou``, ``nms_pre`` (-1: all), ``max_per_img``,
``min_bbox_size`` (-1: no filter)). Unknown keys are ignored. The reading and the value checks
are those of :mod:`.json_checks`, shared with the pose model's file.
"""
import os.path as osp
from typing import Any, Callable, Dict

from .contract import POSE_MODEL_FILES, DeployError
from .json_checks import (MAX_SIDE, NORMALIZATION_CHECKS, ContractViolation, SettingsKind,
                          check_format, check_keys, find_settings_file, integer, list_of, number,
                          per_channel, pixel_size, read_json, text)

__all__ = ['COCO_ANIMALS', 'DETECTOR_FILES', 'DETECTOR_FORMAT', 'DETECTOR_SUFFIX',
           'DETECTOR_VERSION', 'MAX_DETECTOR_BYTES', 'MAX_SIDE', 'REEXPORT_DETECTOR',
           'REQUIRED_KEYS', 'find_detector_file', 'read_detector_file', 'validate_detector_meta']

DETECTOR_SUFFIX = '.detector.json'
DETECTOR_FORMAT = 'clamp-mmpose-detector'
DETECTOR_VERSION = 1
# COCO's animal classes, the ones MMPose's animal demo keeps from a COCO detector.
COCO_ANIMALS = ('bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
                'giraffe')
# A detector file is about 3 KB (80 classes); anything this large is not one.
MAX_DETECTOR_BYTES = 4 << 20
# What a detector's folder is, for finding its file (json_checks.find_settings_file).
DETECTOR_FILES = SettingsKind(
    DETECTOR_SUFFIX, 'an object detector', '`clamp-mmpose export-detector`',
    'export one with `clamp-mmpose export-detector DET_CONFIG DET_CHECKPOINT OUT_DIR`',
    'pass it as --detector (Python: clamp_mmpose.deploy.Detector)')
REEXPORT_DETECTOR = ('The file is damaged or was not written by `clamp-mmpose export-detector '
                     'DET_CONFIG DET_CHECKPOINT OUT_DIR`: export the detector again (or restore '
                     'the file).')


def _file_name(value: Any) -> str:
    """The ONNX file's bare name: it lies beside the JSON, never elsewhere (stricter than a pose
    model's ``onnx``, which may name a subfolder, since the detector export writes none)."""
    name = text(value)
    if name != osp.basename(name) or '\\' in name or name in ('.', '..') or not name.isprintable():
        raise ContractViolation(f'must be a file name in the folder of the JSON, e.g. '
                                f'"detector.onnx", got {name!r}')
    return name


def _names(value: Any) -> list:
    """Class names: a detector keeps at least one class, and has at least one."""
    return list_of(value, text, None, ' of class names', empty=False)


_CHECKS: Dict[str, Callable[[Any], Any]] = {
    'onnx': _file_name,
    'input_size': pixel_size,
    **NORMALIZATION_CHECKS,
    'pad_value': lambda v: per_channel(v, 0, 255),
    'strides': lambda v: list_of(v, lambda s: integer(s, 1, 1024), None, ' of pixel strides',
                                 empty=False),
    'prior_offset': lambda v: number(v, 0, 1),
    'class_names': _names,
    'classes': _names,
    'score_thr': lambda v: number(v, 0, 1),
    'nms_iou': lambda v: number(v, 0, 1),
    'nms_pre': lambda v: integer(v, -1, 1 << 30),
    'max_per_img': lambda v: integer(v, 1, 1 << 20),
    'min_bbox_size': lambda v: number(v, -1, 1e6),
}
REQUIRED_KEYS = ('format', 'version') + tuple(_CHECKS)


def _check_consistent(out: Dict[str, Any], source: str) -> None:
    """Relations between keys: strides divide the input, kept classes are the model's."""
    if any(side % stride for stride in out['strides'] for side in out['input_size']):
        raise DeployError(f'{source}: key "input_size" {out["input_size"]} (w, h) is not '
                          f'divisible by every stride of {out["strides"]}. {REEXPORT_DETECTOR}')
    unknown = [name for name in out['classes'] if name not in out['class_names']]
    if unknown:
        raise DeployError(f'{source}: key "classes" names {unknown}, not in "class_names". '
                          f'{REEXPORT_DETECTOR}')


def validate_detector_meta(meta: Any, source: str = 'the .detector.json') -> Dict[str, Any]:
    """The checked contents of a detector file, or a :class:`DeployError` naming ``source``.

    ``meta`` is what ``json.load`` gave (anything); the result has every key of
    :data:`REQUIRED_KEYS`, numbers as ``float`` / ``int`` (plus unknown keys, unchecked).
    Pure: reads no file.
    """
    check_format(meta, source, DETECTOR_FORMAT, DETECTOR_VERSION, DETECTOR_SUFFIX,
                 REEXPORT_DETECTOR, 'detector')
    out = check_keys(meta, source, REQUIRED_KEYS, _CHECKS, REEXPORT_DETECTOR)
    _check_consistent(out, source)
    return out


def read_detector_file(path: str) -> Dict[str, Any]:
    """Read and check a ``.detector.json``: :func:`validate_detector_meta` of its JSON."""
    meta = read_json(path, MAX_DETECTOR_BYTES, DETECTOR_SUFFIX, REEXPORT_DETECTOR,
                     'give the folder that `clamp-mmpose export-detector` wrote')
    return validate_detector_meta(meta, path)


def find_detector_file(det_dir: str) -> str:
    """The one ``*.detector.json`` in ``det_dir`` (or ``det_dir`` itself if it is one); a pose
    model's folder is named as such."""
    return find_settings_file(det_dir, DETECTOR_FILES, POSE_MODEL_FILES)
