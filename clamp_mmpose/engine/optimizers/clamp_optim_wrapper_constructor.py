"""Optimizer construction for models with a frozen part (CLAMP's CLIP text encoder)."""
import logging

from mmengine.logging import MMLogger, print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from mmpose.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn

_FROZEN_SKIP_MESSAGE = 'is skipped since its requires_grad=False'


class _DropFrozenSkipWarnings(logging.Filter):

    def filter(self, record: logging.LogRecord) -> bool:
        return _FROZEN_SKIP_MESSAGE not in record.getMessage()


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class CLAMPOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """MMEngine's default constructor (``paramwise_cfg`` and all), with quiet frozen parameters.

    With a ``paramwise_cfg``, the default constructor leaves every ``requires_grad=False``
    parameter out of the optimizer and warns once per tensor: about 150 warnings for CLIP's
    frozen text tower at the start of every CLAMP run. This constructor leaves them out the
    same way and logs one line with their count instead.
    """

    def __call__(self, model: nn.Module):
        frozen = sum(1 for p in model.parameters() if not p.requires_grad)
        logger = MMLogger.get_current_instance()
        quiet = _DropFrozenSkipWarnings()
        logger.addFilter(quiet)
        try:
            optim_wrapper = super().__call__(model)
        finally:
            logger.removeFilter(quiet)
        if frozen:
            print_log(f'{frozen} frozen parameter tensors (requires_grad=False) are not '
                      f'optimised', logger='current', level=logging.INFO)
        return optim_wrapper
