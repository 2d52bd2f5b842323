"""The footage generator: its files, determinism, and a scene that is hard for a tracker
(animals crossing each other, entering and leaving the picture)."""
import itertools
import json

import cv2
import numpy as np
import pytest
from xtcocotools.coco import COCO

from clamp_mmpose.datasets.synthetic import load_categories, main, plan_footage

FRAMES = 40


@pytest.fixture(scope='module')
def categories():
    return load_categories()['categories']


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp('footage')
    assert main(['--video', str(out), '--name', 'walk', '--frames', str(FRAMES),
                 '--video-size', '320', '240', '--animals', '3', '--seed', '1']) == 0
    return out


def _iou(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_files_written_and_consistent(written):
    assert sorted(p.name for p in written.iterdir()) == ['walk.coco.json', 'walk.gt.txt',
                                                         'walk.mp4']
    rows = np.loadtxt(written / 'walk.gt.txt', delimiter=',', ndmin=2)
    assert rows.shape[1] == 10 and (rows[:, 6:] == [1, -1, -1, -1]).all()
    frames = rows[:, 0].astype(int)
    assert frames.min() >= 1 and frames.max() <= FRAMES
    x, y, w, h = rows[:, 2:6].T
    assert (x >= 0).all() and (y >= 0).all() and (x + w <= 320.01).all() and (h > 0).all()
    assert (y + h <= 240.01).all() and (w > 0).all()
    cap = cv2.VideoCapture(str(written / 'walk.mp4'))
    n = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        assert img.shape == (240, 320, 3)
        n += 1
    assert n == FRAMES
    coco = COCO(str(written / 'walk.coco.json'))
    assert sorted(coco.getImgIds()) == list(range(1, FRAMES + 1))
    img = coco.loadImgs(5)[0]
    assert img['frame_id'] == 4 and img['file_name'] == 'walk.mp4/000004'
    cat = coco.loadCats(coco.getCatIds())[0]
    assert len(cat['keypoints']) == 17 and cat['skeleton']
    anns = coco.loadAnns(coco.getAnnIds())
    assert anns and all(len(a['keypoints']) == 51 and a['track_id'] >= 1 for a in anns)
    # Every annotated animal is a ground truth row of the same frame and track.
    gt = {(int(r[0]), int(r[1])) for r in rows}
    assert {(a['image_id'], a['track_id']) for a in anns} <= gt
    assert sum(a['num_keypoints'] for a in anns) > 4 * len(anns)


def test_plan_is_deterministic_and_matches_the_files(categories, written):
    a = plan_footage(categories, FRAMES, (320, 240), 3, seed=1)
    b = plan_footage(categories, FRAMES, (320, 240), 3, seed=1)
    assert a.mot_rows() == b.mot_rows()
    assert plan_footage(categories, FRAMES, (320, 240), 3, seed=2).mot_rows() != a.mot_rows()
    rows = np.loadtxt(written / 'walk.gt.txt', delimiter=',', ndmin=2)
    np.testing.assert_allclose(rows[:, :6], np.array(a.mot_rows()), atol=0.006)
    species = {p.track_id: p.category['id'] for p in a.paths}
    anns = json.load(open(written / 'walk.coco.json'))['annotations']
    # An identity is one animal: its species never changes along its track.
    assert all(species[x['track_id']] == x['category_id'] for x in anns)


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_animals_cross_enter_and_leave(categories, seed):
    plan = plan_footage(categories, 100, (640, 480), 3, seed=seed)
    spans = []
    crossed = False
    for p in plan.paths:
        shown = np.nonzero(p.shown)[0]
        assert len(shown) and (np.diff(shown) == 1).all()  # one contiguous span per animal
        spans.append((shown[0], shown[-1]))
    assert any(first > 0 or last < plan.num_frames - 1 for first, last in spans)
    for f in range(plan.num_frames):
        ids, boxes = plan.clipped_boxes(f)
        assert len(set(ids.tolist())) == len(ids)
        if any(_iou(boxes[i], boxes[j]) > 0.1
               for i, j in itertools.combinations(range(len(ids)), 2)):
            crossed = True
    assert crossed
