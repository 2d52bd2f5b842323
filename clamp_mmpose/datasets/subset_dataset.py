"""MMPose datasets restricted to a subset of their annotation file (the paper's protocols).

``AP10KSubsetDataset`` and ``CocoSubsetDataset`` are MMPose's ``AP10KDataset`` and
``CocoDataset`` with one more argument, ``subset=dict(...)``: the rule of
:mod:`clamp_mmpose.datasets.subset_rule` (families or species, a random percentage of images, N
annotated instances per species or family, seeded). The annotation file is read as it is; no
file is edited or written. Without ``subset`` they keep every instance, like the MMPose classes.

Both also check each annotation as it is read: a keypoint list whose length is not three values
per keypoint of the dataset's metainfo is an error naming the file and the annotation, instead
of a silently misread instance.

Evaluation on a subset
    MMPose's ``CocoMetric`` reads its ground truth from ``ann_file``, which would count the
    instances left out as misses. A subset dataset in test mode therefore tells the metric
    (through MMEngine's message hub, where MMPose's datasets publish their annotation file)
    that it has no file, and a ``CocoMetric`` with ``ann_file=None`` then builds the ground
    truth from the evaluated samples' ``raw_ann_info``: exactly the selected instances.
    **Configs that evaluate on a subset must set** ``val_evaluator = dict(ann_file=None)`` (and
    the same for ``test_evaluator``); an explicit ``ann_file`` there still means the whole file.

Training boxes as MMPose 0.x (the authors') loaded them
    ``bbox_center_jitter=dict(prob=0.3, max_shift=0.2, seed=0)`` shifts the centre of a random
    ``prob`` of the training boxes by up to ``max_shift`` of their width and height, once, when
    the annotations load (MMPose 0.x's ``_xywh2cs`` did this for every top-down data set; 1.x
    shifts per sample in ``RandomBBoxTransform`` instead). Ignored in test mode.

Ground-truth boxes as MMPose 0.x (the authors') read them
    ``bbox_rule='authors'`` reads a COCO box ``(x, y, w, h)`` as MMPose 0.x did: ``w`` and ``h``
    count inclusive pixels, so the box ends at ``x + w - 1`` (clipped to the image), and a box
    of non-positive ``area`` is dropped. MMPose 1.x (``bbox_rule='mmpose'``, the default) ends
    it at ``x + w``. Every box's centre moves by half a pixel and its size by one, so evaluating
    the authors' models on their boxes needs their rule: the paper and converted configs set it.
    Detected boxes (``bbox_file``) are read alike by both generations and are not affected.

A subset version of any other ``BaseCocoStyleDataset`` subclass is three lines::

    @DATASETS.register_module()
    class MySubsetDataset(SubsetMixin, MyDataset):
        pass
"""
from typing import List, Optional, Tuple

import numpy as np
from mmengine.logging import MessageHub, print_log
from mmpose.datasets.datasets.animal import AnimalPoseDataset, AP10KDataset
from mmpose.datasets.datasets.body import CocoDataset
from mmpose.registry import DATASETS

from .subset_rule import describe_subset, normalize_subset, select_instances

__all__ = ['SubsetMixin', 'AP10KSubsetDataset', 'CocoSubsetDataset', 'AnimalPoseSubsetDataset',
           'authors_gt_bbox']


def jitter_bbox_centers(instances: List[dict], prob: float = 0.3, max_shift: float = 0.2,
                        seed: Optional[int] = 0) -> int:
    """Shift the centre of a random ``prob`` of the boxes by up to ``max_shift`` of their size.

    In place, on MMPose's instance dicts (``bbox``: (1, 4) x1, y1, x2, y2); width and height are
    kept. Returns how many boxes moved.
    """
    rng = np.random.default_rng(seed)
    moved = 0
    for inst in instances:
        if rng.random() >= prob:
            continue
        bbox = inst['bbox']
        size = bbox[:, 2:4] - bbox[:, 0:2]
        shift = 2 * max_shift * (rng.random(2) - 0.5) * size
        inst['bbox'] = bbox + np.concatenate([shift, shift], axis=1).astype(bbox.dtype)
        moved += 1
    return moved


def authors_gt_bbox(ann: dict, img_w: int, img_h: int) -> Optional[np.ndarray]:
    """The (1, 4) float32 x1, y1, x2, y2 box MMPose 0.x made of COCO annotation ``ann``.

    ``None`` where 0.x dropped the instance: no box, ``area <= 0``, or nothing left after
    clipping (``x2 <= x1`` or ``y2 <= y1``).
    """
    if 'bbox' not in ann or ann.get('area', 1) <= 0:
        return None
    x, y, w, h = ann['bbox']
    x1, y1 = max(0, x), max(0, y)
    x2 = min(img_w - 1, x1 + max(0, w - 1))
    y2 = min(img_h - 1, y1 + max(0, h - 1))
    if x2 <= x1 or y2 <= y1:
        return None
    return np.array([[x1, y1, x2, y2]], dtype=np.float32)


