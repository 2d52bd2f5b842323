"""`clamp-mmpose infer`: an exported pose model on an image, a folder of images or a video,
without torch; boxes from an exported detector, a boxes file or the command line; identities
across frames (ByteTrack) and smoothing (One-Euro) on request.

Writes into ``--out`` the labelled video (or images), a JSON per input with every frame's
instances, COCO keypoint results and a DeepLabCut-style CSV
(:mod:`clamp_mmpose.deploy.footage_outputs`). Needs only onnxruntime, numpy, OpenCV and, for
``--track``, supervision (:mod:`clamp_mmpose.deploy`).
"""
import argparse
import contextlib
import sys

import numpy as np

from ..deploy import DeployError, OnnxPoseModel
from ..deploy.boxes_file import check_frame_range, read_boxes_file
from ..deploy.footage import DetectorBoxes, FileBoxes, FixedBoxes, FootagePipeline
from ..deploy.footage_outputs import FootageOutputs
from ..deploy.frames import VIDEO_EXTENSIONS, FrameSource

# ByteTrack's floor: boxes scored at most this are never matched to a track.
LOW_SCORE = 0.1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose infer',
        description='Run an exported ONNX pose model (clamp-mmpose export ... --onnx) on an '
        'image, a folder of images or a video; write the labelled frames, per-frame JSON, COCO '
        'keypoint results and a DeepLabCut-style CSV. Needs only onnxruntime, numpy, OpenCV '
        '(and supervision for --track).')
    parser.add_argument('model_dir', help='the folder the export wrote (or its .deploy.json)')
    parser.add_argument('input', help='an image, a folder of images, or a video ('
                        + ', '.join(VIDEO_EXTENSIONS) + ')')
    parser.add_argument('--out', required=True, help='output folder')
    where = parser.add_argument_group('boxes (one of)').add_mutually_exclusive_group(
        required=True)
    where.add_argument('--detector', metavar='DET_DIR',
                       help='a detector folder written by `clamp-mmpose export-detector`')
    where.add_argument('--boxes-file', metavar='FILE',
                       help='per-frame boxes from any detector or tracker: MOT-challenge rows '
                       '(frame,id,x,y,w,h,score,...; frames from 1) or COCO detection results '
                       'JSON (image_id = frame from 1)')
    where.add_argument('--bboxes', type=float, nargs='+', metavar='X1 Y1 X2 Y2',
                       help='the same boxes in every frame, in image pixels, four numbers each')
    where.add_argument('--whole-image', action='store_true', help='the whole frame as the box')
    det = parser.add_argument_group('detector')
    det.add_argument('--det-thr', type=float, default=0.3,
                     help='keep detections scored above this (default 0.3, as MMPose\'s '
                     'demo); with --track, the score a box needs to start a track, lower ones '
                     '(down to 0.1) only continuing tracks, as ByteTrack does')
    det.add_argument('--classes', nargs='+', metavar='NAME',
                     help='detector classes to keep (default: those chosen at export, COCO\'s '
                     'animals unless said otherwise)')
    det.add_argument('--detect-every', type=int, default=1, metavar='N',
                     help='run the detector on every N-th frame; the frames between follow the '
                     'animals\' last poses (default 1)')
    det.add_argument('--max-animals', type=int, default=None, metavar='N',
                     help='keep at most N boxes per frame, the highest scored')
    track = parser.add_argument_group('identities and smoothing')
    track.add_argument('--track', action='store_true',
                       help='keep each animal\'s identity across frames (ByteTrack, supervision)')
    track.add_argument('--smooth', action='store_true',
                       help='smooth each track\'s keypoints over time (One-Euro filter; needs '
                       '--track, or ids in the boxes file)')
    track.add_argument('--smooth-min-cutoff', type=float, default=0.5,
                       help='One-Euro minimum cutoff in Hz: lower smooths more when still '
                       '(default 0.5)')
    track.add_argument('--smooth-beta', type=float, default=0.02,
                       help='One-Euro speed coefficient per pixel/s: higher lags less when '
                       'moving (default 0.02)')
    pose = parser.add_argument_group('pose')
    pose.add_argument('--flip-test', dest='flip_test', action='store_true', default=None,
                      help='average with the mirrored image (default: as exported)')
    pose.add_argument('--no-flip-test', dest='flip_test', action='store_false')
    pose.add_argument('--kpt-thr', type=float, default=0.3,
                      help='keypoints scored below this are not drawn (all are written)')
    pose.add_argument('--threads', type=int, default=None, help='ONNX Runtime threads')
    return parser


