"""CLAMP models work with MMPose's high-level inference API and its visualiser."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmpose.apis import MMPoseInferencer, inference_topdown, init_model

from clamp_mmpose.export.inference_model import export_inference_model


def _val_instance(root):
    ann = json.load(open(osp.join(root, 'annotations', 'ap10k-val-split1.json')))
    a = ann['annotations'][0]
    image = next(i for i in ann['images'] if i['id'] == a['image_id'])
    x, y, w, h = a['bbox']
    return osp.join(root, 'data', image['file_name']), np.array([[x, y, x + w, y + h]]), image


@pytest.mark.parametrize('exported', [False, True], ids=['trained', 'exported'])
def test_inference_topdown_with_given_boxes(tiny_clamp, synthetic_ap10k, tmp_path, exported):
    config, checkpoint = tiny_clamp
    if exported:
        config, checkpoint = export_inference_model(config, checkpoint, str(tmp_path / 'exp'))
    model = init_model(config, checkpoint, device='cpu')
    assert model.dataset_meta['num_keypoints'] == 17
    img, box, _ = _val_instance(synthetic_ap10k)
    results = inference_topdown(model, img, bboxes=box)
    kpts = results[0].pred_instances.keypoints
    assert kpts.shape == (1, 17, 2)
    # MMPose's decoder marks heatmaps with no positive value at heatmap cell -1.
    kpts = kpts[:, results[0].pred_instances.keypoint_scores[0] > 0]
    assert kpts.shape[1] >= 3
    # Image coordinates: inside the square crop around the box (padding 1.25), not in
    # heatmap or input pixels.
    center = 0.5 * (box[0, :2] + box[0, 2:])
    half = 0.5 * 1.25 * (box[0, 2:] - box[0, :2]).max() + 1
    assert (np.abs(kpts[0] - center) <= half).all()
    assert np.ptp(kpts[0], axis=0).max() > 0.1 * half  # spread over the crop


def test_mmpose_inferencer_draws_clamp_predictions(tiny_clamp, synthetic_ap10k):
    config, checkpoint = tiny_clamp
    inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=checkpoint,
                                  det_model='whole_image', device='cpu')
    img, _, image = _val_instance(synthetic_ap10k)
    result = next(inferencer(img, return_vis=True, show=False))
    keypoints = np.asarray(result['predictions'][0][0]['keypoints'])
    assert keypoints.shape == (17, 2)
    assert (keypoints[:, 0] > -0.25 * image['width']).all()
    assert (keypoints[:, 0] < 1.25 * image['width']).all()
    vis = result['visualization'][0]
    assert vis.shape == (image['height'], image['width'], 3)


def test_mmpose_inferencer_with_an_mmdet_detector_config(tiny_clamp, synthetic_ap10k):
    """A user's mmdet detector (here RTMDet-tiny's config with random weights) gives the boxes;
    CLAMP estimates a pose in each."""
    import mmdet
    config, checkpoint = tiny_clamp
    detector = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', 'rtmdet',
                        'rtmdet_tiny_8xb32-300e_coco.py')
    # The detector's weights are random: seeded, so that it finds boxes on every run.
    torch.manual_seed(0)
    inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=checkpoint, det_model=detector,
                                  det_weights=None, det_cat_ids=list(range(80)), device='cpu')
    img, _, image = _val_instance(synthetic_ap10k)
    instances = next(inferencer(img, bbox_thr=0.0))['predictions'][0]
    boxes = np.array([inst['bbox'][0] for inst in instances])
    assert len(instances) > 1  # one pose per detected box, not the whole image
    assert not np.allclose(boxes[0], [0, 0, image['width'], image['height']])
    assert all(np.asarray(inst['keypoints']).shape == (17, 2) for inst in instances)
