"""CLAMP dropped into MMPose's own config of each animal data set: only the model swapped.

For each data set, a user's config exactly as docs/datasets.md writes it (MMPose's config as the
base, the backbone and head replaced), made small (tiny random CLIP towers), trains one short
epoch on generated data in the data set's own annotation format and evaluates with the data
set's own metric. MMPose 1.x ships top-down configs for AP-10K, Animal-Pose, Animal Kingdom,
Locust and Zebra; Horse-10, MacaquePose, ATRW and Vinegar Fly have dataset classes and metainfo
but no config there, so their configs start from MMPose's Animal-Pose config with the data set,
input size and metric of MMPose 0.x's configs for them.
"""
import math
import os.path as osp
import uuid

import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from tests.helpers.keypoint_data import write_keypoint_dataset
from tests.helpers import set_pipeline_codec, use_tiny_clip

TOPDOWN = 'animal_2d_keypoint/topdown_heatmap/'
ANIMALPOSE = TOPDOWN + 'animalpose/td-hm_res50_8xb64-210e_animalpose-256x256.py'
PCK_AUC_EPE = "[dict(type='PCKAccuracy', thr=0.2), dict(type='AUC'), dict(type='EPE')]"

# data set -> (MMPose config, metainfo file, extra config lines, input size (w, h))
DATASETS = {
    'ap10k': (TOPDOWN + 'ap10k/td-hm_res50_8xb64-210e_ap10k-256x256.py', 'ap10k', '', None),
    'animalpose': (ANIMALPOSE, 'animalpose', '', None),
    'ak': (TOPDOWN + 'ak/td-hm_hrnet-w32_8xb32-300e_animalkingdom_P1-256x256.py', 'ak', '',
           None),
    'locust': (TOPDOWN + 'locust/td-hm_res50_8xb64-210e_locust-160x160.py', 'locust', '', None),
    'zebra': (TOPDOWN + 'zebra/td-hm_res50_8xb64-210e_zebra-160x160.py', 'zebra', '', None),
    'horse10': (ANIMALPOSE, 'horse10', 'Horse10Dataset', None),
    'macaque': (ANIMALPOSE, 'macaque', 'MacaqueDataset', (192, 256)),
    'atrw': (ANIMALPOSE, 'atrw', 'ATRWDataset', None),
    'fly': (ANIMALPOSE, 'fly', 'FlyDataset', (192, 192)),
}
METRICS = {'horse10': "dict(_delete_=True, type='PCKAccuracy', thr=0.3)", 'fly': PCK_AUC_EPE}

USER_CONFIG = """\
_base_ = ['mmpose::{mmpose_config}']
custom_imports = dict(imports=['clamp_mmpose'], allow_failed_imports=False)

clip_arch = 'RN50'
clip_weights = 'data/clip/RN50.pt'
model = dict(
    backbone=dict(
        _delete_=True, type='CLIPImageEncoder', arch=clip_arch, pretrained=clip_weights),
    head=dict(
        _delete_=True,
        type='CLAMPHead',
        in_channels=2048,
        out_channels={num_keypoints},
        clip_arch=clip_arch,
        clip_weights=clip_weights,
        keypoint_names=dict(from_file='configs/_base_/datasets/{metainfo}.py'),
        decoder={{{{_base_.codec}}}}))
"""
# The data set lines of the four data sets without an MMPose 1.x config.
OTHER_DATASET = """
dataset_type = '{dataset_type}'
metainfo = dict(from_file='configs/_base_/datasets/{metainfo}.py')
train_dataloader = dict(dataset=dict(type=dataset_type, metainfo=metainfo))
val_dataloader = dict(dataset=dict(type=dataset_type, metainfo=metainfo))
test_dataloader = val_dataloader
"""


def user_config(tmp_path, name: str) -> Config:
    mmpose_config, metainfo_name, dataset_type, _ = DATASETS[name]
    metainfo = parse_pose_metainfo(
        dict(from_file=f'configs/_base_/datasets/{metainfo_name}.py'))
    text = USER_CONFIG.format(mmpose_config=mmpose_config, metainfo=metainfo_name,
                              num_keypoints=metainfo['num_keypoints'])
    if dataset_type:
        text += OTHER_DATASET.format(dataset_type=dataset_type, metainfo=metainfo_name)
        if name in METRICS:
            text += f'val_evaluator = {METRICS[name]}\ntest_evaluator = val_evaluator\n'
    path = tmp_path / f'clamp_{name}.py'
    path.write_text(text)
    return Config.fromfile(str(path)), metainfo


def make_small(cfg: Config, name: str, data_root: str, work_dir: str) -> Config:
    """Tiny CLIP towers, generated data, one epoch of 2 iterations; nothing else changes."""
    input_size = DATASETS[name][3]
    if input_size:  # MMPose 0.x's input size for this data set
        w, h = input_size
        cfg.codec = dict(cfg.codec, input_size=(w, h), heatmap_size=(w // 4, h // 4))
        cfg.model.head.decoder = cfg.codec
        for split in ('train', 'val', 'test'):
            set_pipeline_codec(cfg[f'{split}_dataloader'].dataset.pipeline, cfg.codec)
    use_tiny_clip(cfg.model)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=data_root, ann_file=f'annotations/{split}.json',
                              data_prefix=dict(img='images/'))
        loader.dataset.pop('bbox_file', None)
    for split in ('val', 'test'):
        evaluators = cfg[f'{split}_evaluator']
        for evaluator in evaluators if isinstance(evaluators, list) else [evaluators]:
            if 'ann_file' in evaluator:
                evaluator.ann_file = osp.join(data_root, f'annotations/{split}.json')
    cfg.train_cfg.update(max_epochs=1, val_interval=10)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex[:8]}'
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    return cfg


@pytest.mark.parametrize('name', list(DATASETS))
def test_clamp_trains_and_evaluates_in_mmposes_config(name, tmp_path):
    cfg, metainfo = user_config(tmp_path, name)
    assert cfg.model.head.type == 'CLAMPHead'
    train_pipeline = cfg.train_dataloader.dataset.pipeline
    assert not any(step.get('pack_transformed') for step in train_pipeline)  # MMPose's own
    size = DATASETS[name][3] or cfg.codec.input_size
    root = str(tmp_path / 'data')
    for split, count in (('train', 8), ('val', 4), ('test', 4)):
        write_keypoint_dataset(root, f'annotations/{split}.json', metainfo, num_images=count,
                               image_size=(int(size[0] * 1.25), int(size[1] * 1.25)),
                               seed=hash(split) % 1000)
    runner = Runner.from_cfg(make_small(cfg, name, root, str(tmp_path / 'work')))
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss_feature').data[0]
    assert all(math.isfinite(v) and v > 0 for v in losses)
    metrics = runner.val()
    expected = {'coco/AP'} if 'coco/AP' in metrics else {'PCK'}
    assert expected <= set(metrics), metrics
    assert all(math.isfinite(v) for v in metrics.values())
