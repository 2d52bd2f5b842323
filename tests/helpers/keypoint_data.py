"""Small generated keypoint data sets in MMPose's COCO-style annotation format."""
import json
import os
import os.path as osp
from typing import Tuple

import cv2
import numpy as np


def write_keypoint_dataset(root: str, ann_file: str, metainfo: dict, num_images: int = 4,
                           image_size: Tuple[int, int] = (160, 128), img_dir: str = 'images/',
                           seed: int = 0, category: str = 'animal') -> str:
    """Write ``num_images`` images with one animal each and their COCO-style annotations.

    Each keypoint is a coloured dot of its own colour on a noisy background, inside the box;
    about one keypoint in eight is unlabelled (v=0). ``metainfo`` is a parsed MMPose metainfo
    (its keypoint names go into the category). Returns the annotation file's path.
    """
    rng = np.random.default_rng(seed)
    num_keypoints = metainfo['num_keypoints']
    names = [metainfo['keypoint_id2name'][i] for i in range(num_keypoints)]
    colours = rng.integers(40, 255, size=(num_keypoints, 3))
    w, h = image_size
    os.makedirs(osp.join(root, img_dir), exist_ok=True)
    images, annotations = [], []
    for i in range(num_images):
        image = rng.integers(0, 60, size=(h, w, 3), dtype=np.uint8)
        x0, y0 = rng.uniform(0, 0.2) * w, rng.uniform(0, 0.2) * h
        bw, bh = rng.uniform(0.6, 0.8) * w, rng.uniform(0.6, 0.8) * h
        xy = np.stack([rng.uniform(x0, x0 + bw, num_keypoints),
                       rng.uniform(y0, y0 + bh, num_keypoints)], axis=1)
        visible = np.where(rng.uniform(size=num_keypoints) < 0.125, 0, 2)
        for (x, y), colour, v in zip(xy, colours, visible):
            if v:
                cv2.circle(image, (int(x), int(y)), 3, tuple(int(c) for c in colour), -1)
        file_name = f'{i:06d}.png'
        cv2.imwrite(osp.join(root, img_dir, file_name), image)
        images.append(dict(id=i + 1, file_name=file_name, width=w, height=h))
        keypoints = np.concatenate([xy * (visible[:, None] > 0), visible[:, None]], axis=1)
        annotations.append(dict(
            id=i + 1, image_id=i + 1, category_id=1, bbox=[x0, y0, bw, bh], area=bw * bh,
            iscrowd=0, num_keypoints=int((visible > 0).sum()),
            keypoints=keypoints.reshape(-1).round(2).tolist()))
    path = osp.join(root, ann_file)
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=annotations, categories=[dict(
            id=1, name=category, supercategory='animal', keypoints=names, skeleton=[])]), f)
    return path
