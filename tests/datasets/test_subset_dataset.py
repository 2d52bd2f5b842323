"""The subset datasets of the paper's protocols: family / species filters, few-shot and k%
selections, evaluation on exactly the selected instances, errors, the command that writes a
subset, the protocol configs, and one zero-shot config trained and evaluated end to end."""
import glob
import json
import os.path as osp
import re
from collections import Counter, defaultdict

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import DATASETS

from clamp_mmpose.datasets import AP10KSubsetDataset, CocoSubsetDataset, select_instances
from clamp_mmpose.datasets import subset as subset_cli
from tests.helpers import REPO
from tests.helpers.protocol import protocol_data, zeroshot_run

CATEGORIES = json.load(open(osp.join(REPO, 'clamp_mmpose', 'datasets',
                                     'ap10k_categories.json')))['categories']
FAMILY = {c['id']: c['supercategory'] for c in CATEGORIES}
SPECIES = {c['id']: c['name'] for c in CATEGORIES}


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return protocol_data(tmp_path_factory)


def _ann_file(root, split='train'):
    return osp.join(root, 'annotations', f'ap10k-{split}-split1.json')


def _annotations(root, split='train'):
    with open(_ann_file(root, split)) as f:
        return json.load(f)['annotations']


def _dataset(root, subset, split='train', test_mode=False, cls=AP10KSubsetDataset):
    return cls(ann_file=_ann_file(root, split), subset=subset, data_prefix=dict(img='data/'),
               data_root=None, pipeline=[], test_mode=test_mode)


def _ids(ds):
    return sorted(int(ds.get_data_info(i)['id']) for i in range(len(ds)))


# ---------------------------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------------------------
def test_categories_of_the_generated_files_are_ap10k(data_root):
    with open(_ann_file(data_root)) as f:
        cats = json.load(f)['categories']
    assert {c['id']: c['supercategory'] for c in cats} == FAMILY
    assert {c['id']: c['name'] for c in cats} == SPECIES


@pytest.mark.parametrize('families', [['Felidae'], ['Bovidae'], ['Canidae', 'Equidae']])
def test_family_filter_keeps_exactly_the_family(data_root, families):
    ds = _dataset(data_root, dict(families=families))
    expected = sorted(a['id'] for a in _annotations(data_root)
                      if FAMILY[a['category_id']] in families and a['num_keypoints'] > 0)
    assert expected and _ids(ds) == expected == ds.subset_ann_ids
    assert {FAMILY[int(ds.get_data_info(i)['category_id'])] for i in range(len(ds))} \
        <= set(families)


def test_species_filter_union_with_families_and_case(data_root):
    anns = _annotations(data_root)
    species = Counter(SPECIES[a['category_id']] for a in anns).most_common(1)[0][0]
    ds = _dataset(data_root, dict(species=[species.upper()], families='Bovidae'))
    expected = sorted(a['id'] for a in anns
                      if SPECIES[a['category_id']] == species
                      or FAMILY[a['category_id']] == 'Bovidae')
    assert _ids(ds) == expected


def test_no_subset_is_the_mmpose_dataset(data_root):
    from mmpose.datasets import AP10KDataset
    plain = AP10KDataset(ann_file=_ann_file(data_root), data_prefix=dict(img='data/'),
                         pipeline=[])
    ds = _dataset(data_root, None)
    assert _ids(ds) == _ids(plain) and ds.subset_ann_ids is None


def _per_species(ds):
    return Counter(int(ds.get_data_info(i)['category_id']) for i in range(len(ds)))


def test_shots_per_species_seeded_deterministic_nested(data_root):
    available = Counter(a['category_id'] for a in _annotations(data_root)
                        if a['num_keypoints'] > 0)
    a = _dataset(data_root, dict(shots_per_species=2, seed=0))
    b = _dataset(data_root, dict(shots_per_species=2, seed=0))
    c = _dataset(data_root, dict(shots_per_species=2, seed=1))
    assert _ids(a) == _ids(b)
    assert _ids(a) != _ids(c)
    for ds in (a, c):
        assert _per_species(ds) == {k: min(2, n) for k, n in available.items()}
    one = _dataset(data_root, dict(shots_per_species=1, seed=0))
    assert set(_ids(one)) < set(_ids(a))  # nested for one seed
    # A species' shots do not depend on which other species are selected.
    fel = _dataset(data_root, dict(families=['Felidae'], shots_per_species=2, seed=0))
    assert set(_ids(fel)) == {i for i in _ids(a) if i in set(
        x['id'] for x in _annotations(data_root) if FAMILY[x['category_id']] == 'Felidae')}


