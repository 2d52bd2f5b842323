"""Old module paths kept for one release: their names, read from the new home, with a warning."""
import importlib
import warnings
from typing import Callable, Sequence


def moved_names(old_module: str, new_module: str, names: Sequence[str]) -> Callable[[str], object]:
    """A module ``__getattr__`` (PEP 562) for ``old_module`` that gives each of ``names`` from
    ``new_module``, with a DeprecationWarning saying where it lives now."""

    def __getattr__(name: str):
        if name not in names:
            raise AttributeError(f'module {old_module!r} has no attribute {name!r}')
        warnings.warn(f'{old_module}.{name} is deprecated (removed in the next release): import '
                      f'it from {new_module}', DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(new_module), name)

    return __getattr__
