"""The old homes of keypoint language (``clamp_mmpose.datasets.keypoint_words`` and
``keypoint_union``), kept one release: their names, read from here, with a DeprecationWarning."""
import warnings
from typing import Callable, Sequence


def moved_here(old_module: str, names: Sequence[str]) -> Callable[[str], object]:
    """A module ``__getattr__`` (PEP 562) for ``old_module`` that gives each of ``names`` from
    :mod:`clamp_mmpose.keypoints`, warning that it moved."""

    def __getattr__(name: str):
        if name not in names:
            raise AttributeError(f'module {old_module!r} has no attribute {name!r}')
        warnings.warn(f'{old_module}.{name} is deprecated (removed in the next release): import '
                      f'it from clamp_mmpose.keypoints', DeprecationWarning, stacklevel=2)
        from .. import keypoints
        return getattr(keypoints, name)

    return __getattr__