def _check_args(parser, args) -> None:
    if args.bboxes is not None and len(args.bboxes) % 4:
        parser.error(f'--bboxes takes four numbers per box, got {len(args.bboxes)}')
    if args.detector is None and args.classes is not None:
        parser.error('--classes chooses among a detector\'s classes: use it with --detector')
    if args.detector is None and args.detect_every != 1:
        parser.error('--detect-every needs --detector')
    if args.detect_every < 1:
        parser.error(f'--detect-every {args.detect_every}: give 1 or more')
    if not 0 <= args.det_thr <= 1:
        parser.error(f'--det-thr {args.det_thr}: give a score between 0 and 1')
    if args.max_animals is not None and args.max_animals < 1:
        parser.error(f'--max-animals {args.max_animals}: give 1 or more')
    if args.smooth_min_cutoff <= 0 or args.smooth_beta < 0:
        parser.error('--smooth-min-cutoff must be above 0 and --smooth-beta at least 0')


def _box_source(args, source: FrameSource):
    if args.detector is not None:
        from ..deploy.detector import Detector
        detector = Detector(args.detector, num_threads=args.threads, classes=args.classes)
        # ByteTrack also uses the boxes between 0.1 and the threshold, to continue tracks.
        thr = min(args.det_thr, LOW_SCORE) if args.track else args.det_thr
        return DetectorBoxes(detector, thr, args.detect_every), 'detector'
    if args.boxes_file is not None:
        boxes = read_boxes_file(args.boxes_file)
        check_frame_range(boxes, source.num_frames, args.boxes_file, source.path)
        return FileBoxes(boxes), 'boxes file'
    if args.whole_image:
        return FixedBoxes(None), 'whole image'
    return FixedBoxes(np.asarray(args.bboxes).reshape(-1, 4)), 'bboxes'


def _tracker_and_smoother(args, fps: float):
    tracker = smoother = None
    if args.track:
        from ..deploy.tracking import BoxTracker
        # A box needs --det-thr to start a track (ByteTrack: activation threshold + 0.1).
        tracker = BoxTracker(frame_rate=fps,
                             track_activation_threshold=max(args.det_thr - 0.1, 0.0))
    if args.smooth:
        from ..deploy.smoothing import KeypointSmoother
        smoother = KeypointSmoother(fps=fps, min_cutoff=args.smooth_min_cutoff,
                                    beta=args.smooth_beta)
    return tracker, smoother


def run(model: OnnxPoseModel, args) -> dict:
    """Every frame of ``args.input`` through the pipeline; returns the output paths."""
    source = FrameSource(args.input)
    box_source, box_kind = _box_source(args, source)
    tracker, smoother = _tracker_and_smoother(args, source.fps)
    file_ids = box_kind == 'boxes file' and any(
        (frame.ids >= 0).any() for frame in box_source.boxes_by_frame.values())
    if smoother is not None and tracker is None and not file_ids:
        raise DeployError('--smooth follows each animal over time: add --track (or give a '
                          'boxes file whose rows carry track ids)')
    pipeline = FootagePipeline(model, box_source, tracker, smoother, args.max_animals,
                               args.flip_test, args.kpt_thr)
    header = dict(input=args.input, model=model.deploy_file, boxes=box_kind,
                  boxes_from=args.detector or args.boxes_file, tracked=bool(args.track))
    outputs = FootageOutputs(args.out, source.stem, source.kind, model.keypoint_names,
                             model.skeleton, source.fps, header, args.kpt_thr)
    try:
        with progress_bar(source.num_frames, source.stem, source.kind == 'image') as bar:
            for index, name, image in source:
                outputs.add(index, name, image, pipeline(index, image, name))
                bar.update()
        if args.boxes_file is not None:  # the frames a video really holds, not its header's
            check_frame_range(box_source.boxes_by_frame, source.num_frames, args.boxes_file,
                              source.path)
        return outputs.commit()
    except BaseException:
        outputs.abort()
        raise


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass


def progress_bar(total: int, desc: str, disable: bool):
    """tqdm's bar on stderr, or none where tqdm is not installed: a deployment machine needs
    only onnxruntime, numpy and opencv-python."""
    try:
        from tqdm import tqdm
    except ImportError:
        return contextlib.nullcontext(_NoBar())
    return tqdm(total=total, unit='frame', desc=desc, file=sys.stderr, disable=disable,
                dynamic_ncols=True)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_args(parser, args)
    try:
        model = OnnxPoseModel(args.model_dir, num_threads=args.threads)
        paths = run(model, args)
    except DeployError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    for key in ('visual', 'json', 'coco', 'csv'):
        print(f'{key + ":":<8}{paths[key]}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
