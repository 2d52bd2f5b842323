"""`clamp-mmpose export-detector`: an MMDetection RTMDet detector as ONNX + ``.detector.json``.

The library is :func:`clamp_mmpose.export.detector_graph.export_detector`; what runs the result,
without torch, is :class:`clamp_mmpose.deploy.Detector`.
"""
import argparse
import sys

from ..deploy.contract import DeployError
from ..deploy.detector_contract import COCO_ANIMALS


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose export-detector',
        description='Export an MMDetection 3.x RTMDet detector (config + weights, e.g. mmdet\'s '
        'rtmdet_tiny_8xb32-300e_coco.py) for clamp_mmpose.deploy.Detector: writes '
        'OUT_DIR/NAME.onnx (the network) and OUT_DIR/NAME.detector.json (preprocessing, '
        'classes, thresholds), NAME being the config\'s file name.')
    parser.add_argument('config', metavar='DET_CONFIG', help='the mmdet config')
    parser.add_argument('checkpoint', metavar='DET_CHECKPOINT', help='its weights (.pth)')
    parser.add_argument('out_dir', metavar='OUT_DIR', help='folder to write into')
    parser.add_argument('--classes', nargs='+', metavar='NAME',
                        help=f'class names to keep (default: COCO\'s animals, '
                        f'{" ".join(COCO_ANIMALS)})')
    parser.add_argument('--score-thr', type=float, metavar='F',
                        help='score threshold before NMS (default: the config\'s test_cfg)')
    parser.add_argument('--nms-iou', type=float, metavar='F',
                        help='NMS IoU threshold (default: the config\'s test_cfg)')
    parser.add_argument('--max-per-img', type=int, metavar='N',
                        help='boxes kept per image after NMS (default: the config\'s test_cfg)')
    args = parser.parse_args(argv)
    from ..export.detector_graph import export_detector
    try:
        onnx_path, json_path = export_detector(
            args.config, args.checkpoint, args.out_dir, classes=args.classes,
            score_thr=args.score_thr, nms_iou=args.nms_iou, max_per_img=args.max_per_img)
    except DeployError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'ONNX model:        {onnx_path}\ndetector settings: {json_path}')
    return 0


if __name__ == '__main__':
    main()