def test_shots_per_family(data_root):
    available = Counter(FAMILY[a['category_id']] for a in _annotations(data_root)
                        if a['num_keypoints'] > 0)
    a = _dataset(data_root, dict(shots_per_family=3, seed=0))
    c = _dataset(data_root, dict(shots_per_family=3, seed=5))
    got = Counter(FAMILY[int(a.get_data_info(i)['category_id'])] for i in range(len(a)))
    assert got == {k: min(3, n) for k, n in available.items()}
    assert _ids(a) == _ids(_dataset(data_root, dict(shots_per_family=3, seed=0)))
    assert _ids(a) != _ids(c)
    assert a.subset_summary['short_groups'] == {k: n for k, n in available.items() if n < 3}


def test_image_percent_whole_images_seeded_nested(data_root):
    anns = _annotations(data_root)
    by_image = defaultdict(set)
    for x in anns:
        by_image[x['image_id']].add(x['id'])
    n_images = len(by_image)
    picks = {}
    for seed in (0, 1):
        for k in (10, 25):
            ds = _dataset(data_root, dict(image_percent=k, seed=seed))
            images = {int(ds.get_data_info(i)['img_id']) for i in range(len(ds))}
            assert len(images) == int(np.floor(n_images * k / 100 + 0.5))
            # every instance of a chosen image, nothing else
            assert set(_ids(ds)) == set().union(*(by_image[i] for i in images))
            picks[seed, k] = images
    assert picks[0, 10] < picks[0, 25] and picks[1, 10] < picks[1, 25]
    assert picks[0, 10] != picks[1, 10]
    again = _dataset(data_root, dict(image_percent=10, seed=0))
    assert {int(again.get_data_info(i)['img_id']) for i in range(len(again))} == picks[0, 10]


def test_shots_draw_only_annotated_instances():
    cats = [dict(id=1, name='cat', supercategory='Felidae')]
    inst = [dict(id=i, img_id=i, category_id=1, valid=i % 2 == 0) for i in range(10)]
    for seed in range(5):
        kept, summary = select_instances(inst, cats, dict(shots_per_species=3, seed=seed))
        assert len(kept) == 3 and all(inst[i]['valid'] for i in kept)
    kept, summary = select_instances(inst, cats, dict(shots_per_species=9))
    assert sorted(kept) == [0, 2, 4, 6, 8] and summary['short_groups'] == {'cat': 5}


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------
def test_unknown_family_lists_the_valid_ones(data_root):
    with pytest.raises(ValueError, match=r"unknown families \['Felidea'\]") as err:
        _dataset(data_root, dict(families=['Felidea']))
    for fam in set(FAMILY.values()):
        assert repr(fam) in str(err.value)


def test_unknown_species_lists_the_valid_ones(data_root):
    with pytest.raises(ValueError, match=r"unknown species \['unicorn'\]") as err:
        _dataset(data_root, dict(species='unicorn'))
    assert "'argali sheep'" in str(err.value)


def test_empty_selection_is_an_error(data_root):
    present = {FAMILY[a['category_id']] for a in _annotations(data_root, 'test')}
    absent = sorted(set(FAMILY.values()) - present)[0]
    with pytest.raises(ValueError, match='selects no annotated instance'):
        _dataset(data_root, dict(families=[absent]), split='test', test_mode=True)


@pytest.mark.parametrize('subset, message', [
    (dict(familes=['Felidae']), 'unknown subset keys'),
    (dict(shots_per_species=2, shots_per_family=2), 'not both'),
    (dict(shots_per_species=0), 'positive integer'),
    (dict(image_percent=0), r'\(0, 100\]'),
    (dict(image_percent=101), r'\(0, 100\]'),
    (dict(families=[]), 'empty list'),
    (dict(families=['Felidae'], seed=-1), 'seed'),
])
def test_bad_subset_specs(data_root, subset, message):
    with pytest.raises(ValueError, match=message):
        _dataset(data_root, subset)


