"""bbox_rule='authors': ground-truth boxes read as the authors' MMPose 0.x read them.

``tests/data/authors_reference/ap10k_boxes.json`` holds an AP-10K-format annotation file with a
box at each edge case of the rule and, for every instance the authors' ``AnimalAP10KDataset``
kept, the centre and scale it computed (made by ``tools/reference/make_authors_reference.py``
in the authors' own environment; see the README there).
"""
import json
import os.path as osp

import numpy as np
import pytest
from mmpose.structures.bbox import bbox_xyxy2cs

from clamp_mmpose.datasets import AP10KSubsetDataset, CocoSubsetDataset
from clamp_mmpose.datasets.subset_dataset import authors_gt_bbox
from tests.helpers import REPO

REFERENCE = osp.join(REPO, 'tests', 'data', 'authors_reference', 'ap10k_boxes.json')
PADDING = 1.25


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    with open(REFERENCE) as f:
        ref = json.load(f)
    ann_file = tmp_path_factory.mktemp('boxes') / 'ap10k-val-split1.json'
    ann_file.write_text(json.dumps(ref['annotations']))
    return str(ann_file), ref


def centers_and_sizes(dataset):
    """{image id: (centre, square padded size)} as MMPose's GetBBoxCenterScale and
    TopdownAffine (aspect ratio 1) make them from the dataset's boxes."""
    out = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        center, scale = bbox_xyxy2cs(info['bbox'], padding=PADDING)
        out[int(info['img_id'])] = (center[0], np.full(2, scale[0].max()))
    return out


def build(ann_file, rule, dataset_class=AP10KSubsetDataset):
    return dataset_class(ann_file=ann_file, data_prefix=dict(img=''), pipeline=[],
                         test_mode=True, bbox_rule=rule)


# COCO's 17 keypoints read the same file (one category, 17 keypoints per annotation).
@pytest.mark.parametrize('dataset_class', [AP10KSubsetDataset, CocoSubsetDataset])
def test_authors_rule_gives_the_authors_centres_scales_and_instances(reference, dataset_class):
    ann_file, ref = reference
    ours = centers_and_sizes(build(ann_file, 'authors', dataset_class))
    theirs = {r['image_id']: (np.array(r['center']), np.array(r['scale']) * 200)
              for r in ref['authors']}
    assert sorted(ours) == sorted(theirs)  # the same instances kept (zero area, empty dropped)
    for image_id, (center, size) in theirs.items():
        np.testing.assert_allclose(ours[image_id][0], center, atol=1e-4, err_msg=str(image_id))
        np.testing.assert_allclose(ours[image_id][1], size, atol=1e-3, err_msg=str(image_id))


def test_mmpose_rule_stays_the_default_and_differs_by_half_a_pixel(reference):
    ann_file, ref = reference
    default = AP10KSubsetDataset(ann_file=ann_file, data_prefix=dict(img=''), pipeline=[],
                                 test_mode=True)
    assert default.bbox_rule == 'mmpose'
    ours = centers_and_sizes(default)
    theirs = {r['image_id']: np.array(r['center']) for r in ref['authors']}
    # The first box lies inside its image: MMPose 1.x's centre is half a pixel right and down.
    np.testing.assert_allclose(ours[1][0] - theirs[1], [0.5, 0.5], atol=1e-4)
    # MMPose keeps the zero-area box that MMPose 0.x dropped.
    assert 7 in ours and 7 not in theirs


@pytest.mark.parametrize('box, area, expected', [
    ([10, 20, 30, 40], 1200, [10, 20, 39, 59]),
    ([-5, -2, 30, 40], 1200, [0, 0, 29, 39]),       # x1 clipped, width kept from there
    ([90, 90, 30, 40], 1200, [90, 90, 99, 99]),     # clipped to the last pixel
    ([10, 20, 30, 40], 0, None),                    # zero area: dropped
    ([10, 20, 0.5, 40], 20, None),                  # narrower than a pixel: dropped
    ([120, 20, 30, 40], 1200, None),                # starts past the image
])
def test_authors_gt_bbox(box, area, expected):
    bbox = authors_gt_bbox(dict(bbox=box, area=area), 100, 100)
    if expected is None:
        assert bbox is None
    else:
        np.testing.assert_allclose(bbox, [expected])


def test_unknown_rule_is_named(reference):
    ann_file, _ = reference
    with pytest.raises(ValueError, match="bbox_rule must be one of 'mmpose', 'authors'"):
        build(ann_file, 'mmpose0')
