import logging

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from tests.helpers import AP10K_CONFIGS, shrink_config


class _Records(logging.Handler):

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append((record.levelno, record.getMessage()))


@pytest.mark.parametrize('constructor', ['DefaultOptimWrapperConstructor',
                                         'CLAMPOptimWrapperConstructor'])
def test_frozen_text_tower_left_out_with_one_log_line(tmp_path, constructor):
    cfg = shrink_config(Config.fromfile(
        f'{AP10K_CONFIGS}/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py'), tmp_path, tmp_path)
    cfg.optim_wrapper.constructor = constructor
    init_default_scope('mmpose')  # as MMPose's runner sets it
    model = MODELS.build(cfg.model)
    frozen = {id(p) for p in model.head.text_encoder.clip_text.parameters()}
    records = _Records()
    logger = MMLogger.get_current_instance()
    logger.addHandler(records)
    try:
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    finally:
        logger.removeHandler(records)

    optimised = {id(p) for group in optim.optimizer.param_groups for p in group['params']}
    assert optimised.isdisjoint(frozen)
    assert id(model.head.text_encoder.context) in optimised
    assert len(optimised) == sum(1 for p in model.parameters() if p.requires_grad)
    warnings = [m for level, m in records.messages if 'is skipped since' in m]
    if constructor == 'DefaultOptimWrapperConstructor':  # what the constructor is for
        assert len(warnings) == len(frozen)
    else:
        assert warnings == []
        assert (logging.INFO, f'{len(frozen)} frozen parameter tensors (requires_grad=False) '
                'are not optimised') in records.messages
