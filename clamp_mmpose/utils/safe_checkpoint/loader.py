"""Loading: torch's weights_only unpickler or the restricted one, by torch version, and the
loaders registered in MMEngine's ``CheckpointLoader``."""
import hashlib
import os
import os.path as osp
import pickle
import re
import threading
from typing import List, Optional
from urllib.parse import urlparse

import torch

from ..torch_version import torch_version
from .allowlist import allowed_globals, checkpoint_globals, is_trusted, numpy_dtype_classes
from .errors import NOT_ALLOWED, TRUST_ENV, Refused, UnsafeCheckpointError
from .restricted_unpickler import restricted_pickle_module
from .scan import inspect_pickles

#: Whether torch can load with an allowlist of its own for one call (``safe_globals``, and
#: globals given under the names a pickle spells them: torch >= 2.6).
TORCH_WEIGHTS_ONLY_AVAILABLE = (torch_version() >= (2, 6)
                                and hasattr(torch.serialization, 'safe_globals'))
#: torch's own weights_only unpickler is used where it has no hole known to us (see the package docstring);
#: elsewhere the restricted unpickler of this module. Tests flip it to run both on one torch.
USE_TORCH_WEIGHTS_ONLY = TORCH_WEIGHTS_ONLY_AVAILABLE and torch_version() >= (2, 10)

_TORCH_LOCK = threading.Lock()


def _torch_safe_globals() -> list:
    # (object, name) pairs: names as the pickle spells them (the numpy 1 and 2 aliases differ
    # from the objects' own __module__), and numpy's dtype classes, which torch checks on BUILD.
    entries = [(obj, name) for name, obj in checkpoint_globals().items()]
    return entries + [(cls, name) for name, cls in numpy_dtype_classes().items()]


def _load_with_torch_weights_only(filename: str, map_location):
    """torch's own weights_only unpickler, with :func:`checkpoint_globals` allowed during the
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
                      pickle_module=restricted_pickle_module(record_sizes))


# The messages of torch's weights_only unpickler that refuse (others: a damaged file).
_TORCH_REFUSAL = re.compile(r'was not an allowed global|is blocked|Can only (create|build|append)'
                            r'|Can only \w+ for dict|Trying to call reduce|must be imported to '
                            r'load|Only persistent_load of storage|' + NOT_ALLOWED)


def _refusal(filename: str, err: pickle.UnpicklingError, scanned: List[str]):
    """The UnsafeCheckpointError for an unpickler's refusal, naming all that it refers to."""
    allowed = allowed_globals()
    found = [name for name in dict.fromkeys(scanned) if name not in allowed]
    if isinstance(err, Refused):
        what, detail = err.what, (str(err) if str(err) != f'{err.what} {NOT_ALLOWED}' else '')
    else:  # torch's weights_only message: keep its diagnosis, not its advice
        match = re.search(r'GLOBAL (\S+) was not an allowed global|WeightsUnpickler error: (.*) '
                          + NOT_ALLOWED, str(err))
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
    record_sizes, scanned, torchscript = inspect_pickles(filename)
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
    except Refused as err:
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
    # Keyed by the whole URL, so that trusting one URL never trusts another's earlier download
    # of the same file name.
    url_key = hashlib.sha256(filename.encode()).hexdigest()[:12]
    cached = osp.join(model_dir, f'{url_key}-{osp.basename(urlparse(filename).path)}')
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
