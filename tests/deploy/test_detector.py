"""The torch-free detector (clamp_mmpose.deploy.Detector) against MMDetection itself, its numpy
maths against mmdet's and mmcv's, and its errors for bad folders, files and classes.

One RTMDet-tiny with random weights fitted to the two scenes (tests/helpers/detector.py), at a
320 input for speed, exported once with all 80 COCO classes kept.
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from clamp_mmpose.deploy import Detector, DeployError, OnnxPoseModel, find_deploy_file
from clamp_mmpose.deploy import detection
from clamp_mmpose.deploy.detector import letterbox
from clamp_mmpose.deploy.detector_contract import (DETECTOR_SUFFIX, read_detector_file,
                                                   validate_detector_meta)
from clamp_mmpose.export.detector_graph import export_detector
from tests.helpers.detector import COCO_ANIMALS, generated_scene, random_rtmdet_checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BLOCKED = ('torch', 'torchvision', 'mmcv', 'mmengine', 'mmpose', 'mmdet')


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """Scenes, mmdet model and the exported folder (all classes kept) of one random RTMDet."""
    from mmdet.apis import init_detector
    from mmdet.evaluation import get_classes
    work = tmp_path_factory.mktemp('rtmdet')
    images = [generated_scene(0, 640, 480), generated_scene(1, 300, 500)]  # wide and tall
    config, checkpoint = random_rtmdet_checkpoint(str(work), images, input_size=320)
    det_dir = str(work / 'detector')
    export_detector(config, checkpoint, det_dir, classes=list(get_classes('coco')))
    return dict(images=images, det_dir=det_dir, detector=Detector(det_dir),
                model=init_detector(config, checkpoint, device='cpu'),
                json=osp.join(det_dir, 'rtmdet_tiny' + DETECTOR_SUFFIX))


def _assert_same_detections(expected, got):
    """Same count; each expected box paired with one of ``got`` of its label within 1 px and
    scores within 1e-3 (graph and torch differ by ~1e-3 in saturated logits, so near-equal
    scores may swap places in the order)."""
    (eb, es, el), (gb, gs, gl) = expected, got
    assert len(gb) == len(eb)
    assert (np.diff(gs) <= 0).all()
    free = np.ones(len(gb), bool)
    for box, score, label in zip(eb, es, el):
        near = np.abs(gb - box).max(1)
        ok = np.flatnonzero(free & (gl == label) & (near <= 1) & (np.abs(gs - score) <= 1e-3))
        assert len(ok), f'no match for {box} {score} {label}'
        free[ok[np.argmin(near[ok])]] = False


@pytest.mark.parametrize('score_thr', [0.05, 0.001])
def test_detector_matches_mmdet_inference_detector(exported, score_thr):
    from mmdet.apis import inference_detector
    model, detector = exported['model'], exported['detector']
    model.bbox_head.test_cfg.score_thr = score_thr
    counts = []
    for image in exported['images']:
        result = inference_detector(model, image).pred_instances
        expected = (result.bboxes.numpy(), result.scores.numpy(), result.labels.numpy())
        boxes, scores, labels = detector.predict(image, score_thr)
        assert boxes.dtype == np.float32 and labels.dtype == np.int64
        _assert_same_detections(expected, (boxes, scores, labels))
        counts.append(len(boxes))
    assert max(counts) > 100  # enough boxes for NMS and the top-k cut to matter


def test_kept_classes_filter_the_all_class_result(exported, tmp_path):
    image = exported['images'][1]
    everything = exported['detector'].predict(image, 0.05)
    present = [exported['detector'].class_names[i] for i in np.unique(everything[2])]
    chosen = present[:3]
    detector = Detector(exported['det_dir'], classes=chosen)
    assert detector.classes == chosen and len(detector.class_names) == 80
    boxes, scores, labels = detector.predict(image, 0.05)
    mask = np.isin(everything[2], [detector.class_names.index(c) for c in chosen])
    np.testing.assert_array_equal(boxes, everything[0][mask])
    np.testing.assert_array_equal(labels, everything[2][mask])
    # The JSON's "classes" are the default.
    animals = _edited_copy(exported, tmp_path, classes=list(COCO_ANIMALS))
    detector = Detector(animals)
    assert detector.classes == list(COCO_ANIMALS)
    labels = detector.predict(image, 0.05)[2]
    assert {detector.class_names[i] for i in labels} <= set(COCO_ANIMALS)


def test_detector_runs_where_torch_and_openmmlab_cannot_be_imported(exported, tmp_path):
    image = str(tmp_path / 'scene.png')
    cv2.imwrite(image, exported['images'][0])
    code = f'''
import sys
for name in {BLOCKED!r}:
    sys.modules[name] = None
import cv2
from clamp_mmpose.deploy import Detector
boxes, scores, labels = Detector({exported["det_dir"]!r}).predict(cv2.imread({image!r}), 0.05)
assert len(boxes) > 0, len(boxes)
loaded = [n for n in {BLOCKED!r} if sys.modules.get(n) is not None]
assert not loaded, loaded
print('boxes', len(boxes))
'''
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith('boxes'), result.stdout


def test_rescaled_size_and_letterbox_are_mmcvs():
    import mmcv
    for width, height in [(640, 480), (300, 500), (2, 999), (333, 333), (1000, 7)]:
        expected = mmcv.rescale_size((width, height), (320, 320))
        assert detection.rescaled_size(width, height, (320, 320))[:2] == expected
        image = np.random.default_rng(0).integers(0, 255, (height, width, 3), np.uint8)
        padded, factors = letterbox(image, (320, 320), (114, 114, 114))
        w, h = expected
        np.testing.assert_array_equal(padded[:h, :w], mmcv.imrescale(image, (320, 320)))
        assert (padded[h:] == 114).all() and (padded[:, w:] == 114).all()
        assert factors == (w / width, h / height)
    with pytest.raises(DeployError, match='resizes to 0x320'):
        letterbox(np.zeros((999, 1, 3), np.uint8), (320, 320), (114, 114, 114))


def test_priors_are_mmdets_point_generator():
    from mmdet.models.task_modules.prior_generators import MlvlPointGenerator
    for offset in (0.0, 0.5):
        generator = MlvlPointGenerator([8, 16, 32], offset=offset)
        sizes = [(40, 24), (20, 12), (10, 6)]  # (h, w) of a 192 x 320 (w x h) input
        expected = torch.cat(generator.grid_priors(sizes, device='cpu')).numpy()
        np.testing.assert_array_equal(detection.grid_priors((192, 320), [8, 16, 32], offset),
                                      expected)


def test_distance_to_boxes_clips_to_the_input():
    points = np.float32([[10, 10], [300, 5]])
    distances = np.float32([[4, 20, 6, 8], [10, 10, 50, 400]])
    np.testing.assert_array_equal(detection.distance_to_boxes(points, distances),
                                  [[6, -10, 16, 18], [290, -5, 350, 405]])
    np.testing.assert_array_equal(detection.distance_to_boxes(points, distances, (240, 320)),
                                  [[6, 0, 16, 18], [290, 0, 320, 240]])


def test_top_scores_is_filter_scores_and_topk():
    from mmdet.models.utils import filter_scores_and_topk
    scores = np.random.default_rng(1).random((500, 7)).astype(np.float32)
    for thr, topk in [(0.5, 100), (0.9, 10000), (0.0, -1)]:
        got = detection.top_scores(scores, thr, topk)
        ref = filter_scores_and_topk(torch.from_numpy(scores), thr, topk if topk >= 0 else 10 ** 9)
        np.testing.assert_array_equal(got[0], ref[0].numpy())
        np.testing.assert_array_equal(got[1], ref[1].numpy())
        np.testing.assert_array_equal(got[2], ref[2].numpy())


def test_nms_hand_cases():
    boxes = np.float32([[0, 0, 10, 10], [0, 0, 10, 5], [20, 20, 30, 30], [0, 0, 10, 9.9]])
    scores = np.float32([0.9, 0.8, 0.7, 0.95])
    # [0, 0, 10, 5] has IoU 0.5 with [0, 0, 10, 10]: kept at 0.5 (only IoU > thr suppresses).
    assert detection.nms(boxes[:3], scores[:3], 0.5).tolist() == [0, 1, 2]
    assert detection.nms(boxes[:3], scores[:3], 0.49).tolist() == [0, 2]
    assert detection.nms(boxes, scores, 0.5).tolist() == [3, 2]
    # Other classes never suppress.
    assert detection.batched_nms(boxes, scores, [0, 1, 0, 2], 0.5).tolist() == [3, 0, 1, 2]
    assert detection.batched_nms(np.zeros((0, 4)), np.zeros(0), [], 0.5).tolist() == []


@pytest.mark.parametrize('split_thr', [10000, 5])
def test_batched_nms_is_mmcvs(split_thr):
    from mmcv.ops import batched_nms
    rng = np.random.default_rng(split_thr)
    corners = rng.random((300, 2)).astype(np.float32) * 200
    boxes = np.concatenate([corners, corners + rng.random((300, 2)).astype(np.float32) * 60 + 1],
                           1)
    scores = rng.random(300).astype(np.float32)
    labels = rng.integers(0, 4, 300)
    _, expected = batched_nms(torch.from_numpy(boxes), torch.from_numpy(scores),
                              torch.from_numpy(labels),
                              dict(type='nms', iou_threshold=0.3, split_thr=split_thr))
    got = detection.batched_nms(boxes, scores, labels, 0.3, split_thr=split_thr)
    np.testing.assert_array_equal(got, expected.numpy())
    assert 50 < len(got) < len(boxes) - 20  # NMS had work to do


def _edited_copy(exported, tmp_path, drop=None, **changes) -> str:
    """A copy of the exported folder with its JSON changed; returns the folder."""
    folder = str(tmp_path / 'edited')
    shutil.copytree(exported['det_dir'], folder)
    path = osp.join(folder, osp.basename(exported['json']))
    with open(path) as f:
        meta = json.load(f)
    meta.update(changes)
    meta.pop(drop, None)
    with open(path, 'w') as f:
        json.dump(meta, f)
    return folder


def test_a_pose_model_folder_is_not_a_detector_and_back(exported, tmp_path):
    pose = tmp_path / 'pose'
    pose.mkdir()
    (pose / 'clamp.deploy.json').write_text('{}')
    with pytest.raises(DeployError, match='pose model.*clamp-mmpose export-detector'):
        Detector(str(pose))
    with pytest.raises(DeployError, match='pose model'):
        Detector(str(pose / 'clamp.deploy.json'))
    for call in (find_deploy_file, OnnxPoseModel):
        with pytest.raises(DeployError, match='object detector.*--detector'):
            call(exported['det_dir'])
        with pytest.raises(DeployError, match='object detector.*--detector'):
            call(exported['json'])


def test_damaged_detector_files_are_named(exported, tmp_path):
    with pytest.raises(DeployError, match='"nms_iou" key.*export-detector'):
        Detector(_edited_copy(exported, tmp_path / 'a', drop='nms_iou'))
    with pytest.raises(DeployError, match='key "strides" item 1 must be an integer'):
        Detector(_edited_copy(exported, tmp_path / 'b', strides=[8, 'x', 32]))
    with pytest.raises(DeployError, match='key "classes" names .*unicorn'):
        Detector(_edited_copy(exported, tmp_path / 'c', classes=['dog', 'unicorn']))
    with pytest.raises(DeployError, match='newer detector format'):
        Detector(_edited_copy(exported, tmp_path / 'd', version=99))
    with pytest.raises(DeployError, match='not divisible'):
        Detector(_edited_copy(exported, tmp_path / 'e', input_size=[330, 320]))
    with pytest.raises(DeployError, match='different exports'):
        Detector(_edited_copy(exported, tmp_path / 'f', input_size=[640, 640]))
    folder = _edited_copy(exported, tmp_path / 'g')
    with open(osp.join(folder, osp.basename(exported['json'])), 'w') as f:
        f.write('{"format": "clamp-mmpose-detector", ')
    with pytest.raises(DeployError, match='is not JSON'):
        Detector(folder)
    folder = _edited_copy(exported, tmp_path / 'h')
    os.remove(osp.join(folder, 'rtmdet_tiny.onnx'))
    with pytest.raises(DeployError, match='rtmdet_tiny.onnx: no such file'):
        Detector(folder)
    meta = read_detector_file(exported['json'])
    with pytest.raises(DeployError, match='"onnx" must be a file name'):
        validate_detector_meta(dict(meta, onnx='../x.onnx'), 'x.detector.json')


def test_unknown_classes_list_the_detectors(exported):
    with pytest.raises(DeployError, match="no class 'unicorn'.*giraffe.*toothbrush"):
        Detector(exported['det_dir'], classes=['dog', 'unicorn'])
    with pytest.raises(DeployError, match='keeps nothing'):
        Detector(exported['det_dir'], classes=[])
    with pytest.raises(DeployError, match='score_thr'):
        exported['detector'].predict(exported['images'][0], score_thr=2)
