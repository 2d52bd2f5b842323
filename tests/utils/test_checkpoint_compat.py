"""MMEngine 0.10.7 checkpoints load under torch >= 2.6 once clamp_mmpose is imported (and still
under torch < 2.6, where torch's default was never strict), and only MMEngine's checkpoint loading
changes."""
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import mmpose
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

from tests.helpers import REPO, shrink_config

MMPOSE_RES50_AP10K = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                              'animal_2d_keypoint', 'topdown_heatmap', 'ap10k',
                              'td-hm_res50_8xb64-210e_ap10k-256x256.py')


def _mmengine_like_checkpoint(path):
    # What MMEngine's runner stores besides tensors: history buffers, numpy values.
    torch.save({'meta': {'epoch': 3, 'seed': np.int64(7)},
                'message_hub': {'log_scalars': {'loss': HistoryBuffer([1.0, 0.5], [1, 1])}},
                'state_dict': {'w': torch.ones(2)}}, path)


TORCH_SAFE_BY_DEFAULT = tuple(int(v) for v in torch.__version__.split('.')[:2]) >= (2, 6)


def test_mmengine_loader_reads_full_checkpoints_but_torch_load_is_untouched(tmp_path):
    path = str(tmp_path / 'epoch_3.pth')
    _mmengine_like_checkpoint(path)
    checkpoint = _load_checkpoint(path, map_location='cpu')
    assert checkpoint['meta']['epoch'] == 3
    assert checkpoint['message_hub']['log_scalars']['loss'].current() == 0.5
    # torch.load itself is torch's own: the safe mode still refuses the pickled objects ...
    assert torch.load.__module__ == 'torch.serialization'
    with pytest.raises(pickle.UnpicklingError, match='Weights only load failed'):
        torch.load(path, weights_only=True)
    # ... and its default is the torch version's: safe from 2.6 on, everything before.
    if TORCH_SAFE_BY_DEFAULT:
        with pytest.raises(pickle.UnpicklingError, match='Weights only load failed'):
            torch.load(path)
    else:
        assert torch.load(path)['meta']['epoch'] == 3


def _train(config, *args):
    # mmpose's own train script, in a fresh process, with no environment tweaks.
    script = osp.join(osp.dirname(mmpose.__file__), '.mim', 'tools', 'train.py')
    env = {k: v for k, v in os.environ.items() if k != 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'}
    result = subprocess.run([sys.executable, script, config, *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def test_mmpose_resnet_config_trains_saves_and_resumes(synthetic_ap10k, tmp_path):
    cfg = Config.fromfile(MMPOSE_RES50_AP10K)
    cfg.custom_imports = dict(imports=['clamp_mmpose'], allow_failed_imports=False)
    cfg.model.backbone.update(depth=18, init_cfg=None)
    cfg.model.head.update(in_channels=512, deconv_out_channels=(32, 32),
                          deconv_kernel_sizes=(4, 4))
    work_dir = str(tmp_path / 'work')
    shrink_config(cfg, synthetic_ap10k, work_dir, input_size=64, max_epochs=1)
    cfg.model.head.decoder = dict(cfg.codec, heatmap_size=(8, 8))
    for split in ('train', 'val', 'test'):
        for step in cfg[f'{split}_dataloader'].dataset.pipeline:
            if step['type'] == 'GenerateTarget':
                step['encoder'] = cfg.model.head.decoder
    first = str(tmp_path / 'res18_1epoch.py')
    cfg.dump(first)
    _train(first)
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))

    cfg.train_cfg.update(max_epochs=2, val_interval=2)
    second = str(tmp_path / 'res18_2epochs.py')
    cfg.dump(second)
    log = _train(second, '--resume')
    assert re.search(r'resumed epoch: 1, iter: \d+', log), log[-3000:]
    assert 'Epoch(train) [2]' in log and 'Epoch(train) [1]' not in log
    final = _load_checkpoint(osp.join(work_dir, 'epoch_2.pth'), map_location='cpu')
    assert final['meta']['epoch'] == 2
