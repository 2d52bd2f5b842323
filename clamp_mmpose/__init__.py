"""CLAMP (CVPR 2023) for MMPose 1.x.

Importing the package registers its backbone, head, losses, datasets and hooks in MMPose's
registries (configs do it with ``custom_imports = dict(imports=['clamp_mmpose'])``), and lets
MMEngine load its own checkpoints under torch >= 2.6 and start CPU-only (gloo) process groups
(see :mod:`clamp_mmpose.utils`).
"""
from .utils import patch_mmengine_checkpoint_loading, patch_mmengine_cpu_distributed
from .version import __version__

patch_mmengine_checkpoint_loading()
patch_mmengine_cpu_distributed()

from . import datasets, engine, models  # noqa: E402,F401  (registers the components)

__all__ = [
    '__version__', 'patch_mmengine_checkpoint_loading', 'patch_mmengine_cpu_distributed'
]
