"""Deprecated, removed in the next release: checkpoint loading lives in
:mod:`clamp_mmpose.utils.safe_checkpoint` (an allowlist instead of ``weights_only=False``); its
name still imports from here, with a DeprecationWarning."""
from .deprecation import moved_names

__all__ = ['patch_mmengine_checkpoint_loading']
__getattr__ = moved_names(__name__, 'clamp_mmpose.utils.safe_checkpoint', __all__)
