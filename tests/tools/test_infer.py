"""`clamp-mmpose infer` on generated footage: an exported detector, ByteTrack identities and
One-Euro smoothing, without torch; boxes files; the four outputs; errors that name the file and
leave no complete-looking output behind."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pandas as pd
import pytest

from clamp_mmpose.datasets.synthetic.footage import write_footage
from clamp_mmpose.deploy.boxes_file import read_boxes_file
from clamp_mmpose.export.detector_graph import export_detector
from clamp_mmpose.tools import infer
from tests.helpers import REPO
from tests.helpers.detector import random_rtmdet_checkpoint
from tests.helpers.models import exported_pose_model
from tests.helpers.tracking_metrics import tracking_metrics

BLOCKED = ('torch', 'torchvision', 'mmcv', 'mmengine', 'mmpose', 'mmdet')
FRAMES = 40


@pytest.fixture(scope='module')
def footage(tmp_path_factory):
    """(generated files, exported pose model folder, exported detector folder): 40 frames of
    two animals crossing at 320x240; RTMDet-tiny with random weights fitted to them."""
    tmp = tmp_path_factory.mktemp('footage')
    files = write_footage(str(tmp), 'walk', num_frames=FRAMES, size=(320, 240), num_animals=2,
                          seed=1)
    capture = cv2.VideoCapture(files['video'])
    frames = [capture.read()[1] for _ in range(3)]
    capture.release()
    det_config, det_checkpoint = random_rtmdet_checkpoint(str(tmp), images=frames,
                                                          input_size=320)
    export_detector(det_config, det_checkpoint, str(tmp / 'detector'))
    _, pose_dir = exported_pose_model(tmp)
    return files, pose_dir, str(tmp / 'detector')


def test_detector_tracking_and_smoothing_without_torch(footage, tmp_path):
    files, pose_dir, det_dir = footage
    out = str(tmp_path / 'out')
    argv = ['infer', pose_dir, files['video'], '--detector', det_dir, '--track', '--smooth',
            '--det-thr', '0.5', '--out', out]
    code = f'''
import sys
for name in {BLOCKED!r}:
    sys.modules[name] = None
from clamp_mmpose.tools.cli import main
assert main({argv!r}) == 0
loaded = [n for n in {BLOCKED!r} if sys.modules.get(n) is not None]
assert not loaded, loaded
'''
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f'{FRAMES}/{FRAMES}' in result.stderr and 'frame/s' in result.stderr  # progress
    assert sorted(os.listdir(out)) == ['walk.coco.json', 'walk.csv', 'walk.json', 'walk.mp4']
    doc = json.load(open(osp.join(out, 'walk.json')))
    assert len(doc['frames']) == FRAMES and doc['tracked'] and doc['boxes'] == 'detector'
    instances = [i for f in doc['frames'] for i in f['instances']]
    assert instances and all(isinstance(i['track_id'], int) for i in instances)
    assert all(np.asarray(i['keypoints']).shape == (17, 2) for i in instances)
    table = pd.read_csv(osp.join(out, 'walk.csv'), header=[0, 1, 2, 3], index_col=0)
    assert len(table) == FRAMES
    assert set(table.columns.get_level_values('individuals')) == {
        f'track{i["track_id"]}' for i in instances}
    coco = json.load(open(osp.join(out, 'walk.coco.json')))
    assert len(coco) == len(instances)
    assert {e['image_id'] for e in coco} <= set(range(1, FRAMES + 1))
    assert int(cv2.VideoCapture(osp.join(out, 'walk.mp4')).get(
        cv2.CAP_PROP_FRAME_COUNT)) == FRAMES


def _per_frame(doc):
    return [(np.array([i['track_id'] for i in f['instances']], int),
             np.array([i['bbox'] for i in f['instances']], float).reshape(-1, 4))
            for f in doc['frames']]


def test_boxes_files_carry_or_get_identities(footage, tmp_path):
    files, pose_dir, _ = footage
    gt = read_boxes_file(files['mot'])
    truth = [(gt[f].ids, gt[f].boxes) if f in gt else (np.zeros(0, int), np.zeros((0, 4)))
             for f in range(FRAMES)]
    out = str(tmp_path / 'ids')
    # The MOT ground truth's own ids are used when not tracking ...
    assert infer.main([pose_dir, files['video'], '--boxes-file', files['mot'], '--out',
                       out]) == 0
    got = _per_frame(json.load(open(osp.join(out, 'walk.json'))))
    for (ids, boxes), (want_ids, want_boxes) in zip(got, truth):
        order = np.argsort(ids)
        assert ids[order].tolist() == sorted(want_ids.tolist())
        np.testing.assert_allclose(boxes[order], want_boxes[np.argsort(want_ids)], atol=0.01)
    # ... and ByteTrack finds the same identities from the COCO file's boxes without them.
    out = str(tmp_path / 'tracked')
    coco_boxes = tmp_path / 'boxes.json'
    coco = json.load(open(files['coco']))
    coco_boxes.write_text(json.dumps([dict(image_id=a['image_id'], bbox=a['bbox'], score=0.9)
                                      for a in coco['annotations']]))
    assert infer.main([pose_dir, files['video'], '--boxes-file', str(coco_boxes), '--track',
                       '--out', out]) == 0
    got = _per_frame(json.load(open(osp.join(out, 'walk.json'))))
    coco_truth = [(np.zeros(0, int), np.zeros((0, 4))) for _ in range(FRAMES)]
    for a in coco['annotations']:
        ids, boxes = coco_truth[a['image_id'] - 1]
        x, y, w, h = a['bbox']
        coco_truth[a['image_id'] - 1] = (np.append(ids, a['track_id']),
                                         np.vstack([boxes, [x, y, x + w, y + h]]))
    assert tracking_metrics(coco_truth, got)['idf1'] >= 0.95


def _complete_outputs(out):
    return {name: os.path.getmtime(osp.join(out, name)) for name in os.listdir(out)}


def test_bad_input_names_the_cause_and_leaves_earlier_results(footage, tmp_path, capsys):
    files, pose_dir, det_dir = footage
    out = str(tmp_path / 'out')
    assert infer.main([pose_dir, files['video'], '--whole-image', '--out', out]) == 0
    before = _complete_outputs(out)
    capsys.readouterr()

    def error(*argv):
        assert infer.main(list(argv) + ['--out', out]) == 1
        assert _complete_outputs(out) == before  # nothing replaced, nothing half-written
        return capsys.readouterr().err

    empty, fake = tmp_path / 'empty.mp4', tmp_path / 'fake.mp4'
    empty.write_bytes(b'')
    fake.write_text('not a video')
    assert 'empty.mp4 is an empty file' in error(pose_dir, str(empty), '--whole-image')
    assert 'fake.mp4' in error(pose_dir, str(fake), '--whole-image')
    assert 'pose model' in error(pose_dir, files['video'], '--detector', pose_dir)
    assert '--detector' in error(det_dir, files['video'], '--whole-image')
    rows = tmp_path / 'rows.txt'
    rows.write_text('1,-1,10,10,50,50,0.9\n2,-1,10,10,fifty,50,0.9\n')
    assert 'rows.txt line 2' in error(pose_dir, files['video'], '--boxes-file', str(rows))
    rows.write_text(f'{FRAMES + 5},-1,10,10,50,50,0.9\n')
    assert f'frame {FRAMES + 5}' in error(pose_dir, files['video'], '--boxes-file', str(rows))
    assert 'unicorn' in error(pose_dir, files['video'], '--detector', det_dir, '--classes',
                              'unicorn')
    assert '--smooth' in error(pose_dir, files['video'], '--whole-image', '--smooth')
    rows.write_text('1,-1,10,10,50,50,0.9\n')  # boxes without track ids: nothing to smooth
    assert '--smooth' in error(pose_dir, files['video'], '--boxes-file', str(rows), '--smooth')


def test_a_folder_of_images_with_its_detector(footage, tmp_path):
    files, pose_dir, det_dir = footage
    folder = tmp_path / 'stills'
    folder.mkdir()
    capture = cv2.VideoCapture(files['video'])
    for i in range(3):
        cv2.imwrite(str(folder / f'{i:03d}.png'), capture.read()[1])
    capture.release()
    (folder / 'notes.txt').write_text('not an image: skipped')
    out = str(tmp_path / 'out')
    assert infer.main([pose_dir, str(folder), '--detector', det_dir, '--det-thr', '0.05',
                       '--max-animals', '2', '--out', out]) == 0
    doc = json.load(open(osp.join(out, 'stills.json')))
    assert [f['name'] for f in doc['frames']] == ['000.png', '001.png', '002.png']
    assert all(len(f['instances']) == 2 for f in doc['frames'])  # the best two of many
    assert sorted(os.listdir(osp.join(out, 'stills'))) == ['000.jpg', '001.jpg', '002.jpg']


@pytest.mark.parametrize('argv, message', [
    (['--det-thr', '1.5'], '--det-thr 1.5'),
    (['--max-animals', '0'], '--max-animals 0'),
    (['--smooth', '--smooth-beta', '-1'], '--smooth-beta'),
    (['--detect-every', '2'], '--detect-every needs --detector'),
    (['--classes', 'cat'], '--classes chooses'),
])
def test_bad_options_are_named(argv, message, capsys):
    with pytest.raises(SystemExit):
        infer.main(['model', 'clip.mp4', '--whole-image', '--out', 'out'] + argv)
    assert message in capsys.readouterr().err
