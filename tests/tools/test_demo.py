"""`make demo` machinery, run small: data, untrained and trained AP through MMPose's runner and
CocoMetric, checkpoint, both pictures. (How well the demo learns is measured in docs/demo.md,
not asserted here.)"""
import json
import os.path as osp

import cv2
import pytest
from mmengine.config import Config

from clamp_mmpose.tools import demo

NUM_IMAGES = dict(train=16, val=6, test=2)
# No data-loader processes in the test (the demo itself uses one per loader).
NO_WORKERS = {f'{split}_dataloader.{key}': value for split in ('train', 'val', 'test')
              for key, value in (('num_workers', 0), ('persistent_workers', False))}


def test_demo_config_is_the_clamp_config_made_small():
    path = demo.find_demo_config()
    cfg = Config.fromfile(path)
    with open(path) as f:
        assert "_base_ = ['../ap10k/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']" in f.read()
    model = cfg.model
    assert model.backbone.type == 'CLIPImageEncoder' and model.backbone.pretrained is None
    assert isinstance(model.backbone.arch, dict) and model.head.clip_arch == model.backbone.arch
    assert model.head.type == 'CLAMPHead' and model.head.clip_weights is None
    assert model.head.loss_spatial.loss_weight == 0.4
    assert model.head.loss_feature.loss_weight == 5e-4
    size = cfg.codec['input_size']
    assert model.head.decoder.input_size == size
    assert model.head.decoder.heatmap_size == (size[0] // 4, size[1] // 4)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        assert loader.dataset.data_root == 'data/synthetic_ap10k/'
        steps = {s['type']: s for s in loader.dataset.pipeline}
        assert steps['TopdownAffine']['input_size'] == size
    assert cfg.val_evaluator.type == 'CocoMetric'
    assert cfg.train_cfg.val_interval == cfg.train_cfg.max_epochs


def test_build_demo_config_stretches_the_schedule(tmp_path):
    cfg = demo.build_demo_config(demo.find_demo_config(), str(tmp_path / 'data'),
                                 str(tmp_path / 'work'), epochs=3, seed=5)
    assert cfg.train_cfg.max_epochs == 3 and cfg.train_cfg.val_interval == 3
    cosine = [s for s in cfg.param_scheduler if s['type'] == 'CosineAnnealingLR'][0]
    assert cosine['end'] == 3 and cosine['T_max'] == 3
    assert cfg.default_hooks.checkpoint.interval == 3
    assert cfg.val_dataloader.dataset.data_root == str(tmp_path / 'data')
    assert cfg.val_evaluator.ann_file == str(
        tmp_path / 'data' / 'annotations' / 'ap10k-val-split1.json')
    assert cfg.randomness.seed == 5


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp('demo')
    summary = demo.run_demo(work_dir=str(root / 'work'), data_root=str(root / 'data'),
                            epochs=1, seed=0, num_images=NUM_IMAGES, image_size=128,
                            cfg_options=NO_WORKERS)
    return root, summary


def test_demo_reports_ap_before_and_after_training(demo_run):
    _, s = demo_run
    for key in ('untrained_AP', 'trained_AP'):
        assert 0.0 <= s[key] <= 1.0
    assert s['untrained_metrics']['coco/AP'] == s['untrained_AP']
    assert {'coco/AP', 'coco/AP .5', 'coco/AR'} <= set(s['trained_metrics'])
    assert s['epochs'] == 1 and s['iterations'] >= 1
    assert s['data']['val']['images'] == NUM_IMAGES['val']
    assert set(s['seconds']) == {'data', 'untrained_eval', 'train', 'trained_eval', 'pictures',
                                 'total'}
    with open(osp.join(s['work_dir'], demo.SUMMARY_JSON)) as f:
        assert json.load(f)['trained_AP'] == s['trained_AP']
    text = demo.format_summary(s)
    assert f'{s["trained_AP"]:.3f}' in text and s['checkpoint'] in text


def test_demo_saves_a_checkpoint_of_the_clamp_model(demo_run):
    _, s = demo_run
    assert osp.isfile(s['checkpoint']) and s['checkpoint'].endswith('epoch_1.pth')
    from mmengine.runner.checkpoint import _load_checkpoint
    state = _load_checkpoint(s['checkpoint'], map_location='cpu')['state_dict']
    assert 'head.text_encoder.context' in state
    assert 'backbone.visual.attnpool.c_proj.weight' in state


def test_demo_pictures(demo_run):
    _, s = demo_run
    pictures = s['pictures']
    # Predictions: one panel per annotated val image (at most 8), 4 per row, 256 px each,
    # 22 px panel titles and a 44 px header.
    pred = pictures['predictions']
    assert pred['path'] == s['predictions_png'] and osp.isfile(pred['path'])
    assert pred['panels'] == NUM_IMAGES['val']
    rows = -(-pred['panels'] // 4)
    image = cv2.imread(pred['path'])
    assert image.shape == (44 + rows * (256 + 22), 4 * 256, 3)
    assert image.std() > 10  # not blank
    # Score maps: the crop and one panel per AP-10K keypoint, 6 per row, 160 px each.
    maps = pictures['score_maps']
    assert maps['path'] == s['score_maps_png'] and osp.isfile(maps['path'])
    assert maps['panels'] == 18 and len(maps['keypoint_names']) == 17
    assert 'left front paw' in maps['keypoint_names']
    assert tuple(maps['grid']) == (4, 4)  # 128 px input, stride 32
    image = cv2.imread(maps['path'])
    assert image.shape == (44 + 3 * (160 + 20), 6 * 160, 3)
    assert image.std() > 10


def test_existing_data_is_reused(demo_run):
    root, _ = demo_run
    info = demo.prepare_data(str(root / 'data'), dict(train=99, val=99, test=99))
    assert not info['generated']
    assert info['counts']['train']['images'] == NUM_IMAGES['train']
