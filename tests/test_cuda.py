"""CUDA smoke test: a small CLAMP model trained, validated and exported on the GPU.

Skipped without CUDA. ``CLAMP_TEST_CUDA_ON_CPU=1`` runs the float32 case on the CPU too (to
develop the test on a machine without a GPU). On a GPU:
``python -m pytest tests/test_cuda.py -v``.
"""
import copy
import math
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from clamp_mmpose.deploy import OnnxPoseModel
from clamp_mmpose.tools import export
from tests.helpers import CLAMP_RN50, shrink_config

CUDA = torch.cuda.is_available()
CASES = [
    pytest.param(('cuda', False), id='cuda-fp32',
                 marks=pytest.mark.skipif(not CUDA, reason='needs a CUDA GPU')),
    pytest.param(('cuda', True), id='cuda-amp',
                 marks=pytest.mark.skipif(not CUDA, reason='needs a CUDA GPU')),
    # MMEngine's runner puts the model on the GPU whenever there is one.
    pytest.param(('cpu', False), id='cpu-fp32', marks=pytest.mark.skipif(
        CUDA or not os.environ.get('CLAMP_TEST_CUDA_ON_CPU'),
        reason='a machine without CUDA and CLAMP_TEST_CUDA_ON_CPU=1')),
]
EPOCHS = 8  # 48 training images, batch 8: 48 iterations


@pytest.fixture(scope='module', params=CASES)
def trained(request, synthetic_ap10k, tmp_path_factory):
    """(device, runner after training, its config file, AP of the final validation)."""
    device, amp = request.param
    work_dir = tmp_path_factory.mktemp(f'cuda_smoke_{device}_{"amp" if amp else "fp32"}')
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, str(work_dir),
                        max_epochs=EPOCHS)
    cfg.model.test_cfg = dict(flip_test=True, shift_heatmap=True)
    cfg.optim_wrapper.optimizer.lr = 1e-3
    if amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = 'float16'
    config = str(work_dir / 'config.py')
    cfg.dump(config)
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    runner.train()
    metrics = runner.val()
    return device, runner, config, metrics


def _losses(runner):
    values, _ = runner.message_hub.get_scalar('train/loss').data
    return np.asarray(values, np.float64)


def test_loss_is_finite_and_falls(trained):
    _, runner, _, _ = trained
    losses = _losses(runner)
    assert len(losses) >= 40 and np.isfinite(losses).all()
    assert losses[-8:].mean() < 0.8 * losses[:8].mean(), losses


def test_validation_with_flip_test_gives_an_ap(trained):
    _, runner, _, metrics = trained
    assert runner.model.test_cfg['flip_test']
    assert 'coco/AP' in metrics and math.isfinite(metrics['coco/AP'])


def test_every_tensor_of_the_model_lives_on_the_device(trained):
    device, runner, _, _ = trained
    model = runner.model
    misplaced = [name for name, t in [*model.named_parameters(), *model.named_buffers()]
                 if t.device.type != device]
    # Tensors kept as plain attributes (not parameters or buffers) do not follow .to().
    for module_name, module in model.named_modules():
        misplaced += [f'{module_name}.{attr}' for attr, value in vars(module).items()
                      if isinstance(value, torch.Tensor) and value.device.type != device]
    assert not misplaced
    head = model.head
    with torch.no_grad():
        prompts = head.encode_prompts()
    assert prompts.device.type == device


def test_onnx_export_matches_the_device_model(trained):
    device, runner, config, _ = trained
    model = runner.model.eval()
    checkpoint = os.path.join(runner.work_dir, f'epoch_{EPOCHS}.pth')
    out = os.path.join(runner.work_dir, 'deploy', 'clamp')
    assert export.main([config, checkpoint, out, '--onnx']) == 0
    onnx_model = OnnxPoseModel(out + '.deploy.json')
    w, h = onnx_model.input_size
    images = torch.randn(4, 3, h, w, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model(images.to(device), None, mode='tensor').float().cpu().numpy()
    got = onnx_model.heatmaps(images.numpy())
    # cuDNN convolutions use TF32 by default: about 1e-3 relative, not float32's 1e-6.
    scale = np.abs(expected).max()
    assert scale > 1e-3
    assert np.abs(got - expected).max() < (1e-2 if device == 'cuda' else 1e-4) * scale
