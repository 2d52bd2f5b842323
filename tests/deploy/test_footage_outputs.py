"""The four outputs of one input: labelled frames, per-frame JSON, COCO keypoint results that
COCO evaluation scores, and a CSV that reads as DeepLabCut's table; nothing half-written."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pandas as pd
import pytest

from clamp_mmpose.deploy.footage_outputs import FootageOutputs

NAMES = [f'kp{i}' for i in range(5)]
SKELETON = [(0, 1), (1, 2), (2, 3), (3, 4)]


def _instance(track_id, x0, seed):
    rng = np.random.default_rng(seed)
    keypoints = np.stack([x0 + 10 * np.arange(5), 40 + rng.uniform(-5, 5, 5)], 1)
    return dict(track_id=track_id, bbox=np.array([x0 - 5, 20, x0 + 50, 60.0]), bbox_score=0.9,
                keypoints=keypoints, keypoint_scores=rng.uniform(0.5, 1, 5))


def _frames():
    """Three frames; track 4 is missing from the second."""
    return [[_instance(4, 10, 0), _instance(7, 100, 1)], [_instance(7, 104, 2)],
            [_instance(4, 20, 3), _instance(7, 108, 4)]]


def _write(out, kind='video', frames=None):
    outputs = FootageOutputs(str(out), 'clip', kind, NAMES, SKELETON, fps=10.0,
                             header=dict(input='clip.mp4'))
    for index, instances in enumerate(frames or _frames()):
        outputs.add(index, f'clip.mp4#{index}', np.zeros((120, 160, 3), np.uint8), instances)
    return outputs.commit()


def test_json_and_labelled_video(tmp_path):
    paths = _write(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ['clip.coco.json', 'clip.csv', 'clip.json',
                                            'clip.mp4']
    doc = json.load(open(paths['json']))
    assert doc['input'] == 'clip.mp4' and doc['keypoint_names'] == NAMES
    assert [len(f['instances']) for f in doc['frames']] == [2, 1, 2]
    inst = doc['frames'][2]['instances'][1]
    assert inst['track_id'] == 7 and np.asarray(inst['keypoints']).shape == (5, 2)
    video = cv2.VideoCapture(paths['visual'])
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    ok, frame = video.read()
    assert ok and frame.max() > 100  # the skeletons and boxes are drawn


def test_csv_reads_as_deeplabcut_multi_animal_table(tmp_path):
    paths = _write(tmp_path)
    table = pd.read_csv(paths['csv'], header=[0, 1, 2, 3], index_col=0)
    assert table.columns.names == ['scorer', 'individuals', 'bodyparts', 'coords']
    assert list(table.columns.get_level_values('individuals').unique()) == ['track4', 'track7']
    assert table.shape == (3, 2 * 5 * 3)
    x = table[('clamp-mmpose', 'track7', 'kp2', 'x')]
    np.testing.assert_allclose(x.to_numpy(), [120, 124, 128])
    assert table[('clamp-mmpose', 'track4', 'kp0', 'likelihood')].isna().tolist() == \
        [False, True, False]  # track 4 is absent from frame 1


def test_coco_results_score_ap_1_against_their_own_ground_truth(tmp_path):
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval
    frames = _frames()
    paths = _write(tmp_path, frames=frames)
    images, annotations = [], []
    for index, instances in enumerate(frames):
        images.append(dict(id=index + 1, file_name=f'clip.mp4#{index}', width=160, height=120))
        for inst in instances:
            kpts = np.concatenate([inst['keypoints'], np.full((5, 1), 2)], 1)
            annotations.append(dict(id=len(annotations) + 1, image_id=index + 1, category_id=1,
                                    bbox=[0, 20, 60, 40], area=2400.0, iscrowd=0,
                                    num_keypoints=5, keypoints=kpts.ravel().tolist()))
    gt_file = tmp_path / 'gt.json'
    gt_file.write_text(json.dumps(dict(images=images, annotations=annotations,
                                       categories=[dict(id=1, name='animal')])))
    gt = COCO(str(gt_file))
    evaluation = COCOeval(gt, gt.loadRes(paths['coco']), 'keypoints',
                          np.full(5, 0.05), use_area=True)
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    assert evaluation.stats[0] == pytest.approx(1.0)
    entries = json.load(open(paths['coco']))
    assert {e['track_id'] for e in entries} == {4, 7} and len(entries) == 5


def test_abort_leaves_nothing_and_keeps_earlier_results(tmp_path):
    _write(tmp_path)
    before = {name: os.path.getmtime(tmp_path / name) for name in os.listdir(tmp_path)}
    outputs = FootageOutputs(str(tmp_path), 'clip', 'video', NAMES, SKELETON)
    outputs.add(0, 'clip.mp4#0', np.zeros((120, 160, 3), np.uint8), _frames()[0])
    assert any('.partial' in name for name in os.listdir(tmp_path))
    outputs.abort()
    assert {name: os.path.getmtime(tmp_path / name) for name in os.listdir(tmp_path)} == before


def test_folder_and_untracked_instances(tmp_path):
    frames = [[dict(_instance(None, 10, 0)), dict(_instance(None, 90, 1))]]
    outputs = FootageOutputs(str(tmp_path), 'pics', 'folder', NAMES, SKELETON)
    outputs.add(0, 'a.png', np.zeros((120, 160, 3), np.uint8), frames[0])
    paths = outputs.commit()
    assert os.listdir(paths['visual']) == ['a.jpg']
    table = pd.read_csv(paths['csv'], header=[0, 1, 2, 3], index_col=0)
    individuals = table.columns.get_level_values('individuals').unique()
    assert list(individuals) == ['animal0', 'animal1']
    assert json.load(open(paths['json']))['frames'][0]['instances'][0]['track_id'] is None
    assert osp.isfile(paths['coco'])
