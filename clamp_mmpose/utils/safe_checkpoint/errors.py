"""What a refused checkpoint raises."""
import os
import pickle
from typing import List

#: The environment variable naming the checkpoint files the user trusts.
TRUST_ENV = 'CLAMP_MMPOSE_TRUST_CHECKPOINTS'
NOT_ALLOWED = 'is not allowed by clamp_mmpose'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint whose pickle refers to something that MMEngine, MMPose and MMCV checkpoints
    never hold; it was refused before any of it ran. ``filename`` and ``found`` (the names)
    are attributes; the message says how to load the file if it is trusted."""

    def __init__(self, filename: str, found: List[str], detail: str = '', source: str = ''):
        self.filename, self.found, self.detail, self.source = filename, list(found), detail, source
        origin = f' (downloaded from {source})' if source else ''
        super().__init__(
            f'{filename}{origin} was not loaded: it refers to {", ".join(self.found)}, which no '
            f'checkpoint of MMEngine, MMPose or MMCV holds, and loading it could run code. '
            f'Nothing in it was executed.{" (" + detail + ")" if detail else ""} '
            f'If you trust this file and where it came from, allow it with '
            f'{TRUST_ENV}={filename} in the environment (several paths separated by '
            f'"{os.pathsep}", or {TRUST_ENV}=1 for every file), or load it with '
            f'clamp_mmpose.utils.load_checkpoint_file(path, trusted=True).')

    def __reduce__(self):  # re-raised across processes (e.g. from a spawned worker) intact
        return type(self), (self.filename, self.found, self.detail, self.source)


class Refused(pickle.UnpicklingError):
    """Raised inside the restricted unpickler; :func:`.loader.load_checkpoint_file` turns it
    into an :class:`UnsafeCheckpointError`."""

    def __init__(self, what: str, detail: str = ''):
        self.what = what
        super().__init__(detail or f'{what} {NOT_ALLOWED}')
