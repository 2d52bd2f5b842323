"""Frames per second from footage to written keypoints: the torch-free pipeline against MMPose's.

On one generated 640x480 video with two animals walking (``generate-data --video``), in one
process with the same thread count for both:

* **torch-free**: ``clamp_mmpose.deploy``: RTMDet-tiny exported by ``export-detector`` and CLAMP
  RN50 exported with ``export --onnx`` (float32, and the ``--int8`` copy), the labelled video
  and the per-frame JSON, COCO and CSV written: what ``clamp-mmpose infer --detector`` does;
* **PyTorch**: ``MMPoseInferencer`` with the same RTMDet-tiny (config and weights) and the same
  CLAMP model (exported inference config and weights), writing its labelled video and
  predictions.

Both run the config's flip test and the same detection threshold, chosen so that about two
boxes a frame pass (the weights are random: no released ones can be downloaded here, so the
threshold stands in for what a trained detector finds); MMPose's box NMS is turned off, as the
torch-free path has none after the detector's own. Each path runs once untimed on a few frames
first. Where the detector finds nothing, MMPose's inferencer estimates a pose in the whole
frame and the torch-free path none: the boxes-per-frame column shows the pose work each did.
Prints a markdown table and writes JSON.

    python benchmarks/footage.py                     # RN50, 40 frames, 2 threads
    python benchmarks/footage.py --smoke             # tiny models, 4 frames (CI)
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import time

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

CLAMP_RN50 = 'configs/ap10k/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py'
TARGET_SPEEDUP = 2.0  # torch-free float32 frames per second over the PyTorch path's
WARMUP_FRAMES = 3


def make_pose_model(work: str, smoke: bool):
    """(inference config, inference checkpoint, ONNX folder) of CLAMP RN50 with random
    weights, exported as a user exports a trained one (``--int8`` copy included)."""
    from mmengine.config import Config
    from mmpose.registry import MODELS

    from benchmarks.benchmark import SMOKE_ARCHS
    from clamp_mmpose.export.inference_model import export_inference_model
    from clamp_mmpose.export.onnx_graph import (deploy_metadata, export_int8_graph,
                                                export_onnx, write_deploy_json)
    cfg = Config.fromfile(osp.join(REPO, CLAMP_RN50))
    cfg.model.backbone.pretrained = None
    cfg.model.head.clip_weights = None
    if smoke:
        import tests.conftest as tiny
        from tests.helpers import use_tiny_clip
        tiny.TINY_RN = SMOKE_ARCHS['rn50']
        use_tiny_clip(cfg.model, 'rn')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    config, checkpoint = osp.join(work, 'clamp.py'), osp.join(work, 'clamp.pth')
    cfg.dump(config)
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    inf_config, inf_checkpoint = export_inference_model(config, checkpoint,
                                                        osp.join(work, 'clamp_inference'))
    onnx_dir = osp.join(work, 'onnx')
    os.makedirs(onnx_dir)
    export_onnx(inf_config, inf_checkpoint, osp.join(onnx_dir, 'clamp'))
    int8_dir = osp.join(work, 'onnx_int8')
    os.makedirs(int8_dir)
    # int8: calibrated on random crops (speed only; accuracy: benchmarks/int8_accuracy.py).
    from mmpose.apis import init_model
    inference = init_model(inf_config, inf_checkpoint, device='cpu').eval()
    meta = deploy_metadata(inference, Config.fromfile(inf_config))
    w, h = meta['input_size']
    calibration = np.random.default_rng(1).standard_normal((4, 3, h, w)).astype(np.float32)
    export_int8_graph(inference, osp.join(int8_dir, 'clamp.int8.onnx'), calibration)
    write_deploy_json(dict(meta, onnx='clamp.int8.onnx', precision='int8'),
                      osp.join(int8_dir, 'clamp.int8.deploy.json'))
    return inf_config, inf_checkpoint, onnx_dir, int8_dir


def make_detector(work: str, frames, input_size: int):
    """(mmdet config, checkpoint, exported folder) of RTMDet-tiny with random weights fitted
    to the video's frames (tests/helpers/detector.py: on frames unlike the ones it was fitted
    to, a random detector's scores saturate)."""
    from clamp_mmpose.export.detector_graph import export_detector
    from tests.helpers.detector import random_rtmdet_checkpoint
    # Logits spread less than the tests' 1.5, so that the best boxes of a frame score about
    # 0.5-0.9, not 0.99+: where scores saturate, ONNX Runtime's and torch's rounding make the
    # two paths keep different boxes at the same threshold.
    config, checkpoint = random_rtmdet_checkpoint(work, images=frames, input_size=input_size,
                                                  logit_std=0.8)
    det_dir = osp.join(work, 'detector')
    export_detector(config, checkpoint, det_dir)
    return config, checkpoint, det_dir


