import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from tests.helpers import BASELINE_RN50, CLAMP_RN50, shrink_config


def _config_and_checkpoint(path, data_root, tmp, name):
    cfg = shrink_config(Config.fromfile(path), data_root, str(tmp))
    config = str(tmp / f'{name}.py')
    cfg.dump(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = str(tmp / f'{name}.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    return config, checkpoint


@pytest.fixture(scope='session')
def tiny_clamp(synthetic_ap10k, tmp_path_factory):
    """(config, checkpoint) of the repository's CLAMP RN50 config, reduced, untrained."""
    return _config_and_checkpoint(CLAMP_RN50, synthetic_ap10k,
                                  tmp_path_factory.mktemp('tiny_clamp'), 'clamp_tiny')


@pytest.fixture(scope='session')
def tiny_baseline(synthetic_ap10k, tmp_path_factory):
    """(config, checkpoint) of the repository's SimpleBaseline RN50 config, reduced."""
    return _config_and_checkpoint(BASELINE_RN50, synthetic_ap10k,
                                  tmp_path_factory.mktemp('tiny_baseline'), 'baseline_tiny')
