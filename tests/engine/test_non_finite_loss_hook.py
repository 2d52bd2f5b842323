import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from tests.helpers import CLAMP_RN50, shrink_config


def test_nan_loss_stops_training_naming_the_term_before_any_checkpoint(synthetic_ap10k,
                                                                       tmp_path):
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, str(tmp_path))
    assert {'type': 'NonFiniteLossHook'} in cfg.custom_hooks
    cfg.model.head.loss_feature.loss_weight = float('nan')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(FloatingPointError, match=r'loss_feature is nan at epoch 1, '
                       r'iteration 1 .*last checkpoint'):
        runner.train()
    assert glob.glob(osp.join(str(tmp_path), '*.pth')) == []


def test_finite_losses_pass(synthetic_ap10k, tmp_path):
    from clamp_mmpose.engine import NonFiniteLossHook
    hook = NonFiniteLossHook()
    hook.after_train_iter(None, 0, outputs={'loss': 1.0, 'loss_kpt': 0.5, 'acc_pose': float('nan')})
