"""Stop training at the first non-finite loss, before a checkpoint can be written."""
import math
from typing import Optional

from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raises as soon as a logged loss term of a training iteration is NaN or infinite.

    It runs right after the iteration, ahead of the checkpoint and logger hooks, so the last
    good checkpoint is kept and the message names the term (``loss_kpt``, ``loss_spatial``,
    ``loss_feature``, ...) that went bad.
    """

    priority = 'HIGHEST'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        # The terms before their sum, so that the message names the culprit.
        names = sorted((n for n in (outputs or {}) if n.startswith('loss')),
                       key=lambda n: n == 'loss')
        for name in names:
            value = outputs[name]
            value = float(value.detach() if hasattr(value, 'detach') else value)
            if not math.isfinite(value):
                raise FloatingPointError(
                    f'{name} is {value} at epoch {runner.epoch + 1}, iteration {runner.iter + 1} '
                    f'(training stopped; the last checkpoint in {runner.work_dir} is intact). '
                    f'Lower the learning rate or the loss weight of {name}, check the inputs '
                    f'for corrupt annotations, or resume from the last checkpoint with --resume.')
