"""The ``.detector.json`` contract between ``clamp-mmpose export-detector`` and the runtime.

Like a pose model's ``.deploy.json`` (:mod:`.contract`), the file beside the detector's ONNX
graph is trusted for nothing until :func:`validate_detector_meta` has checked it: a foreign or
damaged file is a :class:`DeployError` naming the file, the key and the fix.

Format ``clamp-mmpose-detector``, version 1: the keys of :data:`REQUIRED_KEYS`. ``input_size``
is the letterboxed network input (w, h), which every stride divides; ``class_names`` are all
the model's classes (its labels index them), ``classes`` those the runtime keeps; the rest are
mmdet's test settings (``score_thr``, ``nms_iou``, ``nms_pre`` (-1: all), ``max_per_img``,
``min_bbox_size`` (-1: no filter)). Unknown keys are ignored.
"""
import glob
import json
import os
import os.path as osp
from typing import Any, Callable, Dict

from .contract import DEPLOY_SUFFIX, DeployError

DETECTOR_SUFFIX = '.detector.json'
DETECTOR_FORMAT = 'clamp-mmpose-detector'
DETECTOR_VERSION = 1
# COCO's animal classes, the ones MMPose's animal demo keeps from a COCO detector.
COCO_ANIMALS = ('bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
                'giraffe')
# A detector file is about 3 KB (80 classes); anything this large is not one.
MAX_DETECTOR_BYTES = 4 << 20
MAX_SIDE = 8192
REEXPORT_DETECTOR = ('The file is damaged or was not written by `clamp-mmpose export-detector '
                     'DET_CONFIG DET_CHECKPOINT OUT_DIR`: export the detector again (or restore '
                     'the file).')


class _Bad(Exception):
    """A value that breaks the contract; ``str`` says how, the caller names file and key."""


def _number(low: float, high: float) -> Callable[[Any], float]:
    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Bad(f'must be a number, got {value!r}')
        if not low <= value <= high:  # also false for NaN
            raise _Bad(f'must lie in [{low:g}, {high:g}], got {value!r}')
        return float(value)
    return check


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Bad(f'must be an integer in [{low}, {high}], got {value!r}')
        return value
    return check


def _list(item: Callable[[Any], Any], length=None, what='') -> Callable[[Any], list]:
    def check(value):
        if not isinstance(value, list) or (length is not None and len(value) != length):
            raise _Bad(f'must be a list of {length or "some"} items{what}, got {value!r:.80}')
        if not value:
            raise _Bad(f'must not be empty{what}')
        out = []
        for i, v in enumerate(value):
            try:
                out.append(item(v))
            except _Bad as bad:
                raise _Bad(f'item {i} {bad}') from None
        return out
    return check


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad(f'must be a non-empty string, got {value!r:.80}')
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f'must be true or false, got {value!r}')
    return value


def _file_name(value: Any) -> str:
    """The ONNX file's bare name: it lies beside the JSON, never elsewhere."""
    name = _text(value)
    if name != osp.basename(name) or '\\' in name or name in ('.', '..') or not name.isprintable():
        raise _Bad(f'must be a file name in the folder of the JSON, e.g. "detector.onnx", '
                   f'got {name!r}')
    return name


_CHECKS: Dict[str, Callable[[Any], Any]] = {
    'onnx': _file_name,
    'input_size': _list(_integer(1, MAX_SIDE), 2, ' (width, height) of pixels'),
    'mean': _list(_number(-1e4, 1e4), 3, ' (one per colour channel)'),
    'std': _list(_number(1e-6, 1e4), 3, ' (one per colour channel)'),
    'bgr_to_rgb': _boolean,
    'pad_value': _list(_number(0, 255), 3, ' (one per colour channel)'),
    'strides': _list(_integer(1, 1024), None, ' of pixel strides'),
    'prior_offset': _number(0, 1),
    'class_names': _list(_text, None, ' of class names'),
    'classes': _list(_text, None, ' of class names'),
    'score_thr': _number(0, 1),
    'nms_iou': _number(0, 1),
    'nms_pre': _integer(-1, 1 << 30),
    'max_per_img': _integer(1, 1 << 20),
    'min_bbox_size': _number(-1, 1e6),
}
REQUIRED_KEYS = ('format', 'version') + tuple(_CHECKS)


