"""Let MMEngine's ``compile=...`` compile an MMPose top-down training step."""
import logging
import types

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from ...utils.torch_version import torch_version

# Checked on torch 2.14: the CLAMP and SimpleBaseline steps compile. torch 2.1's Dynamo fails
# inside the model with an internal error; versions between are untested.
TESTED_FROM = (2, 4)


def torch_compiles_these_models() -> bool:
    """Whether this torch is one whose ``torch.compile`` handles CLAMP and the baselines."""
    return torch_version() >= TESTED_FROM


@HOOKS.register_module()
class CompileTrainStepHook(Hook):
    """Makes ``compile=True`` (or ``compile=dict(...)``, MMEngine's ``torch.compile`` options) in
    a config work for MMPose's top-down models; it does nothing when the config does not compile.

    MMEngine compiles the model's whole ``train_step``. Its first call, the data preprocessor,
    moves the packed samples to the device with ``BaseDataElement.to``, which calls ``.to`` on
    every field that has one. Dynamo traces numpy arrays as tensors, so for MMPose's numpy
    fields (``bboxes``, ``keypoints``...) the check passes and the call fails with
    ``'ndarray' object has no attribute 'to'``, before any model code. The hook runs the
    data preprocessor eagerly (``torch.compiler.disable``): it copies and normalises the batch
    and has nothing to fuse. Backbone, head and losses are then compiled; the step's other
    graph breaks are the backward call (MMEngine's ``update_params``) and, for MMPose's
    ``HeatmapHead``, its numpy accuracy ``acc_pose`` (CLAMP's head runs that outside the graph).

    It is in every config of this repository, baselines included, so that a compiled CLAMP is
    compared with a baseline compiled the same way.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        if not runner.cfg.get('compile'):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self.run_preprocessor_eagerly(model)
        if not torch_compiles_these_models():
            print_log(f'compile is set and torch is {torch.__version__}: these models compile '
                      f'on torch >= {TESTED_FROM[0]}.{TESTED_FROM[1]} (checked on 2.14); '
                      f'torch 2.1\'s Dynamo fails inside the model. If the first iteration '
                      f'fails in Dynamo, upgrade torch or drop compile from the config.',
                      logger='current', level=logging.WARNING)

    @staticmethod
    def run_preprocessor_eagerly(model) -> None:
        """Keep ``torch.compile`` out of ``model.data_preprocessor`` (once per model)."""
        preprocessor = model.data_preprocessor
        if getattr(preprocessor.forward, '_clamp_eager', False):
            return
        forward = torch.compiler.disable(type(preprocessor).forward)
        forward._clamp_eager = True
        # A method bound to this instance: a deep copy of the model (EMA, for one) gets its
        # own preprocessor's, not this one's.
        preprocessor.forward = types.MethodType(forward, preprocessor)
