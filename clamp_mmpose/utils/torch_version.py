"""The installed torch's release, for the few places whose behaviour depends on it."""
import re

import torch


def torch_version() -> tuple:
    """(major, minor) of the installed torch, e.g. (2, 1) for '2.1.2+cu121'."""
    return tuple(int(p) for p in re.findall(r'\d+', torch.__version__.split('+')[0])[:2])
