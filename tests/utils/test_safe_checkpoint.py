"""No code runs from a checkpoint: every way MMEngine, MMPose and this package load one refuses a
pickle that names anything outside the allowlist (before any of it runs, writing nothing) and
says which file, what it found and how to trust the file; real MMEngine runner checkpoints (a
CLAMP config, MMPose's own SimpleBaseline config) and MMCV 1.x checkpoints (the authors' format)
still load and resume. Each in-process test runs on both mechanisms this torch offers: torch's
weights_only with the allowlist (torch >= 2.6) and the restricted unpickler that older torch
(2.1.2, the users' GPU stack) gets."""
import functools
import http.server
import os
import os.path as osp
import pickle
import re
import shutil
import subprocess
import sys
import threading
import uuid
import zipfile
from collections import OrderedDict

import mmpose
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint
from mmpose.apis import MMPoseInferencer, init_model

from clamp_mmpose.tools.convert_official import main as convert_official_main
from clamp_mmpose.utils.safe_checkpoint import (TRUST_ENV, UnsafeCheckpointError,
                                                allowed_globals, checkpoint_globals,
                                                load_checkpoint_file, loader, torch_globals)
from clamp_mmpose.utils.safe_checkpoint.scan import inspect_pickles
from tests.helpers import CLAMP_RN50, REPO, shrink_config

MMPOSE_RES50_AP10K = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                              'animal_2d_keypoint', 'topdown_heatmap', 'ap10k',
                              'td-hm_res50_8xb64-210e_ap10k-256x256.py')
MECHANISMS = (['torch weights_only'] if loader.TORCH_WEIGHTS_ONLY_AVAILABLE else []) \
    + ['restricted unpickler']
NUMPY = 'numpy._core' if int(np.__version__.split('.')[0]) >= 2 else 'numpy.core'


class Payload:
    """Unpickling this runs ``touch <marker>``: what a hostile checkpoint does, harmlessly."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


@pytest.fixture(params=MECHANISMS)
def mechanism(request, monkeypatch):
    monkeypatch.setattr(loader, 'USE_TORCH_WEIGHTS_ONLY', request.param == 'torch weights_only')
    monkeypatch.delenv(TRUST_ENV, raising=False)
    return request.param


@pytest.fixture
def hostile(tmp_path):
    """(path of a checkpoint whose meta runs ``touch marker`` when unpickled, marker path)."""
    marker = tmp_path / 'payload_ran'
    path = str(tmp_path / 'evil.pth')
    torch.save({'meta': {'epoch': 3, 'note': Payload(marker)},
                'state_dict': {'w': torch.ones(2)}}, path)
    return path, marker


def _assert_refused(err, path, marker, found='posix.system'):
    message = str(err.value)
    assert isinstance(err.value, UnsafeCheckpointError)
    assert isinstance(err.value, pickle.UnpicklingError)
    assert path in message and found.lower() in message.lower(), message
    assert f'{TRUST_ENV}={path}' in message and 'Nothing in it was executed' in message
    assert not marker.exists()


def _experiment_cfg(config, work_dir, **changes):
    # Every runner of the process gets its own message hub and visualizer (MMEngine keys both
    # by name, and a name reused within a second would hand over the previous run's state).
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = cfg.visualizer.name = f'run_{uuid.uuid4().hex[:8]}'
    cfg.merge_from_dict(changes)
    return cfg


@pytest.fixture(scope='module')
def clamp_run(synthetic_ap10k, tmp_path_factory):
    """(config, checkpoint): the repository's CLAMP RN50 config, reduced, and the checkpoint
    MMEngine's runner writes after one epoch with validation and save_best (all resume state:
    message hub, optimizer, schedulers, meta with dataset_meta and the best score)."""
    root = tmp_path_factory.mktemp('clamp_run')
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, str(root / 'work'),
                        max_epochs=1)
    cfg.default_hooks.checkpoint.update(save_best='coco/AP', rule='greater')
    config = str(root / 'clamp_tiny.py')
    cfg.dump(config)
    Runner.from_cfg(_experiment_cfg(config, root / 'work')).train()
    return config, str(root / 'work' / 'epoch_1.pth')


def mmcv1_checkpoint(path, state, **save_kwargs):
    """As MMCV 1.x's EpochBasedRunner saves with MMPose 0.x's tools/train.py (the authors'
    epoch_210.pth): meta from train.py, the checkpoint hook and the eval hook (whose best score
    is a numpy float from the COCO evaluation), the state dict as an OrderedDict with
    ``_metadata``, and Adam's state."""
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    state_dict = OrderedDict(state)
    state_dict._metadata = OrderedDict({'': {'version': 1}})
    meta = {'env_info': 'sys.platform: linux\nPyTorch: 1.10.0', 'seed': 1234567,
            'mmpose_version': '0.21.0+9ed65d7', 'config': "model = dict(type='TopDown')",
            'epoch': 210, 'iter': 210 * 100, 'mmcv_version': '1.4.0',
            'time': 'Thu Nov  3 10:00:00 2022',
            'hook_msgs': {'last_ckpt': '/work_dirs/epoch_210.pth',
                          'best_score': np.float64(0.734), 'best_ckpt': '/work_dirs/best.pth'}}
    torch.save({'meta': meta, 'state_dict': state_dict, 'optimizer': optimizer.state_dict()},
               path, **save_kwargs)
    return str(path)


