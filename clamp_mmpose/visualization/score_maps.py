"""Per-keypoint score maps of a CLAMP model over one instance (supplementary Fig. S1): the
maps as the model computes them, and a panel grid of them."""
from typing import List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dataset import Compose, pseudo_collate

from .panels import grid, overlay_heat, titled


class InstanceScoreMaps(NamedTuple):
    """What :func:`instance_score_maps` returns.

    Attributes:
        crop: the model's input crop, (h, w, 3) BGR.
        maps: the score maps S upsampled to the crop, (K, h, w), in [-1, 1].
        names: the K keypoint names in words.
        grid: the score maps' own size (H, W) before upsampling.
        keypoints: given keypoints in crop coordinates, (K, 2), or None.
        visible: their visibility, (K,) bool, or None.
    """
    crop: np.ndarray
    maps: np.ndarray
    names: List[str]
    grid: Tuple[int, int]
    keypoints: Optional[np.ndarray] = None
    visible: Optional[np.ndarray] = None


def instance_score_maps(model, image: np.ndarray, bbox: Sequence[float],
                        keypoints: Optional[np.ndarray] = None) -> InstanceScoreMaps:
    """Score maps S of one instance, as the model sees it.

    Args:
        model: a CLAMP pose estimator from :func:`mmpose.apis.init_model`.
        image: BGR image (H, W, 3).
        bbox: (x1, y1, x2, y2).
        keypoints: optional (K, 3) keypoints (x, y, visibility) in image coordinates, to be
            brought into the crop by the same affine transform.
    """
    pipeline = [dict(step) for step in model.cfg.test_dataloader.dataset.pipeline]
    data = dict(img=image, bbox=np.asarray([bbox], np.float32), bbox_score=np.ones(1, np.float32))
    if keypoints is not None:
        keypoints = np.asarray(keypoints, np.float32)
        data.update(keypoints=keypoints[None, :, :2],
                    keypoints_visible=(keypoints[None, :, 2] > 0).astype(np.float32))
        for step in pipeline:
            if step['type'] == 'PackPoseInputs':
                step['pack_transformed'] = True
    data.update(model.dataset_meta)
    data = Compose(pipeline)(data)
    batch = model.data_preprocessor(pseudo_collate([data]), False)
    with torch.no_grad():
        maps = model.head.forward_all(model.extract_feat(batch['inputs'])).score_maps
    crop = data['inputs'].permute(1, 2, 0).numpy().astype(np.uint8).copy()
    grid_size = tuple(maps.shape[-2:])
    maps = F.interpolate(maps.float(), size=crop.shape[:2], mode='bilinear',
                         align_corners=False)[0].numpy()
    names = list(model.head.keypoint_words)
    if keypoints is None:
        return InstanceScoreMaps(crop, maps, names, grid_size)
    instance = data['data_samples'].gt_instances
    return InstanceScoreMaps(crop, maps, names, grid_size,
                             np.asarray(instance.transformed_keypoints)[0],
                             np.asarray(instance.keypoints_visible)[0] > 0)


def score_map_grid(crop: np.ndarray, maps: np.ndarray, names: Sequence[str], cols: int = 6,
                   panel_size: int = 160) -> np.ndarray:
    """One titled panel for the crop, then one per keypoint (its map min-max scaled)."""
    crop = cv2.resize(crop, (panel_size, panel_size))
    panels = [titled(crop, 'input')]
    for score, name in zip(maps, names):
        heat = cv2.resize(score, (panel_size, panel_size))
        heat = (heat - heat.min()) / max(float(heat.max() - heat.min()), 1e-6)
        panels.append(titled(overlay_heat(crop, heat), name))
    return grid(panels, cols)
