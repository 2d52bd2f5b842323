"""Per-keypoint score maps of a CLAMP model laid over the instance (supplementary Fig. S1)."""
import argparse
from typing import List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from ..visualization import grid, overlay_heat, titled
from ..visualization.samples import bbox_xyxy, dataset_instances


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


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose score-maps',
        description='Draw the per-keypoint score maps (cosine similarity of the image\'s dense '
        'CLIP embeddings with each keypoint prompt) of a CLAMP model over one instance, one '
        'panel per keypoint named in language (supplementary Figure S1). Give an image and a '
        'box, or a sample of the config\'s val/test set.')
    parser.add_argument('config', help='CLAMP config (trained or exported)')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('--img', help='image file (with --bbox)')
    parser.add_argument('--bbox', type=float, nargs=4, metavar=('X1', 'Y1', 'X2', 'Y2'))
    parser.add_argument('--sample', type=int, default=0,
                        help='index of a dataset instance, used when --img is not given')
    parser.add_argument('--split', choices=('val', 'test'), default='val')
    parser.add_argument('--out', default='score_maps.png', help='output PNG')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)

    from mmpose.apis import init_model
    model = init_model(args.config, args.checkpoint, device=args.device)
    if args.img:
        if args.bbox is None:
            parser.error('--img needs --bbox X1 Y1 X2 Y2')
        image, bbox = cv2.imread(args.img), args.bbox
        if image is None:
            raise FileNotFoundError(f'cannot read image {args.img}')
    else:
        instance = dataset_instances(Config.fromfile(args.config), args.split)[args.sample]
        image, bbox = cv2.imread(instance['img_path']), bbox_xyxy(instance)
    crop, maps, names = instance_score_maps(model, image, bbox)[:3]
    cv2.imwrite(args.out, score_map_grid(crop, maps, names))
    print(f'score maps of {len(names)} keypoints written to {args.out}')
    return 0


if __name__ == '__main__':
    main()
