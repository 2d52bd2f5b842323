"""Checks shared by the JSON contracts of the runtime: ``.deploy.json`` and ``.detector.json``.

Both files are read the same way (size-limited, byte-order mark tolerated, deep nesting caught)
and checked the same way (an object of the right format and version, then a value checker per
key), so the checks and the texts of their errors live here once: the two contract modules
(:mod:`.contract`, :mod:`.detector_contract`) hold only their own keys, limits and fixes.

A checker takes the value and its limits, returns the value as the runtime uses it, and raises
:class:`ContractViolation` whose ``str`` says what is wrong with the value; the caller adds the
file and the key, since only it knows them. :class:`DeployError` is the runtime's one error for
bad input (it is defined here, not in :mod:`.contract`, so that this module needs no other).
"""
import glob
import json
import os
import os.path as osp
from typing import Any, Callable, Dict, Iterable, List, NamedTuple

# Sides of a network input and of heatmaps, in pixels.
MAX_SIDE = 8192
_JSON_TYPES = {list: 'an array', str: 'a string', int: 'a number', float: 'a number',
               bool: 'true or false', type(None): 'null'}


class DeployError(ValueError):
    """Bad input to the runtime; the message names the file or the box and the fix."""


class ContractViolation(Exception):
    """A value that breaks the contract; ``str`` says how, the caller names file and key."""


def show(value: Any) -> str:
    """``value`` as the file spelt it (JSON where it can be), cut short, with its Python type:
    the type tells ``1`` from ``true`` and ``"1"``, which the messages must keep apart."""
    shown = json.dumps(value) if _jsonable(value) else repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + '...'
    return f'{shown} ({type(value).__name__})'


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def number(value: Any, low: float, high: float) -> float:
    """A finite number in ``[low, high]`` as ``float``; ``true`` is no number, NaN is in no
    range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ContractViolation(f'must be a number, got {show(value)}')
    if not low <= value <= high:  # also false for NaN
        raise ContractViolation(f'must lie in [{low:g}, {high:g}], got {show(value)}')
    return float(value)


def integer(value: Any, low: int, high: int) -> int:
    """An integer in ``[low, high]``; ``2.0`` and ``true`` are not integers (sizes and indices
    must be exact)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContractViolation(f'must be an integer, got {show(value)}')
    if not low <= value <= high:
        raise ContractViolation(f'must lie in [{low}, {high}], got {show(value)}')
    return value


def boolean(value: Any) -> bool:
    """``true`` or ``false`` only: ``1`` or ``"true"`` would mean a writer other than ours."""
    if not isinstance(value, bool):
        raise ContractViolation(f'must be true or false, got {show(value)}')
    return value


def text(value: Any) -> str:
    """A non-empty string: an empty name would name nothing."""
    if not isinstance(value, str) or not value:
        raise ContractViolation(f'must be a non-empty string, got {show(value)}')
    return value


def choice(value: Any, choices: Iterable[str]) -> str:
    """One of ``choices``, which the message lists so that the fix is in it."""
    choices = tuple(choices)
    if value not in choices:
        raise ContractViolation(
            f'must be one of {", ".join(map(json.dumps, choices))}, got {show(value)}')
    return value


def list_of(value: Any, item: Callable[[Any], Any], length=None, what='',
            empty=True) -> list:
    """A list of ``length`` items (any number where None; none only where ``empty``), each
    checked by ``item``; a bad item is named by its index, ``what`` says what the list holds."""
    if not isinstance(value, list):
        raise ContractViolation(f'must be a list{what}, got {show(value)}')
    if length is not None and len(value) != length:
        raise ContractViolation(f'must hold {length} items{what}, got {len(value)}')
    if not value and not empty:
        raise ContractViolation(f'must not be empty{what}')
    out = []
    for i, v in enumerate(value):
        try:
            out.append(item(v))
        except ContractViolation as bad:
            raise ContractViolation(f'item {i} {bad}') from None
    return out


def pixel_size(value: Any) -> List[int]:
    """A network input or heatmap size, ``[width, height]`` in pixels."""
    return list_of(value, lambda v: integer(v, 1, MAX_SIDE), 2, ' (width, height) of pixels')


def per_channel(value: Any, low: float, high: float) -> List[float]:
    """Three numbers in ``[low, high]``, one per colour channel (a mean, a std, a padding)."""
    return list_of(value, lambda v: number(v, low, high), 3, ' (one per colour channel)')


# How both runtimes turn pixels into the network's input: the same keys, limits and meaning in
# either file, so that the two tables spell them once.
NORMALIZATION_CHECKS: Dict[str, Callable[[Any], Any]] = {
    'mean': lambda v: per_channel(v, -1e4, 1e4),
    'std': lambda v: per_channel(v, 1e-6, 1e4),
    'bgr_to_rgb': boolean,
}