def _non_torch_globals(path):
    _, found, _ = inspect_pickles(path)
    return set(found) - set(torch_globals())


def test_the_allowlist_is_what_real_checkpoints_hold(clamp_run, tmp_path):
    """Each name beyond torch's own is in a real checkpoint; nothing else is allowed (the two
    numpy 2 / numpy 1 spellings of the same functions aside)."""
    mmengine_names = _non_torch_globals(clamp_run[1])
    # builtins.getattr: HistoryBuffer's statistics methods (allowed only as those, see below).
    assert mmengine_names == {'mmengine.logging.history_buffer.HistoryBuffer', 'builtins.getattr',
                              f'{NUMPY}.multiarray._reconstruct', 'numpy.ndarray',
                              f'{NUMPY}.multiarray.scalar', 'numpy.dtype'}
    mmcv1_names = _non_torch_globals(mmcv1_checkpoint(tmp_path / 'epoch_210.pth',
                                                      {'w': torch.ones(3)}))
    assert mmcv1_names == {f'{NUMPY}.multiarray.scalar', 'numpy.dtype'}
    other_spelling = {n.replace(NUMPY, 'numpy._core' if NUMPY == 'numpy.core' else 'numpy.core')
                      for n in mmengine_names if n.startswith(NUMPY)}
    extra = set(checkpoint_globals())
    assert extra == mmengine_names | mmcv1_names | other_spelling


def test_clamp_runner_checkpoint_loads_and_resumes(clamp_run, mechanism, tmp_path):
    config, checkpoint = clamp_run
    loaded = load_checkpoint_file(checkpoint, map_location='cpu')
    assert loaded['meta']['epoch'] == 1 and 'dataset_meta' in loaded['meta']
    assert isinstance(loaded['message_hub']['log_scalars']['train/loss'], HistoryBuffer)
    cfg = _experiment_cfg(config, tmp_path, resume=True, load_from=checkpoint,
                          train_cfg=dict(max_epochs=2, val_interval=10))
    runner = Runner.from_cfg(cfg)
    runner.train()
    iters = len(runner.train_dataloader)
    assert runner.epoch == 2 and runner.iter == 2 * iters
    # The first epoch's losses came back with the message hub's history buffers.
    assert len(runner.message_hub.get_scalar('train/loss').data[0]) == 2 * iters


