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
"""
import json
import re
from typing import Any, Callable, Dict, List

DEPLOY_SUFFIX = '.deploy.json'
# How the runtime decodes heatmaps (clamp_mmpose.deploy.topdown.decode_heatmaps).
BORDER_RULES = ('per_axis', 'interior')
FORMAT = 'clamp-mmpose-onnx'
VERSION = 1
# A deploy file is about 2 KB (17 keypoints); anything this large is not one.
MAX_DEPLOY_BYTES = 4 << 20
# Sides of the network input and of the heatmaps, in pixels.
MAX_SIDE = 8192
REEXPORT = ('The file is damaged or was not written by `clamp-mmpose export CONFIG CHECKPOINT '
            'OUT --onnx`: export the model again (or restore the file).')
_JSON_TYPES = {list: 'an array', str: 'a string', int: 'a number', float: 'a number',
               bool: 'true or false', type(None): 'null'}


class DeployError(ValueError):
    """Bad input to the runtime; the message names the file or the box and the fix."""


class _Bad(Exception):
    """A value that breaks the contract; ``str`` says how, the caller names file and key."""


def _number(value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f'must be a number, got {_show(value)}')
    if not low <= value <= high:  # also false for NaN
        raise _Bad(f'must lie in [{low:g}, {high:g}], got {_show(value)}')
    return float(value)


def _integer(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f'must be an integer, got {_show(value)}')
    if not low <= value <= high:
        raise _Bad(f'must lie in [{low}, {high}], got {_show(value)}')
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f'must be true or false, got {_show(value)}')
    return value


def _list(value: Any, item: Callable[[Any], Any], length=None, what='') -> list:
    if not isinstance(value, list):
        raise _Bad(f'must be a list{what}, got {_show(value)}')
    if length is not None and len(value) != length:
        raise _Bad(f'must hold {length} items{what}, got {len(value)}')
    out = []
    for i, v in enumerate(value):
        try:
            out.append(item(v))
        except _Bad as bad:
            raise _Bad(f'item {i} {bad}') from None
    return out


def _size(value: Any) -> List[int]:
    return _list(value, lambda v: _integer(v, 1, MAX_SIDE), 2, ' (width, height) of pixels')


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad(f'must be a non-empty string, got {_show(value)}')
    return value


def _choice(value: Any, choices) -> str:
    if value not in choices:
        raise _Bad(f'must be one of {", ".join(map(json.dumps, choices))}, got {_show(value)}')
    return value


def _onnx_name(value: Any) -> str:
    """The ONNX file, relative to the folder of the deploy file and inside it."""
    name = _text(value)
    if any(ord(c) < 32 for c in name):
        raise _Bad(f'holds control characters: {name!r}')
    if name.startswith(('/', '\\')) or re.match(r'[A-Za-z]:', name):
        raise _Bad(f'is an absolute path ({name!r}); the ONNX file must be named relative to '
                   f'the folder of the .deploy.json, e.g. "model.onnx"')
    parts = re.split(r'[\\/]', name)
    if '..' in parts or parts[-1] in ('', '.'):
        raise _Bad(f'({name!r}) does not name a file inside the folder of the .deploy.json; '
                   f'give the file name, e.g. "model.onnx"')
    return name


def _show(value: Any) -> str:
    text = json.dumps(value) if _jsonable(value) else repr(value)
    text = text if len(text) <= 60 else text[:57] + '...'
    return f'{text} ({type(value).__name__})'


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def _permutation(value: Any, k: int) -> List[int]:
    indices = _list(value, lambda v: _integer(v, 0, k - 1), k, ' (one index per keypoint)')
    if sorted(indices) != list(range(k)):
        raise _Bad(f'must be a permutation of 0..{k - 1} (each keypoint\'s mirror), got '
                   f'{_show(value)}')
    return indices


def _nonempty(names: list) -> list:
    if not names:
        raise _Bad('must name at least one keypoint, got []')
    return names


# key -> checker; those that take the number of keypoints K come after keypoint_names.
_CHECKS: Dict[str, Callable[[Any], Any]] = {
    'onnx': _onnx_name,
    'input_size': _size,
    'heatmap_size': _size,
    'mean': lambda v: _list(v, lambda x: _number(x, -1e4, 1e4), 3, ' (one per colour channel)'),
    'std': lambda v: _list(v, lambda x: _number(x, 1e-6, 1e4), 3, ' (one per colour channel)'),
    'bgr_to_rgb': _boolean,
    'bbox_padding': lambda v: _number(v, 0.01, 100.0),
    'keypoint_names': lambda v: _nonempty(_list(v, _text, None, ' of keypoint names')),
    'flip_test': _boolean,
    'shift_heatmap': _boolean,
}
_CHECKS_WITH_K: Dict[str, Callable[[Any, int], Any]] = {
    'flip_indices': _permutation,
    'skeleton_links': lambda v, k: _list(
        v, lambda link: _list(link, lambda i: _integer(i, 0, k - 1), 2, ' (two keypoints)'),
        None, ' of [a, b] keypoint pairs'),
}
REQUIRED_KEYS = ('format', 'version') + tuple(_CHECKS) + tuple(_CHECKS_WITH_K)


def _check_format(meta: Any, source: str) -> None:
    if not isinstance(meta, dict):
        kind = _JSON_TYPES.get(type(meta), type(meta).__name__)
        raise DeployError(f'{source} holds {kind}, not a JSON object: it is not a '
                          f'.deploy.json. {REEXPORT}')
    if meta.get('format') != FORMAT:
        problem = (' has no "format" key' if 'format' not in meta
                   else f': key "format" is {_show(meta["format"])}, not "{FORMAT}"')
        raise DeployError(f'{source}{problem}: it is not a .deploy.json. {REEXPORT}')
    version = meta.get('version')
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DeployError(f'{source}: key "version" must be a positive integer, got '
                          f'{_show(version) if "version" in meta else "nothing"}. {REEXPORT}')
    if version > VERSION:
        raise DeployError(
            f'{source}: key "version" is {version}, a newer {FORMAT} format than this '
            f'clamp_mmpose reads (version {VERSION}). Upgrade clamp_mmpose where the model runs, '
            f'or export with the clamp_mmpose installed here.')


def validate_deploy_meta(meta: Any, source: str = 'the .deploy.json') -> Dict[str, Any]:
    """The checked contents of a deploy file, or a :class:`DeployError` naming ``source``.

    ``meta`` is what ``json.load`` gave (anything); the result has every key of
    :data:`REQUIRED_KEYS`, ``precision`` and ``border_rule``, numbers as ``float`` / ``int``
    and the rest as written (plus any unknown keys, unchecked). Pure: reads no file.
    """
    _check_format(meta, source)
    missing = [key for key in REQUIRED_KEYS if key not in meta]
    if missing:
        raise DeployError(f'{source} has no {", ".join(map(json.dumps, missing))} key'
                          f'{"s" if len(missing) > 1 else ""}. {REEXPORT}')
    out = dict(meta)
    key, k = '', 0
    try:
        for key, check in _CHECKS.items():
            out[key] = check(meta[key])
        k = len(out['keypoint_names'])
        for key, check_k in _CHECKS_WITH_K.items():
            out[key] = check_k(meta[key], k)
        key = 'precision'
        out[key] = _text(meta.get(key, 'float32'))
        key = 'border_rule'
        out[key] = _choice(meta.get(key, 'per_axis'), BORDER_RULES)
    except _Bad as bad:
        also = f' ({k} keypoints in "keypoint_names")' if key in _CHECKS_WITH_K else ''
        raise DeployError(f'{source}: key "{key}" {bad}{also}. {REEXPORT}') from None
    return out


def read_deploy_file(path: str) -> Dict[str, Any]:
    """Read and check a ``.deploy.json``: :func:`validate_deploy_meta` of its JSON."""
    try:
        with open(path, 'rb') as f:
            data = f.read(MAX_DEPLOY_BYTES + 1)
    except OSError as err:
        raise DeployError(f'{path} cannot be read ({err.strerror or err}): give the '
                          f'.deploy.json that `clamp-mmpose export ... --onnx` wrote.') from err
    if len(data) > MAX_DEPLOY_BYTES:
        raise DeployError(f'{path} is over {MAX_DEPLOY_BYTES >> 20} MiB: not a .deploy.json. '
                          f'{REEXPORT}')
    try:
        meta = json.loads(data.decode('utf-8-sig'))  # a byte-order mark is harmless
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError, JSONDecodeError, nesting
        reason = str(err) if not isinstance(err, RecursionError) else 'nested too deeply'
        raise DeployError(f'{path} is not JSON ({reason[:120]}). {REEXPORT}') from None
    return validate_deploy_meta(meta, path)
