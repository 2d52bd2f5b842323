"""The command line: ``python -m clamp_mmpose.datasets.synthetic`` and ``clamp-mmpose
generate-data``. Stills in AP-10K's layout by default, a video with ``--video OUT_DIR``."""
import argparse
import os.path as osp
import time

from .ap10k_files import DEFAULT_NUM_IMAGES, generate_synthetic_ap10k
from .footage import write_footage


def _parser():
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose generate-data',
        description='Generate procedurally drawn four-legged animals annotated in the AP-10K '
        'format (COCO keypoint JSON, 54 species, 17 keypoints). The output directory can be '
        'used as data_root of any MMPose AP-10K config: annotations/ap10k-{train,val,test}-'
        'split1.json and images under data/. With --video, a video of animals walking across '
        'a scene instead, with MOT and COCO (track_id) ground truth.')
    parser.add_argument('--out', default='data/synthetic_ap10k',
                        help='output data root, created if missing (default: %(default)s)')
    parser.add_argument('--train', type=int, default=DEFAULT_NUM_IMAGES['train'],
                        help='number of training images (default: %(default)s)')
    parser.add_argument('--val', type=int, default=DEFAULT_NUM_IMAGES['val'],
                        help='number of validation images (default: %(default)s)')
    parser.add_argument('--test', type=int, default=DEFAULT_NUM_IMAGES['test'],
                        help='number of test images (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='random seed; the same seed gives the same files '
                        '(default: %(default)s)')
    parser.add_argument('--size', type=int, default=256,
                        help='image side in pixels (default: %(default)s)')
    parser.add_argument('--categories-file', default=None,
                        help='JSON with keypoints, skeleton and categories '
                        '(default: the 54 AP-10K species shipped with clamp_mmpose)')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    video = parser.add_argument_group(
        'video', 'with --video OUT_DIR: OUT_DIR/<name>.mp4, <name>.gt.txt (MOT challenge) and '
        '<name>.coco.json (AP-10K format with track_id); --out, --train, --val, --test and '
        '--size are not used')
    video.add_argument('--video', metavar='OUT_DIR', default=None,
                       help='write a video of walking animals into OUT_DIR')
    video.add_argument('--name', default='footage',
                       help='stem of the video\'s files (default: %(default)s)')
    video.add_argument('--frames', type=int, default=100,
                       help='frames of the video (default: %(default)s)')
    video.add_argument('--video-size', type=int, nargs=2, default=(640, 480),
                       metavar=('W', 'H'),
                       help='video width and height in pixels (default: 640 480)')
    video.add_argument('--animals', type=int, default=3,
                       help='animals (tracks) in the video (default: %(default)s)')
    video.add_argument('--fps', type=float, default=25.0,
                       help='frames per second (default: %(default)s)')
    return parser


def main(argv=None):
    """Command line entry point; see ``--help``."""
    args = _parser().parse_args(argv)
    t0 = time.time()
    if args.video:
        paths = write_footage(args.video, args.name, args.frames, tuple(args.video_size),
                              args.animals, args.fps, args.seed, args.categories_file)
        print(f'wrote {args.frames} frames of {args.animals} animals in '
              f'{time.time() - t0:.1f} s')
    else:
        paths = generate_synthetic_ap10k(
            args.out, dict(train=args.train, val=args.val, test=args.test),
            image_size=args.size, seed=args.seed, categories_file=args.categories_file,
            progress=not args.no_progress)
        n = args.train + args.val + args.test
        print(f'wrote {n} images to {osp.join(args.out, "data")} in {time.time() - t0:.1f} s')
    for key, path in paths.items():
        print(f'  {key}: {path}')
    return 0
