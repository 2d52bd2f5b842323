"""The authors' checkpoints, strictly, into this plugin (the converter and `clamp-mmpose
convert-official`)."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.apis import init_model
from mmpose.registry import DATASETS

from clamp_mmpose.converters.official import (AUTHORS_KEYPOINT_WORDS, UNUSED_OFFICIAL_KEYS,
                                              OfficialCheckpointError,
                                              convert_official_checkpoint, official_key)
from clamp_mmpose.export.complexity import model_complexity
from clamp_mmpose.export.inference_model import export_inference_model
from clamp_mmpose.tools import score_maps
from clamp_mmpose.tools.cli import main as cli_main
from tests.helpers import REPO
from tests.helpers.models import (FAMILY, authors_state_dict, convert_reference, load_reference,
                                  write_authors_checkpoint)


@pytest.fixture(scope='module', params=list(FAMILY))
def converted(request, tmp_path_factory):
    return convert_reference(request.param, tmp_path_factory.mktemp(f'converted_{request.param}'))


def test_round_trip_is_strict_and_exact(converted):
    """Every tensor of the authors' model lands in the written checkpoint, unchanged."""
    arch, state, config, weights = converted
    saved = torch.load(weights, map_location='cpu', weights_only=True)['state_dict']
    placed = {official_key(k): v for k, v in state.items() if k not in UNUSED_OFFICIAL_KEYS}
    assert set(placed) == set(saved)
    for key, value in placed.items():
        assert torch.equal(saved[key].reshape(value.shape), value), key
    assert set(state) - set(k for k in state if official_key(k)) <= set(UNUSED_OFFICIAL_KEYS)
    assert osp.basename(config).startswith(f'clamp_{FAMILY[arch].lower().replace("-", "")}')


def test_converted_config_builds_without_clip_files_or_data(converted):
    _, _, config, weights = converted
    cfg = Config.fromfile(config)
    assert cfg.model.backbone.pretrained is None and cfg.model.head.clip_weights is None
    assert list(cfg.model.head.keypoint_names) == list(AUTHORS_KEYPOINT_WORDS)
    model = init_model(config, weights, device='cpu')  # loads strictly or warns
    size = cfg.codec.input_size
    with torch.no_grad():
        heatmaps = model(torch.randn(1, 3, size[1], size[0]), None, mode='tensor')
    assert heatmaps.shape == (1, 17, 64, 64)


def test_converted_config_evaluates_on_the_authors_split_boxes_and_decoder(converted,
                                                                          tmp_path):
    """Val split 1 in val and test, ground-truth boxes by MMPose 0.x's rule (the instances and
    centres of the authors' own data set, ``ap10k_boxes.json``), their border rule."""
    _, _, config, _ = converted
    cfg = Config.fromfile(config)
    assert cfg.model.head.decoder.type == 'InteriorRefineMSRAHeatmap'
    for stage in ('val', 'test'):
        assert cfg[f'{stage}_dataloader'].dataset.ann_file == 'annotations/ap10k-val-split1.json'
        assert cfg[f'{stage}_evaluator'].ann_file.endswith('annotations/ap10k-val-split1.json')
    with open(osp.join(REPO, 'tests', 'data', 'authors_reference', 'ap10k_boxes.json')) as f:
        boxes = json.load(f)
    (tmp_path / 'annotations').mkdir()
    (tmp_path / 'annotations' / 'ap10k-val-split1.json').write_text(
        json.dumps(boxes['annotations']))
    init_default_scope('mmpose')
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=str(tmp_path),
                                  pipeline=[]))
    ours = {int(dataset.get_data_info(i)['img_id']): dataset.get_data_info(i)['bbox'][0]
            for i in range(len(dataset))}
    theirs = {r['image_id']: np.array(r['center']) for r in boxes['authors']}
    assert sorted(ours) == sorted(theirs)
    for image_id, center in theirs.items():
        np.testing.assert_allclose((ours[image_id][:2] + ours[image_id][2:]) / 2, center,
                                   atol=1e-4)


