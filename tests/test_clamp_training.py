"""End to end: the repository's CLAMP config, reduced, trains through MMPose's runner on
generated AP-10K-format data and evaluates with AP-10K's metric."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from tests.helpers import CLAMP_RN50, REPO, shrink_config


@pytest.fixture(scope='module')
def trained_clamp(synthetic_ap10k, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('clamp_rn'))
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, work_dir, max_epochs=5)
    cfg.optim_wrapper.optimizer.lr = 2e-3
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def test_all_losses_finite_and_total_loss_falls(trained_clamp):
    scalars = trained_clamp.message_hub.log_scalars
    series = {}
    for name in ('loss', 'loss_kpt', 'loss_spatial', 'loss_feature', 'acc_pose'):
        values, _ = scalars[f'train/{name}'].data
        series[name] = np.asarray(values, dtype=float)
    iters_per_epoch = len(trained_clamp.train_dataloader)
    assert len(series['loss']) == 5 * iters_per_epoch
    for name in ('loss_kpt', 'loss_spatial', 'loss_feature'):
        assert np.isfinite(series[name]).all() and (series[name] > 0).all(), name
    total = series['loss']
    np.testing.assert_allclose(
        total, series['loss_kpt'] + series['loss_spatial'] + series['loss_feature'],
        rtol=1e-4)
    assert total[-iters_per_epoch:].mean() < 0.8 * total[:iters_per_epoch].mean(), total


def test_evaluation_returns_ap(trained_clamp):
    metrics = trained_clamp.val_loop.run()
    assert 0.0 <= metrics['coco/AP'] <= 1.0
    assert set(metrics) >= {'coco/AP', 'coco/AP .5', 'coco/AR'}


def test_checkpoint_has_everything_to_resume(trained_clamp):
    ckpt = osp.join(trained_clamp.work_dir, 'epoch_5.pth')
    from mmengine.runner.checkpoint import _load_checkpoint
    checkpoint = _load_checkpoint(ckpt, map_location='cpu')
    keys = checkpoint['state_dict']
    assert 'head.text_encoder.context' in keys
    assert 'head.loss_feature_module.logit_scale' in keys
    assert checkpoint['meta']['epoch'] == 5


def test_mim_train_and_test_on_a_repository_config(synthetic_ap10k, tmp_path):
    """`mim train mmpose <config>` / `mim test mmpose <config> --checkpoint` with the package
    installed (the config is the repository's CLAMP RN50 config, reduced)."""
    work_dir = str(tmp_path / 'mim')
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, work_dir, max_epochs=1)
    config = str(tmp_path / 'clamp_tiny.py')
    cfg.dump(config)
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    run = subprocess.run([mim, 'train', 'mmpose', config, '--work-dir', work_dir], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    checkpoint = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(checkpoint)
    run = subprocess.run([mim, 'test', 'mmpose', config, '--checkpoint', checkpoint,
                          '--work-dir', work_dir], cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert 'coco/AP:' in run.stdout + run.stderr


def _tiny_runner_parts(synthetic_ap10k, tmp_path):
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')  # as MMPose's runner sets it (the config names our constructor)
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, str(tmp_path))
    model = MODELS.build(cfg.model)
    model.init_weights()
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    return cfg, model, loader, build_optim_wrapper


def test_ddp_without_find_unused_parameters(synthetic_ap10k, tmp_path):
    """Every trainable parameter gets a gradient each step, so MMEngine's DDP wrapper runs
    with find_unused_parameters=False (it raises on the next step otherwise)."""
    import torch
    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel
    cfg, model, loader, build_optim_wrapper = _tiny_runner_parts(synthetic_ap10k, tmp_path)
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/dist_init', rank=0,
                            world_size=1)
    try:
        ddp = MMDistributedDataParallel(model, find_unused_parameters=False)
        optim = build_optim_wrapper(ddp, cfg.optim_wrapper)
        batches = iter(loader)
        for _ in range(3):
            losses = ddp.train_step(next(batches), optim)
            assert all(torch.isfinite(v) for v in losses.values())
    finally:
        dist.destroy_process_group()


def test_mixed_precision_step_is_finite(synthetic_ap10k, tmp_path):
    """Under autocast (bf16 on the CPU; MMPose's --amp uses fp16 autocast on GPUs) the whole
    CLAMP step runs and all three losses are finite."""
    import torch

    from clamp_mmpose.utils.torch_version import torch_version
    cfg, model, loader, build_optim_wrapper = _tiny_runner_parts(synthetic_ap10k, tmp_path)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    data = model.data_preprocessor(next(iter(loader)), training=True)
    # torch 2.1's CPU flash attention corrupts the heap in its bf16 backward for some shapes
    # (head width 32, 17 tokens: "double free or corruption" on CPUs with AVX512-BF16); torch
    # 2.2+ is fixed. On 2.1 the step runs with PyTorch's plain attention kernel instead.
    old_torch = torch_version() < (2, 2)
    flash = torch.backends.cuda.flash_sdp_enabled()
    torch.backends.cuda.enable_flash_sdp(flash and not old_torch)
    try:
        with torch.autocast('cpu', dtype=torch.bfloat16):
            losses = model(**data, mode='loss')
        for name in ('loss_kpt', 'loss_spatial', 'loss_feature'):
            assert torch.isfinite(losses[name].float()), name
        optim.update_params(
            sum(losses[n] for n in ('loss_kpt', 'loss_spatial', 'loss_feature')))
    finally:
        torch.backends.cuda.enable_flash_sdp(flash)