def test_every_entry_point_refuses_a_hostile_checkpoint(clamp_run, mechanism, hostile, tmp_path):
    path, marker = hostile
    config = clamp_run[0]
    with pytest.raises(UnsafeCheckpointError) as err:
        init_model(config, path, device='cpu')
    _assert_refused(err, path, marker)
    with pytest.raises(UnsafeCheckpointError) as err:
        load_checkpoint(torch.nn.Linear(2, 2), path, map_location='cpu')
    _assert_refused(err, path, marker)
    with pytest.raises(UnsafeCheckpointError) as err:
        MMPoseInferencer(pose2d=config, pose2d_weights=path, det_model='whole_image',
                         device='cpu')
    _assert_refused(err, path, marker)
    for resume in (False, True):  # the runner's load_from, and --resume
        runner = Runner.from_cfg(_experiment_cfg(config, tmp_path / f'run{resume}',
                                                 load_from=path, resume=resume))
        with pytest.raises(UnsafeCheckpointError) as err:
            runner.load_or_resume()
        _assert_refused(err, path, marker)


def test_convert_official_refuses_it_and_writes_nothing(mechanism, hostile, tmp_path, capsys):
    path, marker = hostile
    out = tmp_path / 'converted'
    assert convert_official_main([path, '--out', str(out)]) == 1
    message = capsys.readouterr().out
    assert message.startswith('error: ') and path in message and 'posix.system' in message
    assert f'{TRUST_ENV}={path}' in message
    assert not marker.exists() and not out.exists()


def _hostile_pickle_in_archive(path, data_pkl: bytes):
    # A real torch archive (byteorder, version, ...) whose data.pkl is replaced.
    torch.save({}, path)
    with zipfile.ZipFile(path) as archive:
        records = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, 'w') as archive:
        for name, data in records.items():
            archive.writestr(name, data_pkl if name.endswith('/data.pkl') else data)
    return str(path)


def _short_storage(path):
    # A tensor of 4 floats whose storage record holds 8 bytes instead of 16.
    torch.save({'w': torch.ones(4)}, path)
    with zipfile.ZipFile(path) as archive:
        records = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, 'w') as archive:
        for name, data in records.items():
            archive.writestr(name, data[:8] if name.endswith('/data/0') else data)
    return str(path)


def _hostile_files(tmp_path, marker):
    payload = {'meta': {'note': Payload(marker)}}
    files = {}
    for name, kwargs in (('protocol 2', {}), ('protocol 4 (STACK_GLOBAL)',
                                              {'pickle_protocol': 4}),
                         ('torch < 1.6 format', {'_use_new_zipfile_serialization': False})):
        files[name] = str(tmp_path / f'{len(files)}.pth')
        torch.save(payload, files[name], **kwargs)
    files['TorchScript'] = str(tmp_path / 'script.pt')
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), files['TorchScript'])
    # Only allowed names, used to set an attribute on a class, or to fill a non-dict.
    files['BUILD on a class'] = _hostile_pickle_in_archive(
        tmp_path / 'build.pth', b'\x80\x02cmmengine.logging.history_buffer\nHistoryBuffer\n'
        b'N}X\x09\x00\x00\x00evil_attr\x88s\x86b.')
    # getattr is allowed only as MMEngine's history buffers use it; a real one reaches eval.
    files['getattr beyond HistoryBuffer'] = _hostile_pickle_in_archive(
        tmp_path / 'getattr.pth', b'\x80\x02c__builtin__\ngetattr\n'
        b'cmmengine.logging.history_buffer\nHistoryBuffer\nX\x08\x00\x00\x00__init__\x86R.')
    files['SETITEM on a dtype'] = _hostile_pickle_in_archive(
        tmp_path / 'setitem.pth', b'\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x88\x87R'
        b'X\x01\x00\x00\x00aK\x01s.')
    return files


@pytest.mark.parametrize('kind', ['protocol 2', 'protocol 4 (STACK_GLOBAL)', 'torch < 1.6 format',
                                  'TorchScript', 'BUILD on a class',
                                  'getattr beyond HistoryBuffer', 'SETITEM on a dtype'])
