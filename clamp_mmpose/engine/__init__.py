"""Training-loop additions, registered in MMPose's registries (hooks, optimizer constructor)."""
from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
