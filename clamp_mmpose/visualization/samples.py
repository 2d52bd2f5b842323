"""Annotated instances of a config's dataset, for pictures."""
from typing import List

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS


def dataset_instances(cfg: Config, split: str = 'val') -> List[dict]:
    """The instances (MMPose data infos: img_path, bbox, keypoints, keypoints_visible, ...) of
    the config's ``val`` or ``test`` dataset, without its pipeline."""
    import clamp_mmpose  # noqa: F401  (registers the datasets)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    dataset_cfg = cfg[f'{split}_dataloader'].dataset.copy()
    dataset_cfg.pipeline = []
    dataset = DATASETS.build(dataset_cfg)
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def pick_instances(instances: List[dict], num: int, seed: int = 0,
                   min_visible: int = 8) -> List[dict]:
    """``num`` instances with at least ``min_visible`` labelled keypoints, seeded."""
    good = [i for i in instances if int(np.sum(i['keypoints_visible'] > 0)) >= min_visible]
    good = good or instances
    order = np.random.default_rng(seed).permutation(len(good))[:num]
    return [good[i] for i in order]


def bbox_xyxy(instance: dict) -> np.ndarray:
    return np.asarray(instance['bbox'], dtype=np.float32).reshape(-1)[:4]