def test_hostile_files_of_every_form_are_refused(kind, mechanism, tmp_path):
    marker = tmp_path / 'payload_ran'
    path = _hostile_files(tmp_path, marker)[kind]
    with pytest.raises(UnsafeCheckpointError) as err:
        load_checkpoint_file(path, map_location='cpu')
    expected = {'BUILD on a class': 'build', 'SETITEM on a dtype': 'SETITEM',
                'getattr beyond HistoryBuffer': "getattr(<class 'mmengine",
                'TorchScript': 'TorchScript'}.get(kind, 'posix.system')
    _assert_refused(err, path, marker, found=expected)
    assert not hasattr(HistoryBuffer, 'evil_attr')


def test_a_storage_larger_than_its_record_is_refused(mechanism, tmp_path):
    path = _short_storage(tmp_path / 'short.pth')
    error = UnsafeCheckpointError if mechanism == 'restricted unpickler' else Exception
    with pytest.raises(error):  # torch >= 2.10 checks it itself
        load_checkpoint_file(path, map_location='cpu')


def test_a_damaged_file_is_not_called_unsafe(mechanism, tmp_path):
    path = tmp_path / 'notes.pth'
    path.write_text('not a checkpoint')
    with pytest.raises(Exception) as err:
        load_checkpoint_file(str(path))
    assert not isinstance(err.value, UnsafeCheckpointError)


def test_trusting_a_file_loads_it_as_torch_would(mechanism, hostile, tmp_path, monkeypatch):
    path, marker = hostile
    monkeypatch.setenv(TRUST_ENV, str(tmp_path / 'another.pth'))  # trusting another file ...
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(path, map_location='cpu')
    assert not marker.exists()
    monkeypatch.setenv(TRUST_ENV, f'{tmp_path / "another.pth"}{os.pathsep}{path}')  # ... this one
    assert _load_checkpoint(path, map_location='cpu')['meta']['epoch'] == 3
    assert marker.exists()  # the user trusted it: it ran
    marker.unlink()
    monkeypatch.setenv(TRUST_ENV, '1')  # every file
    assert _load_checkpoint(path, map_location='cpu')['meta']['epoch'] == 3 and marker.exists()
    marker.unlink()
    monkeypatch.delenv(TRUST_ENV)
    assert load_checkpoint_file(path, trusted=True)['meta']['epoch'] == 3 and marker.exists()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path, monkeypatch):
    """(folder served on 127.0.0.1, its URL); torch's hub cache in tmp_path."""
    root = tmp_path / 'served'
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path / 'hub'))
    yield root, f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()


def test_http_checkpoints_go_through_the_same_check(clamp_run, mechanism, hostile, http_root,
                                                    tmp_path):
    root, url = http_root
    path, marker = hostile
    shutil.copy(path, root / 'evil.pth')
    shutil.copy(clamp_run[1], root / 'good.pth')
    with pytest.raises(UnsafeCheckpointError) as err:
        _load_checkpoint(f'{url}/evil.pth', map_location='cpu')
    assert f'downloaded from {url}/evil.pth' in str(err.value)
    assert 'posix.system' in str(err.value) and not marker.exists()
    assert _load_checkpoint(f'{url}/good.pth', map_location='cpu')['meta']['epoch'] == 1


@pytest.mark.skipif(not loader.TORCH_WEIGHTS_ONLY_AVAILABLE,
                    reason='torch has no safe_globals')
def test_torch_load_and_the_users_safe_globals_are_left_alone(clamp_run, monkeypatch):
    monkeypatch.setattr(loader, 'USE_TORCH_WEIGHTS_ONLY', True)
    assert torch.load.__module__ == 'torch.serialization'
    before = set(torch.serialization.get_safe_globals())  # torch registers some of its own
    load_checkpoint_file(clamp_run[1], map_location='cpu')
    assert set(torch.serialization.get_safe_globals()) == before  # ours: during the call only
    with pytest.raises(pickle.UnpicklingError, match='Weights only load failed'):
        torch.load(clamp_run[1], weights_only=True)
    torch.serialization.add_safe_globals([HistoryBuffer])  # the user's own, before our call
    try:
        load_checkpoint_file(clamp_run[1], map_location='cpu')
        assert set(torch.serialization.get_safe_globals()) == before | {HistoryBuffer}
    finally:
        torch.serialization._weights_only_unpickler._remove_safe_globals([HistoryBuffer])


