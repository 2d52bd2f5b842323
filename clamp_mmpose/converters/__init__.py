"""Checkpoints of other code bases in this plugin's format (the authors' MMPose 0.x CLAMP:
:mod:`.official`). Submodules are imported on use."""