def read_frames(video: str, count: int):
    import cv2
    capture = cv2.VideoCapture(video)
    frames = []
    while len(frames) < count:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def two_box_threshold(det_dir: str, video: str) -> float:
    """A score threshold that lets about two animal boxes a frame through: of all the video's
    F frames' box scores, the widest gap between the (1.5F)-th and (3F)-th best, halved. A wide
    gap, because a random detector's best scores crowd near 1, where ONNX Runtime's and torch's
    rounding (up to about 2e-3) would keep different boxes at a threshold between close scores.
    """
    from clamp_mmpose.deploy.detector import Detector
    from clamp_mmpose.deploy.frames import FrameSource
    detector, scores, frames = Detector(det_dir), [], 0
    for _, _, image in FrameSource(video):
        scores.extend(detector.predict(image, score_thr=0.05)[1].tolist())
        frames += 1
    scores = np.sort(scores)[::-1]
    low, high = int(1.5 * frames), min(3 * frames, len(scores) - 1)
    if high <= low:
        return 0.05
    cut = low + int(np.argmax(scores[low - 1:high - 1] - scores[low:high]))
    return float(0.5 * (scores[cut - 1] + scores[cut]))


def torch_free(video: str, det_dir: str, pose_dir: str, thr: float, threads: int, out: str,
               max_frames=None):
    """(frames per second, mean boxes per frame) of the deploy pipeline on ``video``.

    Without tracking: a random detector's boxes jump from frame to frame and seldom become
    tracks, so ``--track`` would leave the pose model idle (ByteTrack itself costs well under
    a millisecond a frame)."""
    from clamp_mmpose.deploy import OnnxPoseModel
    from clamp_mmpose.deploy.detector import Detector
    from clamp_mmpose.deploy.footage import DetectorBoxes, FootagePipeline
    from clamp_mmpose.deploy.footage_outputs import FootageOutputs
    from clamp_mmpose.deploy.frames import FrameSource
    source = FrameSource(video)
    pose = OnnxPoseModel(pose_dir, num_threads=threads)
    pipeline = FootagePipeline(pose, DetectorBoxes(Detector(det_dir, num_threads=threads), thr))
    outputs = FootageOutputs(out, source.stem, 'video', pose.keypoint_names, pose.skeleton,
                             source.fps)
    boxes, start = 0, time.perf_counter()
    for index, name, image in source:
        if max_frames is not None and index >= max_frames:
            break
        instances = pipeline(index, image, name)
        boxes += len(instances)
        outputs.add(index, name, image, instances)
    outputs.commit()
    count = len(outputs.frames)
    return count / (time.perf_counter() - start), boxes / max(count, 1)


def pytorch(video: str, det, pose, thr: float, out: str, warmup_frame):
    """(frames per second, mean boxes per frame) of MMPoseInferencer on ``video``, after one
    untimed call on ``warmup_frame`` (its first call builds what it caches)."""
    # Random weights drive some SiLU inputs far negative, whose outputs are denormal floats;
    # torch's CPU convolutions then run up to 8x slower (RTMDet-tiny at 320: 0.84 s against
    # 0.10 s). Trained weights rarely do that: flushing them keeps the PyTorch path's figure
    # what a user would see. Set here, after ONNX Runtime's sessions, which reset the flag.
    torch.set_flush_denormal(True)  # process-wide: undone below
    try:
        return _time_inferencer(video, det, pose, thr, out, warmup_frame)
    finally:
        torch.set_flush_denormal(False)


