"""benchmarks/int8_accuracy.py scores exports as MMPose scores models (its figures are not
asserted: they are the point of running it on a trained model)."""
import json

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

from benchmarks.int8_accuracy import evaluate, main, val_instances
from tests.helpers import DEMO_CONFIG, demo_checkpoint


class GroundTruthModel:
    """Predicts each box's annotated keypoints (score 1 where labelled, 0 elsewhere)."""

    input_size = (128, 128)
    meta = dict(bbox_padding=1.25)

    def __init__(self, instances):
        self.labels = {path: infos for path, infos in instances}

    def predict(self, image, boxes, image_name):
        infos = self.labels[image_name]
        assert [list(info['bbox'][0]) for info in infos] == [list(box) for box in boxes]
        return (np.stack([info['keypoints'][0] for info in infos]),
                np.stack([(info['keypoints_visible'][0] > 0).astype(np.float32)
                          for info in infos]))


class ShiftedModel(GroundTruthModel):
    """The annotated keypoints moved by 25 pixels along x and y."""

    def predict(self, image, boxes, image_name):
        keypoints, scores = super().predict(image, boxes, image_name)
        return keypoints + 25.0, scores


def _demo_config(data_root):
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.val_dataloader.dataset.data_root = data_root
    cfg.val_evaluator.ann_file = f'{data_root}/{cfg.val_dataloader.dataset.ann_file}'
    return cfg


def test_perfect_predictions_score_ap_1(synthetic_ap10k):
    init_default_scope('mmpose')
    cfg = _demo_config(synthetic_ap10k)
    metainfo, instances = val_instances(cfg)
    with open(cfg.val_evaluator.ann_file) as f:
        assert sum(len(infos) for _, infos in instances) == len(json.load(f)['annotations'])
    metrics = evaluate(GroundTruthModel(instances), cfg, metainfo, instances)
    assert metrics['coco/AP'] == 1.0 and metrics['coco/AR'] == 1.0
    shifted = evaluate(ShiftedModel(instances), cfg, metainfo, instances)
    assert shifted['coco/AP'] < 0.5


def test_int8_accuracy_scores_both_exports_with_the_configs_metric(synthetic_ap10k, tmp_path,
                                                                   capsys):
    config, checkpoint = demo_checkpoint(tmp_path)
    out = tmp_path / 'int8.json'
    results = main([config, checkpoint, '--data-root', synthetic_ap10k, '--out', str(out)])
    table = capsys.readouterr().out
    assert set(results) == {'float32', 'int8'}
    assert set(results['float32']) == set(results['int8'])
    for precision in ('float32', 'int8'):
        assert 0 <= results[precision]['coco/AP'] <= 1
        assert results[precision]['seconds'] > 0
    with open(f'{synthetic_ap10k}/annotations/ap10k-val-split1.json') as f:
        boxes = len(json.load(f)['annotations'])
    assert f'{boxes} boxes' in table and '| coco/AP |' in table
    assert json.load(open(out))['results']['int8']['coco/AP'] == results['int8']['coco/AP']
