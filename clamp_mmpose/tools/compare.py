"""Baseline vs CLAMP vs ground truth on dataset samples (supplementary Figs. S2 and S3)."""
import argparse
import sys
from typing import List, Sequence

import cv2
import numpy as np
from mmengine.config import Config

from ..visualization import crop_square, draw_pose, grid, save_picture, transform_points
from ..visualization.samples import bbox_xyxy, dataset_instances, pick_instances

PRED_COLORS = [(255, 140, 0), (0, 200, 0), (255, 0, 255), (0, 200, 255)]  # BGR, per model
GT_COLOR = (0, 0, 255)


def comparison_grid(models: Sequence, labels: Sequence[str], instances: List[dict],
                    skeleton, panel_size: int = 192, kpt_thr: float = 0.3) -> np.ndarray:
    """One row per model (its predictions), then the ground truth; one column per instance,
    each a square crop around the instance's box."""
    from mmpose.apis import inference_topdown
    rows = [[] for _ in range(len(models) + 1)]
    for instance in instances:
        image = cv2.imread(instance['img_path'])
        box = bbox_xyxy(instance)
        crop, matrix = crop_square(image, box, panel_size)
        for index, model in enumerate(models):
            pred = inference_topdown(model, image, bboxes=box[None])[0].pred_instances
            rows[index].append(
                draw_pose(crop.copy(), transform_points(pred.keypoints[0], matrix),
                          pred.keypoint_scores[0] > kpt_thr, skeleton,
                          PRED_COLORS[index % len(PRED_COLORS)]))
        rows[-1].append(
            draw_pose(crop.copy(), transform_points(instance['keypoints'].reshape(-1, 2), matrix),
                      instance['keypoints_visible'].reshape(-1) > 0, skeleton, GT_COLOR))
    return grid([p for row in rows for p in row], len(instances),
                row_labels=list(labels) + ['ground truth'])


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose compare',
        description='Draw SimpleBaseline predictions, CLAMP predictions and the ground truth '
        '(one row each) on N samples of the CLAMP config\'s val or test set, as in the paper\'s '
        'Figures S2 and S3.')
    parser.add_argument('--baseline', nargs=2, required=True, metavar=('CONFIG', 'CHECKPOINT'))
    parser.add_argument('--clamp', nargs=2, required=True, metavar=('CONFIG', 'CHECKPOINT'))
    parser.add_argument('--num', type=int, default=6, help='number of samples (columns)')
    parser.add_argument('--seed', type=int, default=0, help='which samples')
    parser.add_argument('--split', choices=('val', 'test'), default='val')
    parser.add_argument('--kpt-thr', type=float, default=0.3,
                        help='draw predicted keypoints scoring above this')
    parser.add_argument('--out', default='comparison.png', help='output PNG')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)

    from mmpose.apis import init_model
    models = [init_model(cfg, ckpt, device=args.device) for cfg, ckpt in (args.baseline,
                                                                         args.clamp)]
    instances = pick_instances(dataset_instances(Config.fromfile(args.clamp[0]), args.split),
                               args.num, args.seed)
    skeleton = models[1].dataset_meta['skeleton_links']
    picture = comparison_grid(models, ['SimpleBaseline', 'CLAMP'], instances, skeleton,
                              kpt_thr=args.kpt_thr)
    try:
        save_picture(args.out, picture)
    except OSError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'{len(instances)} samples written to {args.out}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