def test_converted_model_works_with_export_complexity_and_score_maps(tmp_path):
    _, _, config, weights = convert_reference('rn50', tmp_path)
    full = init_model(config, weights, device='cpu')
    cfg_path, ckpt_path = export_inference_model(config, weights, str(tmp_path / 'exported'))
    exported = init_model(cfg_path, ckpt_path, device='cpu')
    images = torch.randn(2, 3, 256, 256)
    with torch.no_grad():
        assert (exported(images, None, mode='tensor')
                - full(images, None, mode='tensor')).abs().max() < 1e-4
    stats = model_complexity(Config.fromfile(config).model, (256, 256))
    assert stats['params_m'] > 0 and stats['gflops'] > 0
    image = tmp_path / 'animal.png'
    cv2.imwrite(str(image), np.random.default_rng(0).integers(0, 255, (200, 300, 3), np.uint8))
    out = str(tmp_path / 'maps.png')
    assert score_maps.main([config, weights, '--img', str(image), '--bbox', '20', '20', '260',
                            '180', '--out', out]) == 0
    assert cv2.imread(out) is not None


def test_arch_given_is_checked_against_the_weights(tmp_path):
    state = authors_state_dict(load_reference('rn50'))
    checkpoint = write_authors_checkpoint(tmp_path / 'rn.pth', state)
    out = tmp_path / 'out'
    with pytest.raises(OfficialCheckpointError, match=r'rn\.pth holds a RN50-type model.*not '
                       r'ViT-B-16'):
        convert_official_checkpoint(checkpoint, str(out), arch='ViT-B-16')
    # The narrow reference model is not the real RN50 either: said, not converted.
    with pytest.raises(OfficialCheckpointError, match='width 8'):
        convert_official_checkpoint(checkpoint, str(out), arch='RN50')
    assert not out.exists()


def _bad_checkpoints(tmp_path):
    state = authors_state_dict(load_reference('rn50'))
    good = write_authors_checkpoint(tmp_path / 'good.pth', state)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(open(good, 'rb').read()[:100_000])
    baseline = {k: v for k, v in state.items()
                if k.startswith(('backbone.', 'keypoint_head.')) and 'attnpool' not in k}
    other = {'model.weight': torch.zeros(3), 'model.bias': torch.zeros(3)}
    extra = dict(state, **{'mystery.weight': torch.zeros(2)})
    missing = {k: v for k, v in state.items() if k != 'context_decoder.decoder.2.norm1.weight'}
    return {
        'missing': (str(tmp_path / 'nope.pth'), 'no such file'),
        'truncated': (str(truncated), 'cannot be read.*truncated'),
        'baseline': (write_authors_checkpoint(tmp_path / 'baseline.pth', baseline),
                     'TopDown baseline'),
        'not clamp': (write_authors_checkpoint(tmp_path / 'other.pth', other),
                      'not a CLAMP checkpoint'),
        'extra tensor': (write_authors_checkpoint(tmp_path / 'extra.pth', extra),
                         'no place in this plugin.*mystery.weight'),
        'missing tensor': (write_authors_checkpoint(tmp_path / 'missing.pth', missing),
                           'not in it: head.context_decoder.layers.2.norm1.weight'),
    }


@pytest.mark.parametrize('case', ['missing', 'truncated', 'baseline', 'not clamp',
                                  'extra tensor', 'missing tensor'])
def test_bad_checkpoints_are_named_and_nothing_is_written(case, tmp_path):
    path, cause = _bad_checkpoints(tmp_path)[case]
    out = tmp_path / 'out'
    with pytest.raises(OfficialCheckpointError) as err:
        convert_official_checkpoint(path, str(out))
    assert osp.basename(path) in str(err.value)
    assert err.match(cause)
    assert not out.exists() or not os.listdir(out)


def test_command_line(tmp_path, capsys):
    state = authors_state_dict(load_reference('vit_l14'))
    checkpoint = write_authors_checkpoint(tmp_path / 'epoch_210.pth', state)
    assert cli_main(['convert-official', checkpoint, '--out', str(tmp_path / 'out')]) == 0
    written = sorted(os.listdir(tmp_path / 'out'))
    assert written == ['clamp_vitl14_authors_epoch_210.pth', 'clamp_vitl14_authors_epoch_210.py']
    assert cli_main(['convert-official', str(tmp_path / 'none.pth'), '--out',
                     str(tmp_path / 'o2')]) == 1
    assert 'none.pth: no such file' in capsys.readouterr().out
