"""Load checkpoints without letting them run code.

A ``.pth`` file is a pickle, and a pickle may name any function of any installed module and call
it while it loads: ``os.system`` in a checkpoint's ``meta`` runs as soon as ``torch.load`` reads
it with ``weights_only=False`` (torch < 2.6's default, which MMEngine 0.10.7's loaders use).
torch's ``weights_only=True`` refuses everything but tensors and plain containers, and so also
refuses MMEngine's own checkpoints (history buffers, numpy values in ``meta`` and the message
hub). This module allows exactly what MMEngine 0.10 runners and MMCV 1.x runners (the authors'
``epoch_210.pth``) write (:func:`_checkpoint_globals`, torch's own tensor machinery aside), and
refuses the rest with an :class:`UnsafeCheckpointError` before any of it runs.

How, by torch version (see :data:`USE_TORCH_WEIGHTS_ONLY`):

* torch >= 2.10: ``torch.load(weights_only=True)`` with those globals allowed for the duration
  of the call (``torch.serialization.safe_globals``). Not ``add_safe_globals``: that would allow
  them for every ``torch.load`` of the user's process, for good.
* older torch (2.1.2 is what most GPU users have; its own default is ``weights_only=False``):
  ``torch.load(weights_only=False)`` with a ``pickle_module`` whose unpickler resolves only the
  same names (importing nothing), calls only allowed callables, sets state only on allowed types,
  fills only real dicts, lists and sets, and checks each tensor storage's size against the
  archive. torch's own ``weights_only`` unpickler had known holes before 2.10 (GHSA-53q9-r3pm-6pq6
  before 2.6: TorchScript archives; CVE-2026-24747 before 2.10: SETITEM on non-dicts, storage
  sizes); this one closes them.

Both refuse TorchScript archives (``torch.load`` hands them to ``torch.jit.load``).

A file the user trusts loads as plain ``torch.load(weights_only=False)`` would when the
environment variable ``CLAMP_MMPOSE_TRUST_CHECKPOINTS`` names it (paths separated by
``os.pathsep``; ``1`` trusts every file), or through ``load_checkpoint_file(path, trusted=True)``.
Importing :mod:`clamp_mmpose` registers :func:`load_from_local` and :func:`load_from_http` in
MMEngine's ``CheckpointLoader``, so ``load_from``, ``--resume``, ``tools/test.py``,
``init_model`` and ``MMPoseInferencer`` use them.
"""
import _compat_pickle
import codecs
import io
import os
import os.path as osp
import pickle
import pickletools
import re
import threading
import types
import zipfile
from collections import Counter, OrderedDict
from typing import Dict, List, Optional
from urllib.parse import urlparse

import numpy as np
import torch

TRUST_ENV = 'CLAMP_MMPOSE_TRUST_CHECKPOINTS'


def _torch_version() -> tuple:
    return tuple(int(p) for p in re.findall(r'\d+', torch.__version__.split('+')[0])[:2])


#: Whether torch can load with an allowlist of its own for one call (``safe_globals``, and
#: globals given under the names a pickle spells them: torch >= 2.6).
TORCH_WEIGHTS_ONLY_AVAILABLE = (_torch_version() >= (2, 6)
                                and hasattr(torch.serialization, 'safe_globals'))
