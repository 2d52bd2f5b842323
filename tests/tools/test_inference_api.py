"""CLAMP models work with MMPose's high-level inference API and its visualiser."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmpose.apis import MMPoseInferencer, inference_topdown, init_model

from clamp_mmpose.export.inference_model import export_inference_model
from tests.helpers.detector import generated_scene, random_rtmdet_checkpoint


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


def _clip(tmp_path, frames=3):
    """A short 640x480 video of a generated scene panning right, and its frames."""
    scene = generated_scene(5)
    images = [np.roll(scene, 6 * i, axis=1) for i in range(frames)]
    path = str(tmp_path / 'clip.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10, (640, 480))
    for image in images:
        writer.write(image)
    writer.release()
    return path, images


@pytest.fixture(scope='module')
def rtmdet(tmp_path_factory):
    """RTMDet-tiny's released config with random weights fitted to the clip's scene."""
    work = tmp_path_factory.mktemp('rtmdet')
    return random_rtmdet_checkpoint(str(work), images=[generated_scene(5)], input_size=320)


def test_mmpose_inferencer_with_an_mmdet_detector_on_images_and_video(
        tiny_clamp, rtmdet, tmp_path):
    """MMPose's own path: MMPoseInferencer with a user's MMDetection detector (config and
    weights; the animal classes by det_cat_ids) gives the boxes, CLAMP a pose in each, on an
    image and on every frame of a video, with the labelled video and predictions written."""
    config, checkpoint = tiny_clamp
    det_config, det_weights = rtmdet
    inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=checkpoint,
                                  det_model=det_config, det_weights=det_weights,
                                  det_cat_ids=list(range(14, 24)), device='cpu')
    video, images = _clip(tmp_path)
    instances = next(inferencer(images[0], bbox_thr=0.3))['predictions'][0]
    assert len(instances) >= 1  # one pose per detected animal box, not the whole image
    boxes = np.array([inst['bbox'][0] for inst in instances])
    assert not np.allclose(boxes[0], [0, 0, 640, 480])
    assert all(np.asarray(inst['keypoints']).shape == (17, 2) for inst in instances)
    out = tmp_path / 'out'
    results = list(inferencer(video, bbox_thr=0.3, vis_out_dir=str(out / 'vis'),
                              pred_out_dir=str(out / 'pred')))
    assert len(results) == len(images)
    capture = cv2.VideoCapture(str(out / 'vis' / 'clip.mp4'))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == len(images)
    predictions = json.load(open(out / 'pred' / 'clip.json'))
    assert [p['frame_id'] for p in predictions] == list(range(len(images)))
    assert all(len(p['instances']) >= 1 for p in predictions)


def test_topdown_demo_with_mmdet_flow(tiny_clamp, rtmdet):
    """The flow of MMPose's demo/topdown_demo_with_mmdet.py: mmdet's inference_detector, the
    animal classes above the score threshold, NMS, then inference_topdown in those boxes."""
    from mmdet.apis import inference_detector, init_detector
    from mmpose.evaluation.functional import nms
    from mmpose.structures import merge_data_samples
    from mmpose.utils import adapt_mmdet_pipeline
    detector = init_detector(*rtmdet, device='cpu')
    detector.cfg = adapt_mmdet_pipeline(detector.cfg)  # mmdet's transforms in mmpose's scope
    pose_model = init_model(*tiny_clamp, device='cpu')
    image = generated_scene(5)
    pred = inference_detector(detector, image).pred_instances.cpu().numpy()
    keep = np.isin(pred.labels, list(range(14, 24))) & (pred.scores > 0.3)
    boxes = np.concatenate([pred.bboxes[keep], pred.scores[keep, None]], axis=1)
    boxes = boxes[nms(boxes, 0.3), :4]
    assert len(boxes) >= 1
    merged = merge_data_samples(inference_topdown(pose_model, image, boxes))
    assert merged.pred_instances.keypoints.shape == (len(boxes), 17, 2)
    np.testing.assert_allclose(merged.pred_instances.bboxes, boxes, atol=1e-3)