def _mmpose_script(name, *args, check=True):
    # MMPose's own scripts, in a fresh process, with no environment tweaks.
    script = osp.join(osp.dirname(mmpose.__file__), '.mim', 'tools', name)
    env = {k: v for k, v in os.environ.items()
           if k not in ('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', TRUST_ENV)}
    result = subprocess.run([sys.executable, script, *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_mmpose_test_script_refuses_a_hostile_checkpoint(clamp_run, hostile, tmp_path):
    """A fresh process: the config's custom_imports registers the loader before MMPose's
    tools/test.py loads the checkpoint."""
    path, marker = hostile
    result = _mmpose_script('test.py', clamp_run[0], path, '--work-dir', str(tmp_path / 't'),
                            check=False)
    assert result.returncode != 0
    assert 'UnsafeCheckpointError' in result.stderr and 'posix.system' in result.stderr
    assert not marker.exists()


def test_mmpose_simplebaseline_config_trains_saves_and_resumes(synthetic_ap10k, tmp_path,
                                                               monkeypatch):
    """MMPose's own SimpleBaseline config (ResNet, reduced) through MMPose's train script; its
    checkpoint holds only allowed names, loads in-process on every mechanism, and resumes."""
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
    _mmpose_script('train.py', first)
    checkpoint = osp.join(work_dir, 'epoch_1.pth')
    assert _non_torch_globals(checkpoint) <= set(allowed_globals())
    for mechanism in MECHANISMS:
        monkeypatch.setattr(loader, 'USE_TORCH_WEIGHTS_ONLY', mechanism == 'torch weights_only')
        assert load_checkpoint_file(checkpoint, map_location='cpu')['meta']['epoch'] == 1
    monkeypatch.undo()

    cfg.train_cfg.update(max_epochs=2, val_interval=2)
    second = str(tmp_path / 'res18_2epochs.py')
    cfg.dump(second)
    result = _mmpose_script('train.py', second, '--resume')
    log = result.stdout + result.stderr
    assert re.search(r'resumed epoch: 1, iter: \d+', log), log[-3000:]
    assert 'Epoch(train) [2]' in log and 'Epoch(train) [1]' not in log
    assert load_checkpoint_file(osp.join(work_dir, 'epoch_2.pth'))['meta']['epoch'] == 2


@pytest.mark.parametrize('protocol', [2, 4])  # torch.save's default, and one naming by stack
def test_mmcv1_checkpoints_load_on_every_mechanism(mechanism, protocol, tmp_path):
    if protocol == 4 and mechanism == 'torch weights_only':
        pytest.skip("torch's weights_only unpickler has no FRAME opcode (protocol 4)")
    state = {'backbone.conv1.weight': torch.randn(4, 3, 3, 3)}
    loaded = load_checkpoint_file(mmcv1_checkpoint(tmp_path / 'epoch_210.pth', state,
                                                   pickle_protocol=protocol))
    assert torch.equal(loaded['state_dict']['backbone.conv1.weight'],
                       state['backbone.conv1.weight'])
    assert loaded['meta']['hook_msgs']['best_score'] == np.float64(0.734)
    assert loaded['state_dict']._metadata == OrderedDict({'': {'version': 1}})


def test_a_zip_that_pythons_zipfile_cannot_read_is_refused(tmp_path, monkeypatch):
    """torch.load reads any file with the zip magic with its own reader; one that cannot be
    scanned must not reach it (a truncated download is the usual case: named as such)."""
    path = tmp_path / 'odd.pth'
    path.write_bytes(b'PK\x03\x04' + b'\x00' * 64)
    monkeypatch.setattr(torch, 'load', None)  # never called
    with pytest.raises(ValueError, match='odd.pth starts as a zip archive.*truncated'):
        load_checkpoint_file(str(path))
