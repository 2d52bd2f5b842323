"""Load checkpoints without letting them run code.

A ``.pth`` file is a pickle, and a pickle may name any function of any installed module and call
it while it loads: ``os.system`` in a checkpoint's ``meta`` runs as soon as ``torch.load`` reads
it with ``weights_only=False`` (torch < 2.6's default, which MMEngine 0.10.7's loaders use).
torch's ``weights_only=True`` refuses everything but tensors and plain containers, and so also
refuses MMEngine's own checkpoints (history buffers, numpy values in ``meta`` and the message
hub). This module allows exactly what MMEngine 0.10 runners and MMCV 1.x runners (the authors'
``epoch_210.pth``) write (:func:`.allowlist.checkpoint_globals`, torch's own tensor machinery
aside), and refuses the rest with an :class:`UnsafeCheckpointError` before any of it runs.

How, by torch version (see :data:`.loader.USE_TORCH_WEIGHTS_ONLY`):

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

The parts: :mod:`.allowlist` (what may be named, which files are trusted), :mod:`.scan` (what a
file names, read without unpickling it), :mod:`.restricted_unpickler`, :mod:`.loader` (the
loading itself and MMEngine's loaders), :mod:`.errors`.
"""
from .allowlist import allowed_globals, checkpoint_globals, is_trusted, torch_globals
from .errors import TRUST_ENV, UnsafeCheckpointError
from .loader import (TORCH_WEIGHTS_ONLY_AVAILABLE, USE_TORCH_WEIGHTS_ONLY, load_checkpoint_file,
                     load_from_http, load_from_local, patch_mmengine_checkpoint_loading)

__all__ = ['TORCH_WEIGHTS_ONLY_AVAILABLE', 'TRUST_ENV', 'USE_TORCH_WEIGHTS_ONLY',
           'UnsafeCheckpointError', 'allowed_globals', 'checkpoint_globals', 'is_trusted',
           'load_checkpoint_file', 'load_from_http', 'load_from_local',
           'patch_mmengine_checkpoint_loading', 'torch_globals']
