"""Tests of the synthetic AP-10K generator: format, determinism, and MMPose compatibility."""
import ast
import hashlib
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from clamp_mmpose.datasets.synthetic import (DEFAULT_CATEGORIES_FILE, generate_synthetic_ap10k,
                                             main)

SIZE = 128
COUNTS = {'train': 12, 'val': 12, 'test': 4}


@pytest.fixture(scope='module')
def dataset_dir(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic_ap10k'))
    paths = generate_synthetic_ap10k(root, COUNTS, image_size=SIZE, seed=0, progress=False)
    return root, paths


def _load(path):
    with open(path) as f:
        return json.load(f)


def _digests(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = osp.join(dirpath, name)
            with open(p, 'rb') as f:
                out[osp.relpath(p, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def test_layout_and_return_value(dataset_dir):
    root, paths = dataset_dir
    assert set(paths) == {'train', 'val', 'test'}
    for split, path in paths.items():
        assert path == osp.join(root, 'annotations', f'ap10k-{split}-split1.json')
        assert osp.isfile(path)
        data = _load(path)
        assert len(data['images']) == COUNTS[split]
        for img in data['images']:
            arr = cv2.imread(osp.join(root, 'data', img['file_name']))
            assert arr is not None and arr.shape == (img['height'], img['width'], 3)
            assert img['file_name'].endswith('.jpg')


def test_annotation_format_matches_ap10k(dataset_dir):
    root, paths = dataset_dir
    with open(DEFAULT_CATEGORIES_FILE) as f:
        meta = json.load(f)
    image_ids, ann_ids = set(), set()
    n_unlabelled = n_two_animals = 0
    for split, path in paths.items():
        data = _load(path)
        assert set(data) == {'info', 'licenses', 'images', 'annotations', 'categories'}
        assert data['info']['synthetic'] is True

        # The 54 species with their families, each carrying keypoint names and skeleton.
        cats = data['categories']
        assert len(cats) == 54
        assert [(c['id'], c['name'], c['supercategory']) for c in cats] == \
            [(c['id'], c['name'], c['supercategory']) for c in meta['categories']]
        for c in cats:
            assert c['keypoints'] == meta['keypoints'] and len(c['keypoints']) == 17
            assert c['skeleton'] == meta['skeleton']
        cat_ids = {c['id'] for c in cats}

        images = {img['id']: img for img in data['images']}
        for img in data['images']:
            assert set(img) == {'license', 'id', 'file_name', 'width', 'height', 'background'}
            assert (img['width'], img['height']) == (SIZE, SIZE)
        assert not image_ids & set(images), 'image ids must be unique across splits'
        image_ids |= set(images)

        per_image = {}
        for ann in data['annotations']:
            assert set(ann) == {'id', 'image_id', 'category_id', 'bbox', 'area', 'iscrowd',
                                'num_keypoints', 'keypoints'}
            assert ann['id'] not in ann_ids
            ann_ids.add(ann['id'])
            assert ann['image_id'] in images and ann['category_id'] in cat_ids
            per_image[ann['image_id']] = per_image.get(ann['image_id'], 0) + 1
            assert ann['iscrowd'] == 0

            x, y, w, h = ann['bbox']
            assert all(isinstance(v, int) for v in ann['bbox'])
            assert x >= 0 and y >= 0 and w > 0 and h > 0
            assert x + w <= SIZE and y + h <= SIZE
            assert ann['area'] == w * h
            assert 0.2 * SIZE <= max(w, h) <= SIZE

            kpts = ann['keypoints']
            assert len(kpts) == 17 * 3 and all(isinstance(v, int) for v in kpts)
            k = np.array(kpts).reshape(17, 3)
            assert set(k[:, 2]) <= {0, 2}
            assert ann['num_keypoints'] == int((k[:, 2] == 2).sum())
            assert ann['num_keypoints'] >= 4
            unl = k[k[:, 2] == 0]
            assert (unl == 0).all(), 'unlabelled keypoints must be exactly (0, 0, 0)'
            n_unlabelled += len(unl)
            lab = k[k[:, 2] == 2]
            assert (lab[:, 0] >= x).all() and (lab[:, 0] < x + w).all()
            assert (lab[:, 1] >= y).all() and (lab[:, 1] < y + h).all()
        assert set(per_image) == set(images), 'every image holds at least one animal'
        assert max(per_image.values()) <= 2
        n_two_animals += sum(1 for v in per_image.values() if v == 2)
    # Occlusion is part of the data: a profile hides the far eye, and so on.
    assert n_unlabelled > 0
    assert n_two_animals > 0


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    counts = {'train': 3, 'val': 2, 'test': 1}
    a, b, c = (str(tmp_path / n) for n in 'abc')
    generate_synthetic_ap10k(a, counts, image_size=SIZE, seed=3, progress=False)
    generate_synthetic_ap10k(b, counts, image_size=SIZE, seed=3, progress=False)
    generate_synthetic_ap10k(c, counts, image_size=SIZE, seed=4, progress=False)
    da, db, dc = _digests(a), _digests(b), _digests(c)
    assert len(da) == 3 + 6
    assert da == db
    assert set(da) == set(dc)
    assert all(da[k] != dc[k] for k in da if k.endswith('.jpg'))
    assert all(da[k] != dc[k] for k in da if k.endswith('.json'))


def test_splits_do_not_depend_on_other_split_sizes(tmp_path):
    # Each image has its own generator, so growing the training set leaves val unchanged.
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    pa = generate_synthetic_ap10k(a, {'train': 1, 'val': 2}, image_size=SIZE, progress=False)
    pb = generate_synthetic_ap10k(b, {'train': 3, 'val': 2}, image_size=SIZE, progress=False)
    va, vb = _load(pa['val']), _load(pb['val'])
    assert [a['keypoints'] for a in va['annotations']] == \
        [b['keypoints'] for b in vb['annotations']]
    assert _load(pa['test'])['images'] == []


def test_loads_with_mmpose_ap10k_dataset(dataset_dir):
    from mmpose.datasets import AP10KDataset
    root, paths = dataset_dir
    for split in ('train', 'val'):
        ds = AP10KDataset(ann_file=f'annotations/ap10k-{split}-split1.json', data_root=root,
                          data_prefix=dict(img='data/'), test_mode=True, pipeline=[])
        data = _load(paths[split])
        assert len(ds) == len(data['annotations'])
        info = ds.get_data_info(0)
        assert osp.isfile(info['img_path'])
        assert info['keypoints'].shape == (1, 17, 2)
        assert ds.metainfo['num_keypoints'] == 17
    # MMPose names the keypoints differently ('L_Eye', 'Root of tail'); what must agree is the
    # order and which keypoints swap under a horizontal flip.
    with open(DEFAULT_CATEGORIES_FILE) as f:
        names = json.load(f)['keypoints']
    for i, j in enumerate(ds.metainfo['flip_indices']):
        swapped = names[i].replace('left', 'LEFT').replace('right', 'left').replace('LEFT',
                                                                                    'right')
        assert names[j] == swapped


def test_perfect_predictions_score_ap_one(dataset_dir):
    from mmpose.datasets import AP10KDataset
    root, paths = dataset_dir
    ds = AP10KDataset(ann_file=paths['val'], data_root=root, data_prefix=dict(img='data/'),
                      test_mode=True, pipeline=[])
    assert len({ds.get_data_info(i)['img_id'] for i in range(len(ds))}) < len(ds), \
        'the split should include images with two animals'
    results = _evaluate(ds, paths['val'], shift=0.0)
    assert results['coco/AP'] == pytest.approx(1.0)
    assert results['coco/AR'] == pytest.approx(1.0)
    # Control: the same predictions moved by a few pixels no longer score 1.
    assert _evaluate(ds, paths['val'], shift=4.0)['coco/AP'] < 0.99


def _evaluate(ds, ann_file, shift):
    from mmpose.evaluation import CocoMetric
    metric = CocoMetric(ann_file=ann_file)
    metric.dataset_meta = ds.metainfo
    rng = np.random.default_rng(0)
    samples = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        kpts = info['keypoints'].astype(np.float32).copy()  # (1, 17, 2)
        vis = info['keypoints_visible'][0] > 0
        assert vis.sum() == info['num_keypoints']
        # Unlabelled keypoints are ignored by OKS: put them anywhere.
        kpts[0, ~vis] = rng.uniform(0, SIZE, (int((~vis).sum()), 2))
        kpts[0, vis] += shift
        x, y, w, h = info['raw_ann_info']['bbox']
        samples.append(dict(
            id=info['id'], img_id=info['img_id'], category_id=info['category_id'],
            ori_shape=(SIZE, SIZE), raw_ann_info=info['raw_ann_info'],
            pred_instances=dict(keypoints=kpts, keypoint_scores=np.ones((1, 17), np.float32),
                                bbox_scores=np.ones(1, np.float32)),
            gt_instances=dict(bbox_scales=np.array([[w, h]], np.float32),
                              bbox_scores=np.ones(1, np.float32))))
    metric.process([{}] * len(samples), samples)
    return metric.evaluate(len(samples))


def test_command_line(tmp_path, capsys):
    out = str(tmp_path / 'cli')
    assert main(['--out', out, '--train', '2', '--val', '1', '--test', '1', '--size', '96',
                 '--seed', '1', '--no-progress']) == 0
    data = _load(osp.join(out, 'annotations', 'ap10k-train-split1.json'))
    assert len(data['images']) == 2 and data['images'][0]['width'] == 96
    assert len(os.listdir(osp.join(out, 'data'))) == 4
    with pytest.raises(SystemExit) as exc:
        main(['--help'])
    assert exc.value.code == 0
    assert 'AP-10K' in capsys.readouterr().out


def test_custom_categories_file(tmp_path):
    # Species or families the generator has no drawing plan for still get a generic animal.
    with open(DEFAULT_CATEGORIES_FILE) as f:
        meta = json.load(f)
    meta['categories'] = [dict(id=1, name='okapi', supercategory='Giraffidae'),
                          dict(id=7, name='quokka', supercategory='Macropodidae')]
    cat_file = str(tmp_path / 'cats.json')
    with open(cat_file, 'w') as f:
        json.dump(meta, f)
    paths = generate_synthetic_ap10k(str(tmp_path / 'out'), {'train': 6}, image_size=SIZE,
                                     categories_file=cat_file, progress=False)
    data = _load(paths['train'])
    assert [c['name'] for c in data['categories']] == ['okapi', 'quokka']
    assert {a['category_id'] for a in data['annotations']} <= {1, 7}
    assert len(data['annotations']) >= 6


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate_synthetic_ap10k(str(tmp_path), {'training': 1}, progress=False)
    with pytest.raises(ValueError):
        generate_synthetic_ap10k(str(tmp_path), {'train': -1}, progress=False)
    with pytest.raises(ValueError):
        generate_synthetic_ap10k(str(tmp_path), {'train': 1}, seed=-1, progress=False)


def test_package_imports_only_light_dependencies():
    # The generator must work without torch or mmpose: data preparation should not need them.
    import clamp_mmpose.datasets.synthetic as pkg
    folder = osp.dirname(pkg.__file__)
    roots = set()
    for name in sorted(os.listdir(folder)):
        if not name.endswith('.py'):
            continue
        with open(osp.join(folder, name)) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots |= {a.name.split('.')[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots.add(node.module.split('.')[0])
    assert roots <= {'argparse', 'functools', 'json', 'math', 'os', 'sys', 'time', 'typing', 'cv2',
                     'numpy', 'tqdm'}


def test_command_line_module_and_cli_subcommand(tmp_path, monkeypatch):
    import runpy
    out = str(tmp_path / 'm')
    monkeypatch.setattr('sys.argv', ['synthetic', '--out', out, '--train', '1', '--val', '0',
                                     '--test', '0', '--size', '48', '--no-progress'])
    with pytest.raises(SystemExit) as exc:
        runpy.run_module('clamp_mmpose.datasets.synthetic', run_name='__main__')
    assert exc.value.code == 0
    assert os.listdir(osp.join(out, 'data')) == ['000000000001.jpg']
    from clamp_mmpose.tools.cli import SUBCOMMANDS
    assert SUBCOMMANDS['generate-data'][0] == 'clamp_mmpose.datasets.synthetic'