#: torch's own weights_only unpickler is used where it has no hole known to us (see above);
#: elsewhere the restricted unpickler of this module. Tests flip it to run both on one torch.
USE_TORCH_WEIGHTS_ONLY = TORCH_WEIGHTS_ONLY_AVAILABLE and _torch_version() >= (2, 10)


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint whose pickle refers to something that MMEngine, MMPose and MMCV checkpoints
    never hold; it was refused before any of it ran. ``filename`` and ``found`` (the names)
    are attributes; the message says how to load the file if it is trusted."""

    def __init__(self, filename: str, found: List[str], detail: str = '', source: str = ''):
        self.filename, self.found, self.detail, self.source = filename, list(found), detail, source
        origin = f' (downloaded from {source})' if source else ''
        super().__init__(
            f'{filename}{origin} was not loaded: it refers to {", ".join(self.found)}, which no '
            f'checkpoint of MMEngine, MMPose or MMCV holds, and loading it could run code. '
            f'Nothing in it was executed.{" (" + detail + ")" if detail else ""} '
            f'If you trust this file and where it came from, allow it with '
            f'{TRUST_ENV}={filename} in the environment (several paths separated by '
            f'"{os.pathsep}", or {TRUST_ENV}=1 for every file), or load it with '
            f'clamp_mmpose.utils.load_checkpoint_file(path, trusted=True).')

    def __reduce__(self):  # re-raised across processes (e.g. from a spawned worker) intact
        return type(self), (self.filename, self.found, self.detail, self.source)


def _numpy_multiarray():
    # numpy 2 moved numpy.core to numpy._core; numpy 1.26's numpy._core is a shim.
    if int(np.__version__.split('.')[0]) >= 2:
        from numpy._core import multiarray
    else:
        from numpy.core import multiarray
    return multiarray


# HistoryBuffer's statistics methods by default (``HistoryBuffer._set_default_statistics``).
_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_statistic(owner, name):
    """Stands in for ``builtins.getattr``: MMEngine's ``HistoryBuffer.__getstate__`` stores its
    class's statistics methods, and a protocol-2 pickle (torch.save's) spells each as
    ``getattr(HistoryBuffer, 'mean')``. The real ``getattr`` would reach anything (a function's
    ``__globals__``, then ``eval``); this one returns those four methods and refuses the rest."""
    from mmengine.logging import HistoryBuffer
    if owner is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return vars(HistoryBuffer)[name]
    raise _Refused(f'getattr({owner!r:.60}, {name!r:.40})')


def _checkpoint_globals() -> Dict[str, object]:
    """Name in a checkpoint's pickle -> the object it stands for, beyond torch's tensors.

    Each was found by listing the GLOBAL opcodes of real checkpoints: one written by MMEngine's
    runner (CLAMP and MMPose's SimpleBaseline configs) and one as MMCV 1.x's runner writes it;
    tests/utils/test_safe_checkpoint.py writes both and checks this list against them.
    """
    from mmengine.logging import HistoryBuffer
    multiarray = _numpy_multiarray()
    found = {
        # MMEngine 0.10 runners: the message hub's log_scalars (resume state), with their
        # statistics methods as getattr(HistoryBuffer, name) (a getattr limited to those).
        'mmengine.logging.history_buffer.HistoryBuffer': HistoryBuffer,
        'builtins.getattr': _history_buffer_statistic,
        # numpy arrays: HistoryBuffer's history, meta['dataset_meta'] (sigmas, colours, ...).
        'numpy.core.multiarray._reconstruct': multiarray._reconstruct,
        'numpy.ndarray': np.ndarray,
        # numpy scalars (MMEngine: meta['seed'] and the like; MMCV 1.x: meta['hook_msgs']
        # ['best_score'], a numpy float from the COCO evaluation) and every numpy array's dtype.
        'numpy.core.multiarray.scalar': multiarray.scalar,
        'numpy.dtype': np.dtype,
    }
    # The same functions as a numpy 2 process writes them (numpy.core became numpy._core).
    found['numpy._core.multiarray._reconstruct'] = multiarray._reconstruct
    found['numpy._core.multiarray.scalar'] = multiarray.scalar
    return found


def _torch_globals() -> Dict[str, object]:
    """What torch's weights_only unpickler allows by default: tensors, parameters, storages,
    dtypes, sizes, devices and the containers they come in; the restricted unpickler allows the
    same (torch's own weights_only path does not need this list)."""
    allowed = {
        'collections.OrderedDict': OrderedDict, 'collections.Counter': Counter,
        'builtins.set': set, 'builtins.bytearray': bytearray, 'builtins.complex': complex,
        '_codecs.encode': codecs.encode,
        'torch.Size': torch.Size, 'torch.Tensor': torch.Tensor, 'torch.device': torch.device,
        'torch.nn.parameter.Parameter': torch.nn.Parameter,
        'torch.UntypedStorage': torch.UntypedStorage,
        'torch.storage.UntypedStorage': torch.UntypedStorage,
        'torch._tensor._rebuild_from_type_v2': torch._tensor._rebuild_from_type_v2,
        'torch.serialization._get_layout': torch.serialization._get_layout,
    }
    for name in ('_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3',
                 '_rebuild_parameter', '_rebuild_parameter_with_state', '_rebuild_qtensor',
                 '_rebuild_sparse_tensor', '_rebuild_meta_tensor_no_storage',
                 '_rebuild_nested_tensor', '_rebuild_wrapper_subclass',
                 '_rebuild_device_tensor_from_numpy', '_rebuild_device_tensor_from_cpu_tensor'):
        if hasattr(torch._utils, name):
            allowed[f'torch._utils.{name}'] = getattr(torch._utils, name)
    for value in vars(torch).values():  # torch.float32, ..., torch.per_tensor_affine, ...
        if isinstance(value, (torch.dtype, torch.qscheme)):
            allowed[str(value)] = value
    for name in dir(torch):  # torch.FloatStorage, ...: how tensors name their storage's type
        if name.endswith('Storage') and f'torch.{name}' not in allowed:
            try:
                allowed[f'torch.{name}'] = torch.serialization.StorageType(name)
            except (KeyError, AttributeError, TypeError):
                pass  # not a legacy typed storage (TypedStorage itself, ...)
    return allowed


_ALLOWED: Optional[Dict[str, object]] = None


def allowed_globals() -> Dict[str, object]:
    """Every name a checkpoint may refer to (torch's defaults and :func:`_checkpoint_globals`)."""
    global _ALLOWED
    if _ALLOWED is None:
        _ALLOWED = {**_torch_globals(), **_checkpoint_globals()}
    return _ALLOWED


def is_trusted(filename: str) -> bool:
    """Whether ``CLAMP_MMPOSE_TRUST_CHECKPOINTS`` names ``filename`` (or is 1/true/yes/all)."""
    value = os.environ.get(TRUST_ENV, '').strip()
    if value.lower() in ('1', 'true', 'yes', 'all'):
        return True
    if value.lower() in ('', '0', 'false', 'no'):
        return False
    if '://' in filename:  # a URL has colons of its own: look for it whole between separators
        return f'{os.pathsep}{filename}{os.pathsep}' in f'{os.pathsep}{value}{os.pathsep}'
    target = osp.realpath(osp.expanduser(filename))
    return any(osp.realpath(osp.expanduser(e.strip())) == target
               for e in value.split(os.pathsep) if e.strip())


def _numpy_dtype_classes() -> Dict[str, type]:
    # numpy >= 1.25 gives each dtype its own class (numpy.dtypes.Float64DType, ...): unpickling
    # a dtype builds an instance of one of these, which torch checks by type, not by name.
    classes = {}
    for code in np.typecodes['All']:
        cls = type(np.dtype(code))
        if cls is not np.dtype:
            classes[f'{cls.__module__}.{cls.__qualname__}'] = cls
    return classes


_ALLOWED_IDS: Optional[set] = None
_BUILD_TYPES: Optional[set] = None


def _allowed_ids_and_build_types():
    global _ALLOWED_IDS, _BUILD_TYPES
    if _ALLOWED_IDS is None:
        allowed = allowed_globals()
        _ALLOWED_IDS = {id(obj) for obj in allowed.values()}
        _BUILD_TYPES = {obj for obj in allowed.values() if isinstance(obj, type)}
        _BUILD_TYPES |= set(_numpy_dtype_classes().values())
    return _ALLOWED_IDS, _BUILD_TYPES


# ------------------------------------------------------------------------------------------
# What a file holds, read without unpickling it (to name what is refused, and to check sizes).

_STRING_OPS = {'SHORT_BINUNICODE', 'BINUNICODE', 'BINUNICODE8', 'UNICODE', 'STRING',
               'BINSTRING', 'SHORT_BINSTRING'}
_MEMO_OPS = {'MEMOIZE', 'PUT', 'BINPUT', 'LONG_BINPUT', 'FRAME', 'PROTO'}


def _py3_name(module: str, name: str) -> str:
    # Protocol-2 pickles (torch.save's default) name builtins the Python 2 way ('__builtin__').
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return f'{module}.{name}'


def _globals_in_pickles(data: bytes) -> List[str]:
    """The globals (GLOBAL, INST and STACK_GLOBAL opcodes) of the pickles in ``data``, in order.

    A static read, used to name everything that a refused file refers to at once; what refuses
    is the unpickler, which sees every global it is asked for.
    """
    found, stream = [], io.BytesIO(data)
    for _ in range(8):  # a torch < 1.6 file is several pickles in a row, then raw bytes
        memo, pushed = {}, []
        try:
            for op, arg, _ in pickletools.genops(stream):
                if op.name in ('GLOBAL', 'INST'):
                    found.append(_py3_name(*arg.split(' ', 1)))
                elif op.name == 'STACK_GLOBAL':
                    module, name = ([None, None] + pushed)[-2:]
                    if isinstance(module, str) and isinstance(name, str):
                        found.append(_py3_name(module, name))  # else: the unpickler will see
                if op.name in _STRING_OPS:
                    pushed.append(arg)
                elif op.name in ('GET', 'BINGET', 'LONG_BINGET'):
                    pushed.append(memo.get(arg))
                elif op.name == 'MEMOIZE':
                    memo[len(memo)] = pushed[-1] if pushed else None
                elif op.name in ('PUT', 'BINPUT', 'LONG_BINPUT'):
                    memo[arg] = pushed[-1] if pushed else None
                elif op.name not in _MEMO_OPS:
                    pushed.append(None)
        except Exception:  # noqa: BLE001 - raw tensor bytes after the pickles, or a bad file
            break
        if stream.tell() >= len(data):
            break
    return found


def _inspect(filename: str):
    """(record sizes of a torch zip archive or None, the globals of its pickle, whether it is a
    TorchScript archive). Record names lose their archive folder, as torch's reader sees them."""
    try:
        with zipfile.ZipFile(filename) as archive:
            infos = archive.infolist()
            records = {info.filename.split('/', 1)[-1]: info.file_size for info in infos}
            pickles = [info for info in infos if info.filename.split('/', 1)[-1] == 'data.pkl']
            data = archive.read(pickles[0]) if pickles else b''
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        with open(filename, 'rb') as f:  # torch < 1.6's format, or not a checkpoint at all
            return None, _globals_in_pickles(f.read(1 << 20)), False
    torchscript = any(name.endswith('constants.pkl') for name in records)
    return records, _globals_in_pickles(data), torchscript


# ------------------------------------------------------------------------------------------
# The restricted unpickler (torch < 2.10).

class _Refused(pickle.UnpicklingError):
    def __init__(self, what: str, detail: str = ''):
        self.what = what
        super().__init__(detail or f'{what} {_NOT_ALLOWED}')


_NOT_ALLOWED = 'is not allowed by clamp_mmpose'


def _stack_below_mark(unpickler):
    if not unpickler.metastack or not unpickler.metastack[-1]:
        raise _Refused('a malformed pickle', 'an opcode without its target')
    return unpickler.metastack[-1][-1]


def _require_container(target, kinds, opcode):
    if type(target) not in kinds:
        raise _Refused(f'{opcode} on a {type(target).__name__}',
                       f'{opcode} may only fill a {" or ".join(k.__name__ for k in kinds)}, '
                       f'not a {type(target).__name__}')


class _Dispatch(dict):
    # The Python unpickler lets a KeyError out for an unknown opcode; say what it is.
    def __missing__(self, key):
        raise pickle.UnpicklingError(f'invalid load key, {bytes([key])!r}')


_DICTS, _LISTS, _SETS = (dict, OrderedDict, Counter), (list, ), (set, )


class _RestrictedUnpickler(pickle._Unpickler):
    """Python's own unpickler, allowed to reach only :func:`allowed_globals`.

    ``find_class`` returns the allowlisted object itself (nothing is imported); REDUCE, NEWOBJ
    and OBJ call only allowlisted callables, BUILD sets state only on instances of allowlisted
    types, SETITEM(S) / APPEND(S) / ADDITEMS fill only real dicts, lists and sets, and every
    tensor storage must fit in its archive record (torch's reader trusted the pickle's size).
    The pure-Python unpickler is used because its opcodes can be checked one by one; a
    checkpoint's pickle is small (the tensors' bytes are separate records).
    """
    record_sizes: Optional[Dict[str, int]] = None
    dispatch = _Dispatch(pickle._Unpickler.dispatch)

    def find_class(self, module, name):
        full = _py3_name(module, name)
        try:
            return allowed_globals()[full]
        except KeyError:
            raise _Refused(full) from None

    def _require_allowed(self, obj, opcode):
        if id(obj) not in _allowed_ids_and_build_types()[0]:
            raise _Refused(f'{opcode} of {obj!r:.80}')

    def _load_reduce(self):
        self._require_allowed(self.stack[-2], 'REDUCE')
        pickle._Unpickler.load_reduce(self)

    def _load_newobj(self):
        self._require_allowed(self.stack[-2], 'NEWOBJ')
        pickle._Unpickler.load_newobj(self)

    def _load_newobj_ex(self):
        self._require_allowed(self.stack[-3], 'NEWOBJ_EX')
        pickle._Unpickler.load_newobj_ex(self)

    def _load_obj(self):
        if not self.stack:
            raise _Refused('a malformed pickle', 'OBJ without a class')
        self._require_allowed(self.stack[0], 'OBJ')
        pickle._Unpickler.load_obj(self)

    def _load_build(self):
        inst = self.stack[-2]
        if type(inst) not in _allowed_ids_and_build_types()[1]:
            raise _Refused(f'BUILD of a {type(inst).__name__}',
                           f'setting the state of a {type(inst).__name__} is not allowed')
        pickle._Unpickler.load_build(self)

    def _load_setitem(self):
        _require_container(self.stack[-3], _DICTS, 'SETITEM')
        pickle._Unpickler.load_setitem(self)

    def _load_setitems(self):
        _require_container(_stack_below_mark(self), _DICTS, 'SETITEMS')
        pickle._Unpickler.load_setitems(self)

    def _load_append(self):
        _require_container(self.stack[-2], _LISTS, 'APPEND')
        pickle._Unpickler.load_append(self)

    def _load_appends(self):
        _require_container(_stack_below_mark(self), _LISTS, 'APPENDS')
        pickle._Unpickler.load_appends(self)

    def _load_additems(self):
        _require_container(_stack_below_mark(self), _SETS, 'ADDITEMS')
        pickle._Unpickler.load_additems(self)

    for _opcode, _handler in ((pickle.REDUCE, _load_reduce), (pickle.NEWOBJ, _load_newobj),
                              (pickle.NEWOBJ_EX, _load_newobj_ex), (pickle.OBJ, _load_obj),
                              (pickle.BUILD, _load_build), (pickle.SETITEM, _load_setitem),
                              (pickle.SETITEMS, _load_setitems), (pickle.APPEND, _load_append),
                              (pickle.APPENDS, _load_appends), (pickle.ADDITEMS, _load_additems)):
        dispatch[_opcode[0]] = _handler
    del _opcode, _handler

    # torch sets ``unpickler.persistent_load`` to its storage reader; this wraps it.
    @property
    def persistent_load(self):
        return self._checked_persistent_load

    @persistent_load.setter
    def persistent_load(self, function):
        self._torch_persistent_load = function

    def _checked_persistent_load(self, pid):
        if self.record_sizes is not None and isinstance(pid, tuple) and len(pid) == 5:
            storage_type, key, numel = pid[1], pid[2], pid[4]
            dtype = torch.uint8 if storage_type is torch.UntypedStorage else \
                getattr(storage_type, 'dtype', None)
            have = self.record_sizes.get(f'data/{key}')
            if isinstance(dtype, torch.dtype) and isinstance(numel, int) and have is not None:
                need = numel * torch._utils._element_size(dtype)
                if numel < 0 or need > have:
                    raise _Refused(f'a tensor larger than its data (storage {key})',
                                   f'storage {key} claims {need} bytes, the archive holds {have}')
        return self._torch_persistent_load(pid)


def _restricted_pickle_module(record_sizes: Optional[Dict[str, int]]) -> types.ModuleType:
    """The ``pickle_module`` for ``torch.load``: torch subclasses its ``Unpickler`` (torch < 1.6
    files also go through its ``load``)."""
    unpickler = type('Unpickler', (_RestrictedUnpickler, ), {'record_sizes': record_sizes})
    module = types.ModuleType('clamp_mmpose_restricted_pickle')
    module.Unpickler = unpickler
    module.load = lambda file, **kwargs: unpickler(file, **kwargs).load()
    module.UnpicklingError = pickle.UnpicklingError
    return module


# ------------------------------------------------------------------------------------------
# Loading.

_TORCH_LOCK = threading.Lock()


def _torch_safe_globals() -> list:
    # (object, name) pairs: names as the pickle spells them (the numpy 1 and 2 aliases differ
    # from the objects' own __module__), and numpy's dtype classes, which torch checks on BUILD.
    entries = [(obj, name) for name, obj in _checkpoint_globals().items()]
    return entries + [(cls, name) for name, cls in _numpy_dtype_classes().items()]


def _load_with_torch_weights_only(filename: str, map_location):
    """torch's own weights_only unpickler, with :func:`_checkpoint_globals` allowed during the
    call only. ``safe_globals`` edits a process-wide set: the lock keeps two of these calls from
    removing each other's entries, and entries the user had added already are left alone."""
    with _TORCH_LOCK:
        present = set(torch.serialization.get_safe_globals())
        missing = [entry for entry in _torch_safe_globals() if entry not in present]
        with torch.serialization.safe_globals(missing):
            return torch.load(filename, map_location=map_location, weights_only=True)


def _load_with_restricted_unpickler(filename: str, map_location, record_sizes):
    if os.getenv('TORCH_FORCE_WEIGHTS_ONLY_LOAD', '0').lower() in ('1', 'y', 'yes', 'true'):
        # The user asked torch for its strictest mode everywhere; it takes no pickle_module.
        return torch.load(filename, map_location=map_location, weights_only=True)
    return torch.load(filename, map_location=map_location, weights_only=False,
                      pickle_module=_restricted_pickle_module(record_sizes))


# The messages of torch's weights_only unpickler that refuse (others: a damaged file).
_TORCH_REFUSAL = re.compile(r'was not an allowed global|is blocked|Can only (create|build|append)'
                            r'|Can only \w+ for dict|Trying to call reduce|must be imported to '
                            r'load|Only persistent_load of storage|' + _NOT_ALLOWED)


def _refusal(filename: str, err: pickle.UnpicklingError, scanned: List[str]):
    """The UnsafeCheckpointError for an unpickler's refusal, naming all that it refers to."""
    allowed = allowed_globals()
    found = [name for name in dict.fromkeys(scanned) if name not in allowed]
    if isinstance(err, _Refused):
        what, detail = err.what, (str(err) if str(err) != f'{err.what} {_NOT_ALLOWED}' else '')
    else:  # torch's weights_only message: keep its diagnosis, not its advice
        match = re.search(r'GLOBAL (\S+) was not an allowed global|WeightsUnpickler error: (.*) '
                          + _NOT_ALLOWED, str(err))
        what = (match.group(1) or match.group(2)) if match else 'an operation outside plain data'
        reason = re.search(r'WeightsUnpickler error:\s*([^\n]+)', str(err))
        detail = '' if match else (reason.group(1) if reason else str(err).splitlines()[0])
    if what not in found:
        found.append(what)
    return UnsafeCheckpointError(filename, found, detail)


def load_checkpoint_file(filename: str, map_location=None, trusted: Optional[bool] = None):
    """``torch.load`` of a local checkpoint that refuses anything but :func:`allowed_globals`.

    Raises :class:`UnsafeCheckpointError` (nothing in the file has run then) for anything else,
    including TorchScript archives. ``trusted=True``, or the file named in
    ``CLAMP_MMPOSE_TRUST_CHECKPOINTS`` (``trusted=None``), loads it as plain ``torch.load(...,
    weights_only=False)`` would: only for files whose origin you trust.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if trusted or (trusted is None and is_trusted(filename)):
        from mmengine.logging import print_log
        print_log(f'{filename}: loading as a trusted checkpoint ({TRUST_ENV}); its pickle may '
                  f'run code.', logger='current')
        return torch.load(filename, map_location=map_location, weights_only=False)
    record_sizes, scanned, torchscript = _inspect(filename)
    if torchscript:
        raise UnsafeCheckpointError(
            filename, ['a TorchScript program'],
            'torch.load hands TorchScript archives to torch.jit.load; a checkpoint is never one')
    unexpected = [name for name in dict.fromkeys(scanned) if name not in allowed_globals()]
    if unexpected:
        raise UnsafeCheckpointError(filename, unexpected)
    try:
        if USE_TORCH_WEIGHTS_ONLY:
            return _load_with_torch_weights_only(filename, map_location)
        return _load_with_restricted_unpickler(filename, map_location, record_sizes)
    except _Refused as err:
        raise _refusal(filename, err, scanned) from None
    except pickle.UnpicklingError as err:
        if USE_TORCH_WEIGHTS_ONLY and _TORCH_REFUSAL.search(str(err)):
            raise _refusal(filename, err, scanned) from None
        raise  # a damaged file, not a refused one


def load_from_local(filename, map_location=None):
    """MMEngine's ``CheckpointLoader`` scheme for local paths (the default one)."""
    return load_checkpoint_file(filename, map_location)


def load_from_http(filename, map_location=None, model_dir=None, progress=True):
    """MMEngine's ``CheckpointLoader`` scheme for http(s) URLs: downloads into torch's hub cache
    (``<torch hub dir>/checkpoints``, as ``torch.hub.load_state_dict_from_url`` does; rank 0
    first when distributed), then loads the file like a local one. A URL named in
    ``CLAMP_MMPOSE_TRUST_CHECKPOINTS`` trusts its download."""
    from mmengine.dist import get_dist_info
    from torch.hub import download_url_to_file, get_dir

    model_dir = model_dir or osp.join(get_dir(), 'checkpoints')
    cached = osp.join(model_dir, osp.basename(urlparse(filename).path))
    rank, world_size = get_dist_info()
    if rank == 0 and not osp.isfile(cached):
        os.makedirs(model_dir, exist_ok=True)
        download_url_to_file(filename, cached, None, progress=progress)
    if world_size > 1:
        torch.distributed.barrier()  # the other ranks read rank 0's download
    try:
        return load_checkpoint_file(cached, map_location, trusted=is_trusted(filename) or None)
    except UnsafeCheckpointError as err:
        raise UnsafeCheckpointError(cached, err.found, err.detail, source=filename) from None


_PATCHED = False


def patch_mmengine_checkpoint_loading() -> None:
    """Register :func:`load_from_local` and :func:`load_from_http` in MMEngine's
    ``CheckpointLoader`` (idempotent). MMEngine 0.10.7's own loaders call ``torch.load`` with
    its default: on torch < 2.6 a checkpoint's pickle runs whatever it names; on torch >= 2.6
    MMEngine's own resume checkpoints fail (history buffers, numpy values)."""
    global _PATCHED
    if _PATCHED:
        return
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=load_from_http, force=True)
    _PATCHED = True
