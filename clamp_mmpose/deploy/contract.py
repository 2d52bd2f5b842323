"""The ``.deploy.json`` contract between ``clamp-mmpose export ... --onnx`` and the runtime.

The export writes one JSON object beside the ONNX graph; the runtime trusts nothing in it until
:func:`validate_deploy_meta` has checked it. A foreign or damaged file (not JSON, not an object,
another format, a newer version, a missing key, a value of the wrong type or out of range, an
ONNX name that leaves the model folder) is a :class:`DeployError` naming the file, the key and
the fix, before ONNX Runtime or numpy sees any of it.

Format ``clamp-mmpose-onnx``, version 1 (every export so far has written both): the keys of
:data:`REQUIRED_KEYS`, plus ``precision`` (``'float32'`` where absent: exports made before int8
existed have no such key) and ``border_rule`` (which heatmap peaks the quarter-pixel refinement
moves: ``'per_axis'``, MMPose's ``MSRAHeatmap``, where absent: exports made before the
authors' ``'interior'`` rule existed have no such key). Keys the runtime does not know are
ignored, so that a writer may add information without a new version; a change that an older
runtime would misread needs one.

The checks it shares with the detector's ``.detector.json`` (reading, format and version, the
value checkers) are in :mod:`.json_checks`; :class:`DeployError` is defined there and is the
same class here.
"""
import re
from typing import Any, Callable, Dict, List

from .json_checks import (MAX_SIDE, NORMALIZATION_CHECKS, ContractViolation, DeployError,
                          SettingsKind, boolean, check_format, check_keys, choice, integer,
                          list_of, number, pixel_size, read_json, show, text)

__all__ = ['BORDER_RULES', 'DEPLOY_SUFFIX', 'DeployError', 'FORMAT', 'MAX_DEPLOY_BYTES',
           'MAX_SIDE', 'POSE_MODEL_FILES', 'REEXPORT', 'REQUIRED_KEYS', 'VERSION',
           'read_deploy_file', 'validate_deploy_meta']

DEPLOY_SUFFIX = '.deploy.json'
# How the runtime decodes heatmaps (clamp_mmpose.deploy.topdown.decode_heatmaps).
BORDER_RULES = ('per_axis', 'interior')
FORMAT = 'clamp-mmpose-onnx'
VERSION = 1
# A deploy file is about 2 KB (17 keypoints); anything this large is not one.
MAX_DEPLOY_BYTES = 4 << 20
# What a pose model's folder is, for finding its file (json_checks.find_settings_file).
POSE_MODEL_FILES = SettingsKind(
    DEPLOY_SUFFIX, 'a pose model', '`clamp-mmpose export ... --onnx`',
    'export with `clamp-mmpose export CONFIG CHECKPOINT OUT_DIR/NAME --onnx`',
    'pass it as the pose model (MODEL_DIR; Python: clamp_mmpose.deploy.OnnxPoseModel)')
REEXPORT = ('The file is damaged or was not written by `clamp-mmpose export CONFIG CHECKPOINT '
            'OUT --onnx`: export the model again (or restore the file).')


def _onnx_name(value: Any) -> str:
    """The ONNX file, relative to the folder of the deploy file and inside it: a file that names
    a path elsewhere would make the runtime load whatever lies there."""
    name = text(value)
    if any(ord(c) < 32 for c in name):
        raise ContractViolation(f'holds control characters: {name!r}')
    if name.startswith(('/', '\\')) or re.match(r'[A-Za-z]:', name):
        raise ContractViolation(f'is an absolute path ({name!r}); the ONNX file must be named '
                                f'relative to the folder of the .deploy.json, e.g. "model.onnx"')
    parts = re.split(r'[\\/]', name)
    if '..' in parts or parts[-1] in ('', '.'):
        raise ContractViolation(f'({name!r}) does not name a file inside the folder of the '
                                f'.deploy.json; give the file name, e.g. "model.onnx"')
    return name


def _permutation(value: Any, k: int) -> List[int]:
    """``flip_indices``: each keypoint's mirror, so every index exactly once."""
    indices = list_of(value, lambda v: integer(v, 0, k - 1), k, ' (one index per keypoint)')
    if sorted(indices) != list(range(k)):
        raise ContractViolation(f'must be a permutation of 0..{k - 1} (each keypoint\'s '
                                f'mirror), got {show(value)}')
    return indices


def _nonempty(names: list) -> list:
    """A model with no keypoints has nothing to predict; the message says keypoint, not item."""
    if not names:
        raise ContractViolation('must name at least one keypoint, got []')
    return names


# key -> checker; those that take the number of keypoints K come after keypoint_names.
_CHECKS: Dict[str, Callable[[Any], Any]] = {
    'onnx': _onnx_name,
    'input_size': pixel_size,
    'heatmap_size': pixel_size,
    **NORMALIZATION_CHECKS,
    'bbox_padding': lambda v: number(v, 0.01, 100.0),
    'keypoint_names': lambda v: _nonempty(list_of(v, text, None, ' of keypoint names')),
    'flip_test': boolean,
    'shift_heatmap': boolean,
}
_CHECKS_WITH_K: Dict[str, Callable[[Any, int], Any]] = {
    'flip_indices': _permutation,
    'skeleton_links': lambda v, k: list_of(
        v, lambda link: list_of(link, lambda i: integer(i, 0, k - 1), 2, ' (two keypoints)'),
        None, ' of [a, b] keypoint pairs'),
}
REQUIRED_KEYS = ('format', 'version') + tuple(_CHECKS) + tuple(_CHECKS_WITH_K)


def validate_deploy_meta(meta: Any, source: str = 'the .deploy.json') -> Dict[str, Any]:
    """The checked contents of a deploy file, or a :class:`DeployError` naming ``source``.

    ``meta`` is what ``json.load`` gave (anything); the result has every key of
    :data:`REQUIRED_KEYS`, ``precision`` and ``border_rule``, numbers as ``float`` / ``int``
    and the rest as written (plus any unknown keys, unchecked). Pure: reads no file.
    """
    check_format(meta, source, FORMAT, VERSION, DEPLOY_SUFFIX, REEXPORT, 'model')
    out = check_keys(meta, source, REQUIRED_KEYS, _CHECKS, REEXPORT)
    k = len(out['keypoint_names'])
    key = ''
    try:
        for key, check_k in _CHECKS_WITH_K.items():
            out[key] = check_k(meta[key], k)
        key = 'precision'
        out[key] = text(meta.get(key, 'float32'))
        key = 'border_rule'
        out[key] = choice(meta.get(key, 'per_axis'), BORDER_RULES)
    except ContractViolation as bad:
        also = f' ({k} keypoints in "keypoint_names")' if key in _CHECKS_WITH_K else ''
        raise DeployError(f'{source}: key "{key}" {bad}{also}. {REEXPORT}') from None
    return out


def read_deploy_file(path: str) -> Dict[str, Any]:
    """Read and check a ``.deploy.json``: :func:`validate_deploy_meta` of its JSON."""
    meta = read_json(path, MAX_DEPLOY_BYTES, DEPLOY_SUFFIX, REEXPORT,
                     f'give the {DEPLOY_SUFFIX} that `clamp-mmpose export ... --onnx` wrote')
    return validate_deploy_meta(meta, path)
