"""The shipped configs build into the models the paper describes."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from clamp_mmpose.export.complexity import model_complexity
from tests.helpers import AP10K_CONFIGS, REPO

CONFIGS = sorted(glob.glob(osp.join(AP10K_CONFIGS, '*.py')))
# Animal-Pose: the AP-10K recipe on MMPose's Animal-Pose data.
ANIMALPOSE_CONFIGS = sorted(glob.glob(osp.join(AP10K_CONFIGS, '..', 'animalpose', '*.py')))


def test_all_paper_configs_are_shipped():
    names = {osp.basename(c)[:-3] for c in CONFIGS}
    for backbone, size in (('rn50', 256), ('vit-b16', 256), ('vit-l14', 224)):
        for method in ('clamp', 'simplebaseline'):
            assert f'{method}_clip-{backbone}_4xb32-210e_ap10k-{size}x{size}' in names
    assert 'clamp-trainable-prompts_clip-vit-b16_4xb32-210e_ap10k-256x256' in names


BASELINES = sorted(glob.glob(osp.join(REPO, 'configs', '*', 'simplebaseline_*.py')))


@pytest.mark.parametrize('path', BASELINES, ids=lambda p: osp.basename(p)[:-3])
def test_baseline_trains_with_its_clamp_configs_optimizer(path):
    """A baseline is the CLAMP config of the same name without the language side: the same
    AdamW, weight-decay rule and learning rates, so that the two compare like for like."""
    cfg = Config.fromfile(path)
    clamp = Config.fromfile(path.replace('simplebaseline_', 'clamp_'))
    assert cfg.model.head.type == 'HeatmapHead' and clamp.model.head.type == 'CLAMPHead'
    assert cfg.optim_wrapper.to_dict() == clamp.optim_wrapper.to_dict()


@pytest.mark.parametrize('path', CONFIGS + ANIMALPOSE_CONFIGS,
                         ids=lambda p: osp.basename(p)[:-3])
def test_config_builds_with_the_paper_recipe(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports.imports == ['clamp_mmpose']
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.optim_wrapper.optimizer.lr == 5e-4
    assert cfg.train_dataloader.batch_size == 32 and cfg.auto_scale_lr.base_batch_size == 128
    assert cfg.model.data_preprocessor.mean == [123.675, 116.28, 103.53]  # ImageNet
    assert cfg.model.test_cfg.flip_test and cfg.model.test_cfg.shift_heatmap
    assert cfg.train_cfg.max_epochs == 210
    vit = 'vit' in path
    custom = cfg.optim_wrapper.paramwise_cfg.get('custom_keys', {})
    assert (custom.get('backbone', {}).get('lr_mult') == 0.1) == vit
    head = cfg.model.head
    if head.type == 'CLAMPHead' and head.get('prompt_source', 'text') == 'text':
        assert cfg.optim_wrapper.constructor == 'CLAMPOptimWrapperConstructor'
        assert head.clip_weights == cfg.model.backbone.pretrained
        assert head.loss_spatial.loss_weight == (0.4 if 'rn50' in path else
                                                 2.0 if 'b16' in path else 1.0)
        assert head.loss_feature.loss_weight == 5e-4
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    assert model.backbone.out_embeddings == (head.type == 'CLAMPHead')


# Our inference-form figures (docs/reproducing_the_paper.md; the paper's Table S1 says 49 / 9.0,
# 68 / 9.2, 91 / 16.6 and 98 / 16.8, counting parts that inference does not run).
@pytest.mark.parametrize('name, params, gflops', [
    ('simplebaseline_clip-rn50_4xb32-210e_ap10k-256x256', 34.0, 8.94),
    ('clamp_clip-rn50_4xb32-210e_ap10k-256x256', 52.9, 10.00),
    ('simplebaseline_clip-vit-b16_4xb32-210e_ap10k-256x256', 90.0, 16.63),
    ('clamp_clip-vit-b16_4xb32-210e_ap10k-256x256', 94.1, 16.94),
])
def test_inference_complexity(name, params, gflops):
    stats = model_complexity(Config.fromfile(osp.join(AP10K_CONFIGS, name + '.py')).model,
                             (256, 256))
    assert stats['params_m'] == pytest.approx(params, abs=0.05)
    assert stats['gflops'] == pytest.approx(gflops, abs=0.005)


def _paper_figure_configs():
    """(config path, evaluation dataset) of every project config whose metafile row quotes a
    figure (the paper's); MMPose's own configs (mmpose::) are listed beside them, not ours."""
    from clamp_mmpose.results import load_model_index
    return sorted({(e['Config'], e['Results'][0]['Dataset']) for e in load_model_index()
                   if e.get('Results') and not e['Config'].startswith('mmpose::')})


PAPER_FIGURE_CONFIGS = _paper_figure_configs()
EVALUATION_FILE = {'AP-10K': 'ap10k-val-split1.json', 'COCO': 'person_keypoints_val2017.json'}


@pytest.mark.parametrize('config, dataset', PAPER_FIGURE_CONFIGS,
                         ids=[osp.basename(c)[:-3] for c, _ in PAPER_FIGURE_CONFIGS])
def test_paper_figures_are_evaluated_as_the_authors_evaluated(config, dataset):
    """The split the figure is on in val and test (dataloader and evaluator), the authors' box
    rule for ground-truth boxes and their decoder at the heatmap border."""
    cfg = Config.fromfile(osp.join(REPO, config))
    split_file = EVALUATION_FILE[dataset.split()[0]]
    for stage in ('val', 'test'):
        data = cfg[f'{stage}_dataloader'].dataset
        assert data.ann_file.endswith(split_file), (stage, data.ann_file)
        # A subset's ground truth comes from its samples (ann_file=None), not the whole file.
        evaluator = cfg[f'{stage}_evaluator'].ann_file
        assert evaluator is None if data.get('subset') else evaluator.endswith(split_file)
        assert data.bbox_rule == 'authors'
    assert cfg.train_dataloader.dataset.bbox_rule == 'authors'
    assert cfg.model.head.decoder.type == 'InteriorRefineMSRAHeatmap'


def test_paper_figure_configs_cover_every_table():
    datasets = {d.split()[0] for _, d in PAPER_FIGURE_CONFIGS}
    assert datasets == set(EVALUATION_FILE) and len(PAPER_FIGURE_CONFIGS) >= 25