def check_format(meta: Any, source: str, format_name: str, version: int, what: str, fix: str,
                 thing: str) -> None:
    """A :class:`DeployError` unless ``meta`` is an object of format ``format_name`` and a
    version this runtime reads (``version`` or older). ``what`` is the file's kind (its suffix),
    ``thing`` what it describes ('model', 'detector'), ``fix`` how to get a good file."""
    if not isinstance(meta, dict):
        kind = _JSON_TYPES.get(type(meta), type(meta).__name__)
        raise DeployError(f'{source} holds {kind}, not a JSON object: it is not a {what}. {fix}')
    if meta.get('format') != format_name:
        problem = (' has no "format" key' if 'format' not in meta
                   else f': key "format" is {show(meta["format"])}, not "{format_name}"')
        raise DeployError(f'{source}{problem}: it is not a {what}. {fix}')
    found = meta.get('version')
    if isinstance(found, bool) or not isinstance(found, int) or found < 1:
        raise DeployError(f'{source}: key "version" must be a positive integer, got '
                          f'{show(found) if "version" in meta else "nothing"}. {fix}')
    if found > version:
        raise DeployError(
            f'{source}: key "version" is {found}, a newer {thing} format ({format_name}) than '
            f'this clamp_mmpose reads (version {version}). Upgrade clamp_mmpose where the '
            f'{thing} runs, or export with the clamp_mmpose installed here.')


def check_keys(meta: Dict[str, Any], source: str, required: Iterable[str],
               checks: Dict[str, Callable[[Any], Any]], fix: str) -> Dict[str, Any]:
    """``meta`` with every key of ``checks`` replaced by what its checker returned, after
    every key of ``required`` is found present: a :class:`DeployError` names the missing keys
    all at once (one re-export fixes them all), or the first bad value with its key."""
    missing = [key for key in required if key not in meta]
    if missing:
        raise DeployError(f'{source} has no {", ".join(map(json.dumps, missing))} key'
                          f'{"s" if len(missing) > 1 else ""}. {fix}')
    out = dict(meta)
    for key, check in checks.items():
        try:
            out[key] = check(meta[key])
        except ContractViolation as bad:
            raise DeployError(f'{source}: key "{key}" {bad}. {fix}') from None
    return out


def read_json(path: str, max_bytes: int, what: str, fix: str, give: str) -> Any:
    """The JSON value in ``path``, or a :class:`DeployError` naming it: unreadable (``give``
    says what to give instead), over ``max_bytes`` (read no further: a huge file is no contract
    file), not UTF-8 JSON, or nested too deeply for the parser. A byte-order mark is harmless.
    """
    try:
        with open(path, 'rb') as f:
            data = f.read(max_bytes + 1)
    except OSError as err:
        raise DeployError(f'{path} cannot be read ({err.strerror or err}): {give}.') from err
    if len(data) > max_bytes:
        raise DeployError(f'{path} is over {max_bytes >> 20} MiB: not a {what}. {fix}')
    try:
        return json.loads(data.decode('utf-8-sig'))
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError, JSONDecodeError, nesting
        reason = str(err) if not isinstance(err, RecursionError) else 'nested too deeply'
        raise DeployError(f'{path} is not JSON ({reason[:120]}). {fix}') from None


class SettingsKind(NamedTuple):
    """One kind of exported model's settings file, for :func:`find_settings_file`.

    ``suffix``: the file's ending (``.deploy.json``); ``thing``: what the model is, with its
    article (``a pose model``); ``made_by``: the command that writes the folder; ``make``: how
    to make one; ``pass_as``: where such a folder goes instead, when given in the other's place.
    """
    suffix: str
    thing: str
    made_by: str
    make: str
    pass_as: str


def find_settings_file(path: str, kind: SettingsKind, other: SettingsKind) -> str:
    """The one ``*<kind.suffix>`` file in folder ``path``, or ``path`` itself if it is one.

    A folder or file of the ``other`` kind (a detector's given as a pose model's, or the
    reverse) is named as such, with where it goes; so are a missing folder, a foreign file and
    a folder holding none or several."""
    path = os.fspath(path)
    wrong_kind = (f'{other.pass_as}; for {kind.thing}, give the folder that {kind.made_by} '
                  f'wrote, or {kind.make}.')
    if osp.isfile(path):
        if path.endswith(kind.suffix):
            return path
        if path.endswith(other.suffix):
            raise DeployError(f'{path} holds the settings of {other.thing}, not of '
                              f'{kind.thing}: {wrong_kind}')
        raise DeployError(f'{path} is not a *{kind.suffix} file: give the folder that '
                          f'{kind.made_by} wrote, or the {kind.suffix} in it.')
    if not osp.isdir(path):
        raise DeployError(f'{path}: no such folder. Give the folder that {kind.made_by} wrote, '
                          f'or {kind.make}.')
    pattern = osp.join(glob.escape(path), '*')
    found = sorted(glob.glob(pattern + kind.suffix))
    if not found and glob.glob(pattern + other.suffix):
        raise DeployError(f'{path} holds {other.thing} (a *{other.suffix}), not '
                          f'{kind.thing}: {wrong_kind}')
    if len(found) != 1:
        what = 'no' if not found else f'{len(found)} ({", ".join(map(osp.basename, found))})'
        raise DeployError(f'{path} holds {what} *{kind.suffix} files; it needs exactly one, '
                          f'with the ONNX graph it names: {kind.make}, or give the '
                          f'{kind.suffix} file itself.')
    return found[0]