class SubsetMixin:
    """Adds ``subset=dict(...)``, ``bbox_center_jitter`` and ``bbox_rule`` to a
    ``BaseCocoStyleDataset`` subclass (put it first).

    After loading, ``subset_ann_ids`` holds the annotation ids kept (sorted) and
    ``subset_summary`` the counts (``None`` for both without a subset).
    """

    BBOX_RULES = ('mmpose', 'authors')

    def __init__(self, *args, subset=None, bbox_center_jitter=None, bbox_rule='mmpose',
                 **kwargs):
        if bbox_rule not in self.BBOX_RULES:
            raise ValueError(f'{type(self).__name__}: bbox_rule must be one of '
                             f'{", ".join(map(repr, self.BBOX_RULES))}, not {bbox_rule!r}')
        # Set before the base class loads the annotations (in its __init__ unless lazy_init).
        self.bbox_rule = bbox_rule
        self.subset = normalize_subset(subset)
        self.bbox_center_jitter = bbox_center_jitter
        self.subset_ann_ids = None
        self.subset_summary = None
        if self.subset and kwargs.get('bbox_file'):
            raise ValueError(
                f'{type(self).__name__}: subset selects ground-truth instances and cannot be '
                'combined with bbox_file (detected boxes)')
        super().__init__(*args, **kwargs)
        if self.subset and self.test_mode:
            # MMPose's datasets publish '<dataset_name>_ann_file' for CocoMetric(ann_file=None)
            # to load; withdraw it so that the metric builds GT from the selected samples.
            MessageHub.get_current_instance().update_info_dict(
                {f'{self.metainfo["dataset_name"]}_ann_file': None})

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        ann = raw_data_info['raw_ann_info']
        num_keypoints = self.metainfo['num_keypoints']
        if 'keypoints' in ann and len(ann['keypoints']) != 3 * num_keypoints:
            raise ValueError(
                f'{self.ann_file}: annotation {ann.get("id")} (image {ann.get("image_id")}) has '
                f'{len(ann["keypoints"])} keypoint values, but {self.metainfo["dataset_name"]} '
                f'has {num_keypoints} keypoints, i.e. {3 * num_keypoints} values (x, y, v per '
                f'keypoint). Fix the annotation file, or set the dataset\'s metainfo to the '
                f'keypoint set the file was written for.')
        info = super().parse_data_info(raw_data_info)
        if info is None or self.bbox_rule == 'mmpose':
            return info
        img = raw_data_info['raw_img_info']
        bbox = authors_gt_bbox(ann, img['width'], img['height'])
        if bbox is None:
            return None
        info['bbox'] = bbox
        return info

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        instance_list, image_list = super()._load_annotations()
        if self.bbox_center_jitter and not self.test_mode:
            jitter_bbox_centers(instance_list, **self.bbox_center_jitter)
        if not self.subset:
            return instance_list, image_list
        records = [
            dict(id=inst['id'], img_id=inst['img_id'], category_id=int(inst['category_id']),
                 valid=bool(self._is_valid_instance(inst))) for inst in instance_list
        ]
        categories = self.coco.loadCats(self.coco.getCatIds())
        kept, summary = select_instances(records, categories, self.subset,
                                         source=str(self.ann_file))
        instance_list = [instance_list[i] for i in kept]
        kept_images = {inst['img_id'] for inst in instance_list}
        image_list = [img for img in image_list if img['img_id'] in kept_images]
        self.subset_ann_ids = sorted(int(inst['id']) for inst in instance_list)
        self.subset_summary = summary
        print_log(
            f'{type(self).__name__} ({describe_subset(self.subset)}): '
            f'{summary["instances"]} of {summary["instances_before"]} annotated instances in '
            f'{summary["images"]} of {summary["images_before"]} images of {self.ann_file}',
            logger='current')
        if summary['short_groups']:
            print_log(
                f'{type(self).__name__}: fewer annotated instances than shots (all kept): '
                + ', '.join(f'{k} ({v})' for k, v in sorted(summary['short_groups'].items())),
                logger='current', level=30)
        return instance_list, image_list


@DATASETS.register_module()
class AP10KSubsetDataset(SubsetMixin, AP10KDataset):
    """MMPose's ``AP10KDataset`` with ``subset=dict(families=..., species=...,
    image_percent=..., shots_per_species=..., shots_per_family=..., seed=...)``; see
    :mod:`clamp_mmpose.datasets.subset_rule` for the rule and this module for evaluation."""


@DATASETS.register_module()
class CocoSubsetDataset(SubsetMixin, CocoDataset):
    """MMPose's ``CocoDataset`` with ``subset=dict(image_percent=..., seed=...)`` (and the other
    keys of :mod:`clamp_mmpose.datasets.subset_rule`; COCO's only category is ``person``)."""


@DATASETS.register_module()
class AnimalPoseSubsetDataset(SubsetMixin, AnimalPoseDataset):
    """MMPose's ``AnimalPoseDataset`` with this project's options (``subset``,
    ``bbox_center_jitter``, ``bbox_rule``)."""