def test_subset_with_detected_boxes_is_an_error(data_root):
    with pytest.raises(ValueError, match='bbox_file'):
        AP10KSubsetDataset(ann_file=_ann_file(data_root, 'val'), bbox_file='dets.json',
                           subset=dict(families='Felidae'), test_mode=True, pipeline=[])


# ---------------------------------------------------------------------------------------------
# Evaluation on the subset
# ---------------------------------------------------------------------------------------------
def _samples(ds, noise=0.0, seed=0):
    """Data samples as the model would return them: GT keypoints (plus noise) as predictions."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        kpts = info['keypoints'].astype(np.float32)
        if noise:
            kpts = kpts + rng.normal(0, noise, kpts.shape).astype(np.float32)
        out.append(dict(
            id=info['id'], img_id=info['img_id'], category_id=info['category_id'],
            raw_ann_info=info['raw_ann_info'], ori_shape=(96, 96),
            pred_instances=dict(keypoints=kpts,
                                keypoint_scores=np.ones(kpts.shape[:2], np.float32)),
            gt_instances=dict(bbox_scores=np.ones(1, np.float32))))
    return out


def _evaluate(ds, ann_file, samples):
    metric = CocoMetric(ann_file=ann_file)
    metric.dataset_meta = ds.metainfo
    metric.process([], samples)
    return metric.evaluate(len(samples)), metric


def test_perfect_predictions_on_a_subset_score_ap_1(data_root):
    MessageHub.get_instance('subset-eval-perfect')  # a fresh current hub
    ds = _dataset(data_root, dict(families=['Felidae']), split='val', test_mode=True)
    # The dataset withdrew the whole file from the hub: the metric builds GT from samples.
    assert MessageHub.get_current_instance().get_info('ap10k_ann_file', 'absent') is None
    results, metric = _evaluate(ds, None, _samples(ds))
    assert results['coco/AP'] == pytest.approx(1.0)
    assert results['coco/AR'] == pytest.approx(1.0)
    assert sorted(metric.coco.getAnnIds()) == ds.subset_ann_ids


def test_subset_ground_truth_equals_the_written_subset_file(data_root, tmp_path):
    """Imperfect predictions score the same against GT built from the samples and against
    the file the command writes, and worse against the whole file."""
    MessageHub.get_instance('subset-eval-file')
    subset = dict(families=['Felidae', 'Muridae'])
    ds = _dataset(data_root, subset, split='val', test_mode=True)
    out = str(tmp_path / 'subset.json')
    assert subset_cli.main([_ann_file(data_root, 'val'), '--families', 'Felidae', 'Muridae',
                            '--out', out]) == 0
    samples = _samples(ds, noise=1.5)
    from_samples, _ = _evaluate(ds, None, samples)
    from_file, _ = _evaluate(ds, out, samples)
    whole_file, _ = _evaluate(ds, _ann_file(data_root, 'val'), samples)
    assert 0.05 < from_samples['coco/AP'] < 0.99
    for key in ('coco/AP', 'coco/AP .5', 'coco/AP .75', 'coco/AR'):
        assert from_samples[key] == pytest.approx(from_file[key]), key
    assert whole_file['coco/AR'] < from_samples['coco/AR']


def test_command_writes_the_selection(data_root, tmp_path, capsys):
    out = str(tmp_path / 'few.json')
    args = [_ann_file(data_root), '--shots-per-species', '2', '--seed', '3', '--out', out]
    assert subset_cli.main(args) == 0
    written = json.load(open(out))
    ds = _dataset(data_root, dict(shots_per_species=2, seed=3))
    assert sorted(a['id'] for a in written['annotations']) == _ids(ds)
    assert {im['id'] for im in written['images']} == {a['image_id']
                                                       for a in written['annotations']}
    assert len(written['categories']) == 54
    assert written['info']['subset']['rule'] == dict(shots_per_species=2, seed=3)
    # The written file read by MMPose's own dataset gives the same instances.
    from mmpose.datasets import AP10KDataset
    plain = AP10KDataset(ann_file=out, data_prefix=dict(img='data/'), pipeline=[])
    assert _ids(plain) == _ids(ds)
    assert subset_cli.main([_ann_file(data_root), '--families', 'Felidea', '--out', out]) == 2
    assert 'Felidae' in capsys.readouterr().err
    assert subset_cli.main([_ann_file(data_root), '--list']) == 0
    assert re.search(r'Felidae: \d+ annotated instances', capsys.readouterr().out)
    with pytest.raises(SystemExit) as exit_:
        subset_cli.main(['--help'])
    assert exit_.value.code == 0


def test_coco_subset_dataset_by_percent(data_root):
    """CocoSubsetDataset reads COCO's keypoint set; image_percent works on any category."""
    ds = CocoSubsetDataset(ann_file=_ann_file(data_root), subset=dict(image_percent=50),
                           data_prefix=dict(img='data/'), pipeline=[])
    assert ds.metainfo['dataset_name'] == 'coco'
    assert ds.subset_summary['images'] == int(np.floor(ds.subset_summary['images_before'] / 2
                                                       + 0.5))
    assert DATASETS.get('CocoSubsetDataset') is CocoSubsetDataset
    assert DATASETS.get('AP10KSubsetDataset') is AP10KSubsetDataset