def _time_inferencer(video: str, det, pose, thr: float, out: str, warmup_frame):
    from mmpose.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(pose2d=pose[0], pose2d_weights=pose[1], det_model=det[0],
                                  det_weights=det[1], det_cat_ids=list(range(14, 24)),
                                  device='cpu')
    for _ in inferencer(warmup_frame, bbox_thr=thr, nms_thr=1.0):
        pass
    boxes, count, start = 0, 0, time.perf_counter()
    for result in inferencer(video, bbox_thr=thr, nms_thr=1.0, vis_out_dir=out,
                             pred_out_dir=out):
        boxes += len(result['predictions'][0])
        count += 1
    return count / (time.perf_counter() - start), boxes / max(count, 1)


def run(args) -> dict:
    torch.set_num_threads(args.threads)
    import cv2
    cv2.setNumThreads(args.threads)
    with tempfile.TemporaryDirectory(prefix='clamp_footage_bench_') as work:
        return measure(args, work)


def measure(args, work: str) -> dict:
    from clamp_mmpose.datasets.synthetic.footage import write_footage
    video = write_footage(work, 'two_animals', num_frames=args.frames, size=(640, 480),
                          num_animals=2, seed=args.seed)['video']
    frames = read_frames(video, args.frames)
    det = make_detector(work, frames[::5], 320 if args.smoke else 640)
    pose = make_pose_model(work, args.smoke)
    thr = two_box_threshold(det[2], video)
    warm = osp.join(work, 'warmup')
    torch_free(video, det[2], pose[2], thr, args.threads, warm, WARMUP_FRAMES)
    results = dict(frames=args.frames, threads=args.threads, det_thr=thr,
                   torch_version=torch.__version__)
    for name, folder in (('torch_free_float32', pose[2]), ('torch_free_int8', pose[3])):
        fps, boxes = torch_free(video, det[2], folder, thr, args.threads,
                                osp.join(work, name))
        results[name] = dict(fps=fps, boxes_per_frame=boxes)
    fps, boxes = pytorch(video, det[:2], pose[:2], thr, osp.join(work, 'pytorch'), frames[0])
    results['pytorch_mmpose_inferencer'] = dict(fps=fps, boxes_per_frame=boxes)
    for name in ('torch_free_float32', 'torch_free_int8'):
        results[name]['speedup_vs_pytorch'] = results[name]['fps'] / fps
    return results


def markdown(results: dict) -> str:
    rows = ['| path | frames/s | boxes/frame | vs PyTorch |', '|---|---|---|---|']
    for name, label in (('pytorch_mmpose_inferencer', 'PyTorch: MMPoseInferencer'),
                        ('torch_free_float32', 'torch-free, float32'),
                        ('torch_free_int8', 'torch-free, int8 pose model')):
        r = results[name]
        ratio = f'{r["speedup_vs_pytorch"]:.2f}x' if 'speedup_vs_pytorch' in r else '1'
        rows.append(f'| {label} | {r["fps"]:.2f} | {r["boxes_per_frame"]:.2f} | {ratio} |')
    met = results['torch_free_float32']['speedup_vs_pytorch'] >= TARGET_SPEEDUP
    rows.append(f'\ntarget: torch-free float32 >= {TARGET_SPEEDUP:g}x the PyTorch path: '
                f'{"met" if met else "missed"} ({results["frames"]} frames 640x480, '
                f'{results["threads"]} threads)')
    return '\n'.join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--frames', type=int, default=None, help='default 40 (4 with --smoke)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--smoke', action='store_true',
                        help='tiny CLIP towers and RTMDet at 320: checks the run, not speed')
    parser.add_argument('--out', default='work_dirs/footage_benchmark.json')
    args = parser.parse_args(argv)
    args.frames = args.frames or (4 if args.smoke else 40)
    results = run(args)
    print(markdown(results))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    main()
