"""CLAMP (CVPR 2023) for MMPose 1.x.

Importing the package registers its backbone, head, losses, codec, datasets and hooks in MMPose's
registries (configs do it with ``custom_imports = dict(imports=['clamp_mmpose'])``), makes
MMEngine's checkpoint loading safe (a checkpoint's pickle may hold only what MMEngine, MMPose and
MMCV checkpoints hold: no code runs from someone else's file, and MMEngine's own checkpoints load
under torch >= 2.6), and lets MMEngine start CPU-only (gloo) process groups (see
:mod:`clamp_mmpose.utils`).

Where the OpenMMLab stack is not installed (a deployment machine with onnxruntime only), the
package imports without it and :mod:`clamp_mmpose.deploy` runs exported models.
"""
from importlib.util import find_spec

from .version import __version__

# torch, mmengine, mmcv and mmpose together; any one missing (or blocked) means deployment only.
WITH_TRAINING_STACK = all(find_spec(name) is not None
                          for name in ('torch', 'mmengine', 'mmcv', 'mmpose'))

if WITH_TRAINING_STACK:
    from .utils import patch_mmengine_checkpoint_loading, patch_mmengine_cpu_distributed

    patch_mmengine_checkpoint_loading()
    patch_mmengine_cpu_distributed()

    from . import codecs, datasets, engine, evaluation, models  # noqa: E402,F401  (registers them)

__all__ = ['__version__', 'WITH_TRAINING_STACK']