# ---------------------------------------------------------------------------------------------
# Protocol configs
# ---------------------------------------------------------------------------------------------
ZEROSHOT = sorted(glob.glob(osp.join(REPO, 'configs', 'zeroshot', '*.py')))


def test_zeroshot_configs_cover_table_s4():
    names = {osp.basename(p)[:-3] for p in ZEROSHOT}
    for pair in ('bovidae-to-equidae', 'bovidae-to-felidae', 'canidae-to-cricetidae',
                 'canidae-to-equidae'):
        for method in ('clamp', 'simplebaseline'):
            assert f'{method}_clip-rn50_4xb32-210e_ap10k-{pair}-256x256' in names
    assert len(names) == 8


@pytest.mark.parametrize('path', ZEROSHOT, ids=lambda p: osp.basename(p)[:-3])
def test_zeroshot_config(path):
    src, dst = re.search(r'ap10k-(\w+)-to-(\w+)-256', path).groups()
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.dataset.type == 'AP10KSubsetDataset'
    assert cfg.train_dataloader.dataset.subset == dict(families=[src.capitalize()])
    for split in ('val', 'test'):
        ds = cfg[f'{split}_dataloader'].dataset
        assert ds.type == 'AP10KSubsetDataset' and ds.test_mode
        assert ds.subset == dict(families=[dst.capitalize()])
        # Validated and tested on val split 1, the split of the paper's figures.
        assert ds.ann_file == 'annotations/ap10k-val-split1.json'
        assert cfg[f'{split}_evaluator'].ann_file is None
    assert cfg.train_cfg.max_epochs == 210 and cfg.model.backbone.arch.name == 'RN50'
    assert cfg.model.head.type == ('CLAMPHead' if 'clamp_' in path else 'HeatmapHead')


def test_fewshot_and_coco_configs():
    few = sorted(glob.glob(osp.join(REPO, 'configs', 'fewshot', '*.py')))
    assert len(few) == 6
    for path in few:
        cfg = Config.fromfile(path)
        n = int(re.search(r'-(\d+)shot-', path).group(1))
        assert cfg.train_dataloader.dataset.subset == dict(shots_per_species=n, seed=0)
        assert cfg.val_dataloader.dataset.get('subset') is None  # the whole val split
    coco = sorted(glob.glob(osp.join(REPO, 'configs', 'coco', '*pct*.py')))
    assert len(coco) == 10
    for path in coco:
        cfg = Config.fromfile(path)
        k = int(re.search(r'-(\d+)pct-', path).group(1))
        assert cfg.train_dataloader.dataset.type == 'CocoSubsetDataset'
        assert cfg.train_dataloader.dataset.subset == dict(image_percent=k, seed=0)
        assert cfg.train_dataloader.dataset.ann_file == \
            'annotations/person_keypoints_train2017.json'
        assert cfg.val_dataloader.dataset.type == 'CocoSubsetDataset'  # MMPose's, checked
        assert cfg.val_evaluator.ann_file == 'data/coco/annotations/person_keypoints_val2017.json'
        assert cfg.codec.input_size == (192, 256) and cfg.model.head.out_channels == 17
        assert cfg.model.head.decoder.heatmap_size == (48, 64)
        if cfg.model.head.type == 'CLAMPHead':
            assert cfg.model.head.keypoint_names == dict(
                from_file='configs/_base_/datasets/coco.py')


