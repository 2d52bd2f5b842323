"""Training-loop additions, registered in MMPose's HOOKS registry."""
from .hooks import *  # noqa: F401,F403
