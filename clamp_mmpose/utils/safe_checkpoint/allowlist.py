"""What a checkpoint may name: the globals MMEngine 0.10 and MMCV 1.x runners write, torch's
own tensor machinery, and the files the user trusts."""
import codecs
import os
import os.path as osp
from collections import Counter, OrderedDict
from typing import Dict, Optional

import numpy as np
import torch

from .errors import TRUST_ENV, Refused


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
    raise Refused(f'getattr({owner!r:.60}, {name!r:.40})')


def checkpoint_globals() -> Dict[str, object]:
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


def torch_globals() -> Dict[str, object]:
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
    """Every name a checkpoint may refer to (torch's defaults and :func:`checkpoint_globals`)."""
    global _ALLOWED
    if _ALLOWED is None:
        _ALLOWED = {**torch_globals(), **checkpoint_globals()}
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


def numpy_dtype_classes() -> Dict[str, type]:
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


def allowed_ids_and_build_types():
    global _ALLOWED_IDS, _BUILD_TYPES
    if _ALLOWED_IDS is None:
        allowed = allowed_globals()
        _ALLOWED_IDS = {id(obj) for obj in allowed.values()}
        _BUILD_TYPES = {obj for obj in allowed.values() if isinstance(obj, type)}
        _BUILD_TYPES |= set(numpy_dtype_classes().values())
    return _ALLOWED_IDS, _BUILD_TYPES