def test_coco_config_runs_non_square_with_coco_prompts(tmp_path):
    """The COCO CLAMP config (tiny towers) takes a 64x48 input and names COCO's keypoints."""
    import torch
    from mmpose.registry import MODELS

    from tests.conftest import TINY_VIT
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'coco',
                                   'clamp_clip-vit-b16_4xb32-210e_coco-1pct-256x192.py'))
    codec = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)
    cfg.model.backbone.update(arch=TINY_VIT, pretrained=None, drop_path_rate=0.0)
    cfg.model.head.update(in_channels=64, clip_arch=TINY_VIT, clip_weights=None,
                          deconv_out_channels=(16, 16), decoder=codec,
                          context_decoder=dict(width=32, num_heads=4, num_layers=1),
                          prompt_encoder=dict(num_heads=2),
                          spatial_upsampler=dict(deconv_out_channels=(8, 8),
                                                 deconv_kernel_sizes=(4, 4)))
    model = MODELS.build(cfg.model)
    assert 'left shoulder' in ' '.join(model.head.keypoint_names).replace('_', ' ')
    heatmaps = model(torch.zeros(2, 3, 64, 48), None, mode='tensor')
    assert heatmaps.shape == (2, 17, 16, 12)


# ---------------------------------------------------------------------------------------------
# End to end: one zero-shot config trains on one family and evaluates on another
# ---------------------------------------------------------------------------------------------
def test_zeroshot_config_end_to_end(tmp_path_factory):
    run = zeroshot_run(tmp_path_factory)
    anns = {a['id']: a for a in _annotations(run['data_root'])}
    assert run['train_ann_ids'] and {FAMILY[anns[i]['category_id']]
                                     for i in run['train_ann_ids']} == {'Bovidae'}
    val = {a['id']: a for a in _annotations(run['data_root'], 'val')}
    expected_val = sorted(i for i, a in val.items() if FAMILY[a['category_id']] == 'Felidae')
    assert run['val_ann_ids'] == expected_val
    # The metric's ground truth is exactly the Felidae instances of the val split.
    assert run['val_gt_ids'] == expected_val
    scalars = osp.join(run['work_dir'], '*', 'vis_data', 'scalars.json')
    records = [json.loads(line) for f in glob.glob(scalars) for line in open(f)]
    val_records = [r for r in records if 'coco/AP' in r]
    assert len(val_records) == 1 and 0.0 <= val_records[0]['coco/AP'] <= 1.0
    assert 0.0 <= run['test_metrics']['coco/AP'] <= 1.0


def test_bbox_center_jitter_shifts_a_share_of_training_boxes_once(data_root):
    """As MMPose 0.x at load time: ~30% of the centres move, by at most 0.2 of the box; sizes and
    keypoints stay; the same seed gives the same boxes; test mode leaves them alone."""
    from mmpose.datasets import AP10KDataset
    kwargs = dict(ann_file=_ann_file(data_root), data_prefix=dict(img='data/'), pipeline=[])
    plain = AP10KDataset(**kwargs)
    jitter = dict(prob=0.3, max_shift=0.2, seed=0)
    ds = AP10KSubsetDataset(bbox_center_jitter=jitter, **kwargs)
    again = AP10KSubsetDataset(bbox_center_jitter=jitter, **kwargs)
    moved = 0
    for i in range(len(ds)):
        before, after = plain.get_data_info(i), ds.get_data_info(i)
        box0, box1 = before['bbox'][0], after['bbox'][0]
        size = box0[2:] - box0[:2]
        np.testing.assert_allclose(box1[2:] - box1[:2], size, rtol=1e-5)
        shift = box1[:2] - box0[:2]
        assert np.all(np.abs(shift) <= 0.2 * size + 1e-3)
        moved += bool(np.any(shift != 0))
        np.testing.assert_array_equal(after['keypoints'], before['keypoints'])
        np.testing.assert_array_equal(again.get_data_info(i)['bbox'], after['bbox'])
    assert 0.15 * len(ds) < moved < 0.45 * len(ds)
    test_ds = AP10KSubsetDataset(bbox_center_jitter=jitter, test_mode=True, **kwargs)
    for i in range(len(ds)):
        np.testing.assert_array_equal(test_ds.get_data_info(i)['bbox'],
                                      plain.get_data_info(i)['bbox'])
