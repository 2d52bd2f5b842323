"""Optimizer construction for models with a frozen part (CLAMP's CLIP text encoder)."""
import logging

from mmengine.logging import MMLogger, print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from mmpose.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn
from torch.optim import Optimizer

_FROZEN_SKIP_MESSAGE = 'is skipped since its requires_grad=False'


class _DropFrozenSkipWarnings(logging.Filter):

    def filter(self, record: logging.LogRecord) -> bool:
        return _FROZEN_SKIP_MESSAGE not in record.getMessage()


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class CLAMPOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """MMEngine's default constructor (``paramwise_cfg`` and all), with quiet frozen parameters
    and one parameter group per setting.

    With a ``paramwise_cfg``, the default constructor leaves every ``requires_grad=False``
    parameter out of the optimizer and warns once per tensor: about 150 warnings for CLIP's
    frozen text tower at the start of every CLAMP run. This constructor leaves them out the
    same way and logs one line with their count instead.

    The default constructor also makes one parameter group per tensor, and PyTorch's foreach
    optimizers (AdamW on CUDA) launch their kernels per group: about 300 groups of one tensor
    each made the optimizer step of CLAMP RN50 a third of its training step on an H200, spent
    launching kernels. Groups with the same settings are merged (:func:`merge_param_groups`),
    which changes no update.
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
        merge_param_groups(optim_wrapper.optimizer)
        if frozen:
            print_log(f'{frozen} frozen parameter tensors (requires_grad=False) are not '
                      f'optimised', logger='current', level=logging.INFO)
        return optim_wrapper


def merge_param_groups(optimizer: Optimizer) -> None:
    """Merge an optimizer's parameter groups that have the same settings (lr, weight decay,
    betas...), in order of first appearance. Before any step: the state is empty."""
    if optimizer.state:
        raise RuntimeError('merge_param_groups must run before the optimizer has any state')
    merged = {}
    for group in optimizer.param_groups:
        # lr_mult / decay_mult: the constructor's notes of how lr and weight_decay were made.
        group = {k: v for k, v in group.items() if k not in ('lr_mult', 'decay_mult')}
        settings = tuple(sorted((k, repr(v)) for k, v in group.items() if k != 'params'))
        merged.setdefault(settings, dict(group, params=[]))['params'].extend(group['params'])
    optimizer.param_groups = list(merged.values())
