"""Several data sets' keypoints merged by their words: the data set wrapper, the per-data-set
evaluation, and the combined AP-10K + Animal-Pose config trained for an epoch (the layout itself:
tests/keypoints/test_union.py)."""
import math
import os.path as osp
import uuid

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS, EVALUATORS

from clamp_mmpose.datasets import union_by_words
from tests.helpers.keypoint_data import write_keypoint_dataset
from tests.helpers import REPO, set_pipeline_codec, use_tiny_clip

AP10K = dict(from_file='configs/_base_/datasets/ap10k.py')
ANIMALPOSE = dict(from_file='configs/_base_/datasets/animalpose.py')
COMBINED = osp.join(REPO, 'configs/multidataset/clamp_clip-rn50_4xb32-210e_ap10k-animalpose-'
                    '256x256.py')


def write_pair(root: str, count: int = 6, size=(80, 80)) -> None:
    """AP-10K and Animal-Pose samples in their own layouts under ``root``."""
    for name, meta, img_dir in (('ap10k', AP10K, 'data/'), ('animalpose', ANIMALPOSE, '')):
        metainfo = parse_pose_metainfo(meta)
        for split, seed in (('train', 1), ('val', 2)):
            ann = (f'annotations/ap10k-{split}-split1.json' if name == 'ap10k' else
                   f'annotations/animalpose_{split}.json')
            write_keypoint_dataset(osp.join(root, name), ann, metainfo, num_images=count,
                                   image_size=size, img_dir=img_dir, seed=seed)


def test_union_dataset_lays_samples_out_and_evaluator_scores_each_data_set(tmp_path):
    init_default_scope('mmpose')
    root = str(tmp_path)
    write_pair(root)
    datasets = [
        dict(type='AP10KDataset', data_root=osp.join(root, 'ap10k'), data_mode='topdown',
             ann_file='annotations/ap10k-val-split1.json', data_prefix=dict(img='data/'),
             test_mode=True),
        dict(type='AnimalPoseDataset', data_root=osp.join(root, 'animalpose'),
             data_mode='topdown', ann_file='annotations/animalpose_val.json',
             data_prefix=dict(img=''), test_mode=True)
    ]
    keypoints = dict(union=[AP10K, ANIMALPOSE])
    dataset = DATASETS.build(dict(type='KeypointUnionDataset', keypoints=keypoints,
                                  datasets=datasets, test_mode=True))
    assert len(dataset) == 12 and dataset.metainfo['num_keypoints'] == 29
    union = union_by_words([AP10K, ANIMALPOSE])
    sample = dataset[6]  # the first Animal-Pose sample
    assert sample['dataset_name'] == 'animalpose'
    visible = sample['keypoints_visible'][0, :, 0]
    assert visible[union.words.index('neck')] == 0  # AP-10K only
    raw = dataset.datasets[1].get_data_info(0)  # before the layout
    tail = union.words.index('tail root')
    np.testing.assert_allclose(sample['keypoints'][0, tail], raw['keypoints'][0, 6])

    # Perfect predictions in the union layout: each data set's own COCO AP is 1.
    metrics = perfect_prediction_metrics(keypoints, datasets)
    assert metrics['ap10k/AP'] == pytest.approx(1.0)
    assert metrics['animalpose/AP'] == pytest.approx(1.0)


def test_zero_shot_evaluation_counts_only_the_shared_keypoints(tmp_path):
    """An AP-10K model on Animal-Pose: its 8 shared keypoints are right, the other 12 are
    never predicted and do not count."""
    init_default_scope('mmpose')
    write_pair(str(tmp_path))
    datasets = [dict(type='AnimalPoseDataset', data_root=str(tmp_path / 'animalpose'),
                     data_mode='topdown', ann_file='annotations/animalpose_val.json',
                     data_prefix=dict(img=''), test_mode=True)]
    metrics = perfect_prediction_metrics(AP10K, datasets)
    assert metrics['animalpose/AP'] == pytest.approx(1.0)


def perfect_prediction_metrics(keypoints: dict, datasets: list) -> dict:
    """The evaluator's metrics for predictions equal to the laid-out ground truth."""
    dataset = DATASETS.build(dict(type='KeypointUnionDataset', keypoints=keypoints,
                                  datasets=datasets, test_mode=True))
    evaluator = EVALUATORS.build(dict(
        type='KeypointUnionEvaluator', keypoints=keypoints, datasets=datasets, metrics=[
            dict(type='CocoMetric', ann_file=osp.join(d['data_root'], d['ann_file']))
            for d in datasets]))
    evaluator.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        info = dataset[i]
        pred = dict(keypoints=info['keypoints'],
                    keypoint_scores=np.ones(info['keypoints'].shape[:2]))
        evaluator.process([dict(
            id=info['id'], img_id=info['img_id'], category_id=info['category_id'],
            dataset_name=info['dataset_name'], ori_shape=(80, 80),
            raw_ann_info=info['raw_ann_info'], gt_instances=dict(
                bbox_scales=np.array([[1.0, 1.0]]), bbox_scores=np.ones(1),
                bboxes=info['bbox']),
            pred_instances=pred)], dict(inputs=[None], data_samples=[None]))
    return evaluator.evaluate(len(dataset))


def test_the_combined_config_trains_and_reports_each_data_sets_ap(tmp_path):
    root = str(tmp_path / 'data')
    write_pair(root, count=8)
    cfg = Config.fromfile(COMBINED)
    assert [d.type for d in cfg.train_dataloader.dataset.datasets] == [
        'AP10KSubsetDataset', 'AnimalPoseSubsetDataset']
    codec = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)
    cfg.model.head.decoder = codec
    use_tiny_clip(cfg.model)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        set_pipeline_codec(loader.dataset.pipeline, codec)
    for loader_or_evaluator in (cfg.train_dataloader.dataset, cfg.val_dataloader.dataset,
                                cfg.val_evaluator):
        for d in loader_or_evaluator.datasets:
            d.data_root = osp.join(root, d.data_root.split('/')[1])
    for metric, d in zip(cfg.val_evaluator.metrics, cfg.val_evaluator.datasets):
        metric.ann_file = osp.join(d.data_root, d.ann_file)
    cfg.test_dataloader, cfg.test_evaluator = cfg.val_dataloader, cfg.val_evaluator
    cfg.train_cfg.update(max_epochs=1, val_interval=10)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex[:8]}'
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert all(math.isfinite(v) for v in
               runner.message_hub.get_scalar('train/loss_feature').data[0])
    metrics = runner.val()
    assert {'ap10k/AP', 'animalpose/AP'} <= set(metrics)
    assert all(0 <= metrics[k] <= 1 for k in ('ap10k/AP', 'animalpose/AP'))
