"""`clamp-mmpose export-detector` end to end: the two files, the defaults taken from the mmdet
config, the options, and a refused class list that leaves nothing behind."""
import glob
import json
import os.path as osp

import numpy as np
import pytest

from clamp_mmpose.deploy import Detector
from clamp_mmpose.export import detector_graph
from clamp_mmpose.tools.cli import SUBCOMMANDS
from clamp_mmpose.tools.cli import main as cli
from tests.helpers.detector import COCO_ANIMALS, generated_scene, random_rtmdet_checkpoint


@pytest.fixture(scope='module')
def rtmdet(tmp_path_factory):
    """(config, checkpoint, scene) of a random RTMDet-tiny at a 320 input."""
    scene = generated_scene(3, 480, 360)
    config, checkpoint = random_rtmdet_checkpoint(str(tmp_path_factory.mktemp('rtmdet')),
                                                  [scene], input_size=320)
    return config, checkpoint, scene


def test_export_detector_writes_the_graph_and_its_settings(rtmdet, tmp_path, capsys):
    config, checkpoint, scene = rtmdet
    out = str(tmp_path / 'det')
    assert 'export-detector' in SUBCOMMANDS
    assert cli(['export-detector', config, checkpoint, out, '--score-thr', '0.02',
                '--max-per-img', '50']) == 0
    assert sorted(map(osp.basename, glob.glob(osp.join(out, '*')))) == [
        'rtmdet_tiny.detector.json', 'rtmdet_tiny.onnx']
    assert 'rtmdet_tiny.detector.json' in capsys.readouterr().out
    with open(osp.join(out, 'rtmdet_tiny.detector.json')) as f:
        meta = json.load(f)
    assert meta['format'] == 'clamp-mmpose-detector' and meta['onnx'] == 'rtmdet_tiny.onnx'
    assert meta['input_size'] == [320, 320] and meta['strides'] == [8, 16, 32]
    assert meta['pad_value'] == [114, 114, 114] and meta['bgr_to_rgb'] is False
    assert meta['mean'] == [103.53, 116.28, 123.675] and meta['prior_offset'] == 0
    assert len(meta['class_names']) == 80 and meta['classes'] == list(COCO_ANIMALS)
    # The options, and the rest from RTMDet's test_cfg.
    assert (meta['score_thr'], meta['max_per_img']) == (0.02, 50)
    assert (meta['nms_iou'], meta['nms_pre'], meta['min_bbox_size']) == (0.65, 30000, 0)
    boxes, scores, labels = Detector(out).predict(scene)
    assert 0 < len(boxes) <= 50 and scores.min() > 0.02
    assert {meta['class_names'][i] for i in labels} <= set(COCO_ANIMALS)


def test_unknown_classes_are_refused_before_anything_is_written(rtmdet, tmp_path, capsys):
    config, checkpoint, _ = rtmdet
    out = str(tmp_path / 'det')
    assert cli(['export-detector', config, checkpoint, out, '--classes', 'dog',
                'unicorn']) == 1
    err = capsys.readouterr().err
    assert "no class 'unicorn'" in err and 'giraffe' in err and 'toothbrush' in err
    assert not glob.glob(osp.join(out, '*'))


def test_a_failed_export_leaves_no_complete_looking_files(rtmdet, tmp_path, monkeypatch):
    config, checkpoint, _ = rtmdet

    def broken(module, example, path):
        with open(path, 'wb') as f:
            f.write(b'half a graph')
        raise RuntimeError('exporter crashed')

    monkeypatch.setattr(detector_graph, 'export_detector_graph', broken)
    with pytest.raises(RuntimeError, match='exporter crashed'):
        detector_graph.export_detector(config, checkpoint, str(tmp_path / 'det'))
    assert not glob.glob(str(tmp_path / 'det' / '*'))


def test_out_of_range_options_are_refused(rtmdet, tmp_path, capsys):
    config, checkpoint, _ = rtmdet
    assert cli(['export-detector', config, checkpoint, str(tmp_path), '--nms-iou', '1.5']) == 1
    assert '--nms-iou 1.5 is out of range' in capsys.readouterr().err
    assert not np.any([p.endswith('.onnx') for p in glob.glob(str(tmp_path / '*'))])