def _check_format(meta: Any, source: str) -> None:
    if not isinstance(meta, dict):
        raise DeployError(f'{source} holds {type(meta).__name__}, not a JSON object: it is not '
                          f'a {DETECTOR_SUFFIX}. {REEXPORT_DETECTOR}')
    if meta.get('format') != DETECTOR_FORMAT:
        raise DeployError(f'{source}: key "format" is {meta.get("format")!r:.60}, not '
                          f'"{DETECTOR_FORMAT}": it is not a {DETECTOR_SUFFIX}. '
                          f'{REEXPORT_DETECTOR}')
    version = meta.get('version')
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DeployError(f'{source}: key "version" must be a positive integer, got '
                          f'{version!r:.60}. {REEXPORT_DETECTOR}')
    if version > DETECTOR_VERSION:
        raise DeployError(f'{source}: key "version" is {version}, a newer detector format than '
                          f'this clamp_mmpose reads (version {DETECTOR_VERSION}). Upgrade '
                          f'clamp_mmpose where the detector runs, or export with this one.')


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
    _check_format(meta, source)
    missing = [key for key in REQUIRED_KEYS if key not in meta]
    if missing:
        raise DeployError(f'{source} has no {", ".join(map(json.dumps, missing))} key'
                          f'{"s" if len(missing) > 1 else ""}. {REEXPORT_DETECTOR}')
    out = dict(meta)
    key = ''
    try:
        for key, check in _CHECKS.items():
            out[key] = check(meta[key])
    except _Bad as bad:
        raise DeployError(f'{source}: key "{key}" {bad}. {REEXPORT_DETECTOR}') from None
    _check_consistent(out, source)
    return out


def read_detector_file(path: str) -> Dict[str, Any]:
    """Read and check a ``.detector.json``: :func:`validate_detector_meta` of its JSON."""
    try:
        with open(path, 'rb') as f:
            data = f.read(MAX_DETECTOR_BYTES + 1)
    except OSError as err:
        raise DeployError(f'{path} cannot be read ({err.strerror or err}): give the folder '
                          f'that `clamp-mmpose export-detector` wrote.') from err
    if len(data) > MAX_DETECTOR_BYTES:
        raise DeployError(f'{path} is over {MAX_DETECTOR_BYTES >> 20} MiB: not a '
                          f'{DETECTOR_SUFFIX}. {REEXPORT_DETECTOR}')
    try:
        meta = json.loads(data.decode('utf-8-sig'))
    except (ValueError, RecursionError) as err:
        reason = str(err) if not isinstance(err, RecursionError) else 'nested too deeply'
        raise DeployError(f'{path} is not JSON ({reason[:120]}). {REEXPORT_DETECTOR}') from None
    return validate_detector_meta(meta, path)


def find_detector_file(det_dir: str) -> str:
    """The one ``*.detector.json`` in ``det_dir`` (or ``det_dir`` itself if it is one); a pose
    model's folder is named as such."""
    det_dir = os.fspath(det_dir)
    how = 'export one with `clamp-mmpose export-detector DET_CONFIG DET_CHECKPOINT OUT_DIR`'
    if osp.isfile(det_dir):
        if det_dir.endswith(DETECTOR_SUFFIX):
            return det_dir
        if det_dir.endswith(DEPLOY_SUFFIX):
            raise DeployError(f'{det_dir} is a pose model\'s settings, not a detector\'s: '
                              f'pass it as the pose model, and as the detector {how}.')
        raise DeployError(f'{det_dir} is not a *{DETECTOR_SUFFIX} file: give the folder '
                          f'that `clamp-mmpose export-detector` wrote, or {how}.')
    if not osp.isdir(det_dir):
        raise DeployError(f'{det_dir}: no such folder. Give the folder that '
                          f'`clamp-mmpose export-detector` wrote, or {how}.')
    pattern = osp.join(glob.escape(det_dir), '*')
    found = sorted(glob.glob(pattern + DETECTOR_SUFFIX))
    if len(found) == 1:
        return found[0]
    if not found and glob.glob(pattern + DEPLOY_SUFFIX):
        raise DeployError(f'{det_dir} holds a pose model (a *{DEPLOY_SUFFIX}), not a detector: '
                          f'pass it as the pose model, and as the detector {how}.')
    what = 'no' if not found else f'{len(found)} ({", ".join(map(osp.basename, found))})'
    raise DeployError(f'{det_dir} holds {what} *{DETECTOR_SUFFIX} files; it needs exactly one, '
                      f'with the ONNX graph it names: {how}, or give the .detector.json itself.')
