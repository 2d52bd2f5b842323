"""CLAMP on MMEngine's distributed runner (2 CPU processes, gloo) and recovery after a kill."""
import json
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint
from mmpose.apis import init_model

from tests.helpers import CLAMP_RN50, OLD_DYNAMO, REPO, shrink_config


def _env():
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    return env


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.parametrize('compiled', [
    False,
    # compile= in the config: MMEngine compiles the DDP-wrapped train_step (Dynamo and
    # AOTAutograd here; see tests/engine/test_compile_train_step_hook.py).
    pytest.param(True, marks=pytest.mark.skipif(
        OLD_DYNAMO, reason='torch < 2.4: Dynamo fails inside the model'))])
def test_two_processes_agree_evaluate_once_and_save_a_loadable_checkpoint(
        compiled, synthetic_ap10k, tmp_path):
    work_dir = str(tmp_path / 'dist')
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, work_dir, max_epochs=2,
                        batch_size=4)
    if compiled:
        cfg.compile = dict(backend='aot_eager')
    cfg.custom_imports.imports.append('tests.dist_probe')
    cfg.custom_hooks.append(dict(type='RankProbeHook'))
    # CPU processes: gloo, and DDP without device ids.
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None)
    config = str(tmp_path / 'clamp_dist.py')
    cfg.dump(config)

    run = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), config, '2'], cwd=REPO,
        env=dict(_env(), PYTHON=sys.executable, PORT=str(_free_port())), capture_output=True,
        text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    ranks = [json.load(open(osp.join(work_dir, f'rank{r}.json'))) for r in (0, 1)]
    assert [r['world_size'] for r in ranks] == [2, 2]
    assert ranks[0]['checksum'] == ranks[1]['checksum']  # DDP kept the replicas identical
    # MMEngine gathers the predictions of both ranks and computes AP once, on rank 0.
    assert [r['metric_computations'] for r in ranks] == [1, 0]
    assert (run.stdout + run.stderr).count('coco/AP:') == 1
    if compiled:
        assert 'Model has been "compiled"' in run.stdout + run.stderr

    model = init_model(config, osp.join(work_dir, 'epoch_2.pth'), device='cpu')
    checksum = float(sum(p.detach().double().sum() for p in model.parameters()))
    assert abs(checksum - ranks[0]['checksum']) < 1e-6 * max(1.0, abs(checksum))


def _deterministic_config(data_root, work_dir, tmp_path, name):
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), data_root, work_dir, max_epochs=4,
                        batch_size=4)
    # Random augmentation and dropout draw from RNG streams that a resumed run does not
    # restore; without them, the same seed gives the same training.
    for step in cfg.train_dataloader.dataset.pipeline:
        if step['type'] in ('RandomFlip', 'RandomHalfBody', 'RandomBBoxTransform'):
            step['prob' if step['type'] != 'RandomBBoxTransform' else 'rotate_prob'] = 0.0
            if step['type'] == 'RandomBBoxTransform':
                step.update(scale_prob=0.0, shift_prob=0.0)
    cfg.model.head.context_decoder['dropout'] = 0.0
    cfg.randomness = dict(seed=0, deterministic=True)
    config = str(tmp_path / f'{name}.py')
    cfg.dump(config)
    return config


def _train_script():
    import mmpose
    return osp.join(osp.dirname(mmpose.__file__), '.mim', 'tools', 'train.py')


def test_resume_after_sigkill_matches_an_uninterrupted_run(synthetic_ap10k, tmp_path):
    killed_dir, clean_dir = str(tmp_path / 'killed'), str(tmp_path / 'clean')
    killed_cfg = _deterministic_config(synthetic_ap10k, killed_dir, tmp_path, 'killed')
    clean_cfg = _deterministic_config(synthetic_ap10k, clean_dir, tmp_path, 'clean')

    proc = subprocess.Popen([sys.executable, _train_script(), killed_cfg], cwd=REPO,
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = osp.join(killed_dir, 'last_checkpoint')
    deadline = time.time() + 600
    while not osp.isfile(last) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, 'training ended before it could be killed'
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _load_checkpoint(open(last).read().strip(), map_location='cpu')['meta']['epoch']
    assert killed_at < 4

    resumed = subprocess.run([sys.executable, _train_script(), killed_cfg, '--resume'],
                             cwd=REPO, env=_env(), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f'resumed epoch: {killed_at}' in resumed.stdout + resumed.stderr
    clean = subprocess.run([sys.executable, _train_script(), clean_cfg], cwd=REPO, env=_env(),
                           capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stderr[-3000:]

    a = _load_checkpoint(osp.join(killed_dir, 'epoch_4.pth'), map_location='cpu')
    b = _load_checkpoint(osp.join(clean_dir, 'epoch_4.pth'), map_location='cpu')
    assert a['meta']['epoch'] == b['meta']['epoch'] == 4
    for key, value in b['state_dict'].items():
        # Tolerance: 1e-6 absolute (float32 CPU kernels; the runs are bitwise equal here).
        torch.testing.assert_close(a['state_dict'][key], value, rtol=0, atol=1e-6, msg=key)
