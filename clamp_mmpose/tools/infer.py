"""`clamp-mmpose infer`: an exported ONNX pose model on an image or a video, without torch.

Draws the skeleton on the image (or on every frame of the video) and writes the keypoints as JSON
into ``--out``: ``<name>.jpg`` / ``<name>.mp4`` and ``<name>.json``. Needs only onnxruntime,
numpy and OpenCV (:mod:`clamp_mmpose.deploy`).
"""
import argparse
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np

from ..deploy import DeployError, OnnxPoseModel, read_image
from ..visualization.panels import draw_pose

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v')
COLOR = (0, 200, 0)  # BGR


def _boxes(args, width: int, height: int) -> np.ndarray:
    if args.whole_image:
        return np.array([[0, 0, width, height]], np.float64)
    return np.asarray(args.bboxes, np.float64).reshape(-1, 4)


def _instances(keypoints, scores, boxes):
    return [dict(bbox=box.tolist(), keypoints=kpt.round(2).tolist(),
                 keypoint_scores=score.round(4).tolist())
            for kpt, score, box in zip(keypoints, scores, boxes)]


def _draw(image, keypoints, scores, skeleton, thr):
    for kpt, score in zip(keypoints, scores):
        draw_pose(image, kpt, score > thr, skeleton, COLOR)
    return image


def infer_image(model: OnnxPoseModel, path: str, args) -> dict:
    image = read_image(path)  # a DeployError naming the file if OpenCV cannot decode it
    boxes = _boxes(args, image.shape[1], image.shape[0])
    keypoints, scores = model.predict(image, boxes, flip_test=args.flip_test, image_name=path)
    name = osp.splitext(osp.basename(path))[0]
    cv2.imwrite(osp.join(args.out, name + '.jpg'),
                _draw(image, keypoints, scores, model.skeleton, args.kpt_thr))
    return dict(image=path, keypoint_names=model.keypoint_names,
                instances=_instances(keypoints, scores, boxes))


def infer_video(model: OnnxPoseModel, path: str, args) -> dict:
    video = cv2.VideoCapture(path)
    if not video.isOpened():
        raise DeployError(f'{path} cannot be opened as a video (OpenCV could not decode it)')
    fps = video.get(cv2.CAP_PROP_FPS) or 25.0
    total = int(video.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    name = osp.splitext(osp.basename(path))[0]
    writer, frames = None, []
    while True:
        ok, frame = video.read()
        if not ok:
            break
        if writer is None:
            height, width = frame.shape[:2]
            boxes = _boxes(args, width, height)
            writer = cv2.VideoWriter(osp.join(args.out, name + '.mp4'),
                                     cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
        keypoints, scores = model.predict(frame, boxes, flip_test=args.flip_test,
                                          image_name=f'{path} frame {len(frames)}')
        writer.write(_draw(frame, keypoints, scores, model.skeleton, args.kpt_thr))
        frames.append(dict(frame=len(frames), instances=_instances(keypoints, scores, boxes)))
        done = len(frames)
        bar = '#' * (30 * done // total) if total else ''
        sys.stderr.write(f'\r{name}: [{bar:<30}] {done}/{total or "?"} frames')
    sys.stderr.write('\n')
    video.release()
    if writer is None:
        raise DeployError(f'{path} has no frames that OpenCV can read')
    writer.release()
    return dict(video=path, fps=fps, keypoint_names=model.keypoint_names, frames=frames)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose infer',
        description='Run an exported ONNX pose model (clamp-mmpose export ... --onnx) on an '
        'image or a video; draw the skeleton and write the keypoints as JSON. Needs only '
        'onnxruntime, numpy and OpenCV.')
    parser.add_argument('model_dir', help='the folder the export wrote (or its .deploy.json)')
    parser.add_argument('input', help='an image, or a video (' + ', '.join(VIDEO_EXTENSIONS)
                        + ')')
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument('--bboxes', type=float, nargs='+', metavar='X1 Y1 X2 Y2',
                       help='one or more boxes in image pixels, four numbers each')
    where.add_argument('--whole-image', action='store_true', help='the whole image as the box')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--flip-test', dest='flip_test', action='store_true', default=None,
                        help='average with the mirrored image (default: as exported)')
    parser.add_argument('--no-flip-test', dest='flip_test', action='store_false')
    parser.add_argument('--kpt-thr', type=float, default=0.3,
                        help='keypoints scored below this are not drawn (all are written)')
    parser.add_argument('--threads', type=int, default=None, help='ONNX Runtime threads')
    args = parser.parse_args(argv)
    if args.bboxes is not None and len(args.bboxes) % 4:
        parser.error(f'--bboxes takes four numbers per box, got {len(args.bboxes)}')
    try:
        if not osp.isfile(args.input):
            raise DeployError(f'{args.input}: no such file')
        model = OnnxPoseModel(args.model_dir, num_threads=args.threads)
        os.makedirs(args.out, exist_ok=True)
        video = args.input.lower().endswith(VIDEO_EXTENSIONS)
        result = (infer_video if video else infer_image)(model, args.input, args)
    except DeployError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    json_path = osp.join(args.out, osp.splitext(osp.basename(args.input))[0] + '.json')
    with open(json_path, 'w') as f:
        json.dump(result, f)
    print(f'keypoints: {json_path}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
