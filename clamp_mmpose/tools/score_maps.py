"""`clamp-mmpose score-maps`: per-keypoint score maps of a CLAMP model laid over the instance
(supplementary Fig. S1).

The library is :mod:`clamp_mmpose.visualization.score_maps`; its names still import from here
for one release, with a DeprecationWarning.
"""
import argparse
import sys

import cv2
from mmengine.config import Config

from ..utils.deprecation import moved_names
from ..visualization.panels import save_picture
from ..visualization.samples import bbox_xyxy, dataset_instances
from ..visualization.score_maps import instance_score_maps, score_map_grid

__getattr__ = moved_names(__name__, 'clamp_mmpose.visualization.score_maps',
                          ['InstanceScoreMaps'])


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
    if (args.img is None) != (args.bbox is None):
        parser.error('--img and --bbox go together: the image and the instance\'s box in it')

    # The instance first: a wrong path or index is named before a model is built.
    if args.img:
        image, bbox = cv2.imread(args.img), args.bbox
        if image is None:
            parser.error(f'cannot read image {args.img}')
    else:
        instances = dataset_instances(Config.fromfile(args.config), args.split)
        if not 0 <= args.sample < len(instances):
            parser.error(f'--sample {args.sample} is outside the {args.split} set, which has '
                         f'{len(instances)} instances (0 to {len(instances) - 1})')
        instance = instances[args.sample]
        image, bbox = cv2.imread(instance['img_path']), bbox_xyxy(instance)
        if image is None:
            parser.error(f'cannot read the {args.split} set\'s image {instance["img_path"]}')

    from mmpose.apis import init_model
    model = init_model(args.config, args.checkpoint, device=args.device)
    crop, maps, names = instance_score_maps(model, image, bbox)[:3]
    try:
        save_picture(args.out, score_map_grid(crop, maps, names))
    except OSError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'score maps of {len(names)} keypoints written to {args.out}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
