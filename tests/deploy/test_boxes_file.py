"""Per-frame boxes from MOT text and COCO JSON files, and the errors that name the bad row."""
import json

import numpy as np
import pytest

from clamp_mmpose.deploy import DeployError
from clamp_mmpose.deploy.boxes_file import check_frame_range, read_boxes_file


def test_mot_rows_become_0_based_frames_of_xyxy_boxes(tmp_path):
    path = tmp_path / 'det.txt'
    path.write_text('# a comment\n1,-1,10,20,30,40,0.9,-1,-1,-1\n'
                    '1,-1,50,60,10,10,0.4\n\n3 7 5 5 20 10 0.8\n')
    boxes = read_boxes_file(str(path))
    assert sorted(boxes) == [0, 2]
    np.testing.assert_allclose(boxes[0].boxes, [[10, 20, 40, 60], [50, 60, 60, 70]])
    np.testing.assert_allclose(boxes[0].scores, [0.9, 0.4])
    assert boxes[0].ids.tolist() == [-1, -1]
    assert boxes[2].ids.tolist() == [7]  # space-separated rows read too
    # Ground truth rows (no score column) count as score 1.
    gt = tmp_path / 'gt.txt'
    gt.write_text('2,4,1,1,5,5\n')
    assert read_boxes_file(str(gt))[1].scores.tolist() == [1.0]


def test_coco_results_and_coco_files(tmp_path):
    results = tmp_path / 'det.json'
    results.write_text(json.dumps([
        dict(image_id=2, bbox=[1, 2, 3, 4], score=0.5, category_id=16),
        dict(image_id=2, bbox=[5, 5, 5, 5], score=0.7, category_id=16)]))
    boxes = read_boxes_file(str(results))
    assert list(boxes) == [1]
    np.testing.assert_allclose(boxes[1].boxes, [[1, 2, 4, 6], [5, 5, 10, 10]])
    dataset = tmp_path / 'video.coco.json'
    dataset.write_text(json.dumps(dict(
        images=[dict(id=11, frame_id=4), dict(id=12, frame_id=5)],
        annotations=[dict(image_id=12, bbox=[0, 0, 8, 8], track_id=3)], categories=[])))
    boxes = read_boxes_file(str(dataset))
    assert list(boxes) == [5] and boxes[5].ids.tolist() == [3]


@pytest.mark.parametrize('content, message', [
    ('1,-1,10,20,30,40,0.9\n1,-1,ten,20,30,40,0.9\n', 'line 2'),
    ('1,-1,10,20,30\n', 'line 1'),
    ('0,-1,10,20,30,40,0.9\n', 'counted from 1'),
    ('1,-1,10,20,-3,40,0.9\n', 'width and height must be positive'),
    ('1,-1,10,20,nan,40,0.9\n', 'not a finite number'),
    ('[{"image_id": 1, "bbox": [1, 2, 3]}]', 'entry 0'),
    ('[{"bbox": [1, 2, 3, 4]}]', 'entry 0'),
    ('{"images": [], "annotations": [{"image_id": 9, "bbox": [1, 2, 3, 4]}]}',
     'image_id 9 is not in "images"'),
    ('[1, 2', 'not valid JSON'),
    ('{"what": 1}', 'neither a COCO detection results list'),
])
def test_malformed_files_name_the_row(tmp_path, content, message):
    path = tmp_path / 'boxes.txt'
    path.write_text(content)
    with pytest.raises(DeployError, match=message) as err:
        read_boxes_file(str(path))
    assert 'boxes.txt' in str(err.value)


def test_frames_past_the_end_are_named(tmp_path):
    path = tmp_path / 'det.txt'
    path.write_text('1,-1,0,0,5,5,1\n12,-1,0,0,5,5,1\n')
    boxes = read_boxes_file(str(path))
    check_frame_range(boxes, 12, str(path), 'clip.mp4')
    with pytest.raises(DeployError, match='frame 12 .* clip.mp4 has 11 frames'):
        check_frame_range(boxes, 11, str(path), 'clip.mp4')
    with pytest.raises(DeployError, match='no such boxes file'):
        read_boxes_file(str(tmp_path / 'none.txt'))
