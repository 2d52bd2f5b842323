from .compile_train_step_hook import CompileTrainStepHook
from .non_finite_loss_hook import NonFiniteLossHook

__all__ = ['CompileTrainStepHook', 'NonFiniteLossHook']
