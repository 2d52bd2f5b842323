"""Let MMEngine 0.10.7 read its own checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. MMEngine 0.10.7 checkpoints pickle
more than tensors (the message hub's history buffers, numpy scalars and arrays, and ``getattr``
calls used to rebuild them), so ``--resume``, ``load_from`` and ``tools/test.py`` fail with
"Weights only load failed". MMEngine's later releases pass ``weights_only=False`` in their own
checkpoint loaders; this does the same, and nothing more: the loaders registered in MMEngine's
``CheckpointLoader`` for local files and URLs are replaced. Every other ``torch.load`` in the
process keeps torch's safe default.

Only load checkpoints you trust, as with any pickle.
"""
import os.path as osp

import torch
from mmengine.runner.checkpoint import CheckpointLoader

_PATCHED = False


def _load_from_local(filename, map_location):
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def _load_from_http(filename, map_location=None, model_dir=None, progress=True):
    from torch.hub import load_state_dict_from_url
    return load_state_dict_from_url(
        filename, model_dir=model_dir, map_location=map_location, progress=progress,
        weights_only=False)


def patch_mmengine_checkpoint_loading() -> None:
    """Register the weights_only=False loaders in MMEngine's CheckpointLoader (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=_load_from_http, force=True)
    _PATCHED = True
