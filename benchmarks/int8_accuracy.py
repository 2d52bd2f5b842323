"""What the int8 export costs in accuracy: AP of one trained model exported to ONNX in float32
and as ``--int8``, both run by the deploy runtime on the config's val split.

Every instance of the split, as MMPose's data set reads it (boxes clipped to the image), is
cropped, run (flip test as the exported config says) and decoded by
:class:`clamp_mmpose.deploy.OnnxPoseModel`, then scored by the config's own ``val_evaluator``
(for AP-10K, MMPose's ``CocoMetric``). The int8 graph is calibrated on the first 32 crops of the
train split (``clamp-mmpose export --int8`` uses the val split's), so that no scored box is one it
was calibrated on.

    python benchmarks/int8_accuracy.py CONFIG CHECKPOINT [--data-root DIR] [--out JSON]

Prints a markdown table (AP, AR and their int8 - float32 differences) and writes JSON.
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Tuple

import cv2
import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)


def val_instances(cfg) -> Tuple[dict, list]:
    """The val data set's metainfo and its instances as MMPose reads them (boxes clipped to the
    image, invalid instances left out): [(image path, [data info, ...]), ...], one per image."""
    from mmpose.registry import DATASETS
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    by_image = {}
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        by_image.setdefault(info['img_path'], []).append(info)
    return dataset.metainfo, list(by_image.items())


def evaluate(model, cfg, metainfo: dict, instances: list) -> dict:
    """The config's val metrics of ``model`` (an OnnxPoseModel, or anything with its
    ``predict``, ``input_size`` and ``meta['bbox_padding']``) on ``instances``, and the seconds
    ``predict`` took (crop, graph, decoding; image reading excluded)."""
    from mmpose.registry import METRICS

    from clamp_mmpose.deploy.topdown import box_center_size
    metric = METRICS.build(cfg.val_evaluator)
    metric.dataset_meta = metainfo
    aspect = model.input_size[0] / model.input_size[1]
    seconds = 0.0
    for path, infos in instances:
        image = cv2.imread(path)
        boxes = [info['bbox'][0] for info in infos]  # (x1, y1, x2, y2)
        start = time.perf_counter()
        keypoints, scores = model.predict(image, boxes, image_name=path)
        seconds += time.perf_counter() - start
        samples = []
        for info, box, kpts, kpt_scores in zip(infos, boxes, keypoints, scores):
            # MMPose's areas (for OKS NMS): the padded box, widened to the input's aspect ratio
            _, size = box_center_size(box, aspect, model.meta['bbox_padding'])
            samples.append(dict(
                id=info['id'], img_id=info['img_id'], category_id=info.get('category_id', 1),
                ori_shape=image.shape[:2],
                pred_instances=dict(keypoints=kpts[None], keypoint_scores=kpt_scores[None],
                                    bbox_scores=np.ones(1, np.float32)),
                gt_instances=dict(bbox_scales=size[None])))
        metric.process([], samples)
    metrics = metric.evaluate(sum(len(infos) for _, infos in instances))
    return dict(metrics, seconds=seconds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--data-root', default=None,
                        help='data set root in the config\'s layout (default: the config\'s)')
    parser.add_argument('--threads', type=int, default=None,
                        help='ONNX Runtime threads (default: its own)')
    parser.add_argument('--out', default='work_dirs/int8_accuracy.json')
    args = parser.parse_args(argv)

    import clamp_mmpose  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from clamp_mmpose.deploy import OnnxPoseModel
    from clamp_mmpose.export.inference_model import export_inference_model
    from clamp_mmpose.export.onnx_graph import export_onnx
    init_default_scope('mmpose')
    cfg = Config.fromfile(args.config)
    if args.data_root:
        for split in ('train', 'val'):
            cfg[f'{split}_dataloader'].dataset.data_root = args.data_root
        cfg.val_evaluator.ann_file = osp.join(args.data_root, cfg.val_dataloader.dataset.ann_file)
    metainfo, instances = val_instances(cfg)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = osp.join(tmp, 'config.py')
        cfg.dump(config)
        out = osp.join(tmp, 'model')
        # As `clamp-mmpose export --onnx --int8` does (prompts stored, training parts dropped),
        # but calibrated on training crops: val boxes would score the int8 model in-sample.
        config, checkpoint = export_inference_model(config, args.checkpoint, out,
                                                    allow_baseline=True)
        export_onnx(config, checkpoint, out, int8=True, calibration_split='train')
        for precision, deploy_file in (('float32', out + '.deploy.json'),
                                       ('int8', out + '.int8.deploy.json')):
            model = OnnxPoseModel(deploy_file, num_threads=args.threads)
            results[precision] = evaluate(model, cfg, metainfo, instances)
            print(f'{precision}: ' + ', '.join(f'{k} {v:.4f}' for k, v in
                                               results[precision].items()), flush=True)
    names = [k for k in results['float32'] if k != 'seconds']
    lines = [f'{len(instances)} val images, {sum(len(i) for _, i in instances)} boxes; '
             f'{args.checkpoint}', '',
             '| metric | float32 | int8 | int8 - float32 |', '|---|---|---|---|']
    for name in names:
        f32, i8 = results['float32'][name], results['int8'][name]
        lines.append(f'| {name} | {f32:.4f} | {i8:.4f} | {i8 - f32:+.4f} |')
    print('\n'.join(lines))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(dict(config=args.config, checkpoint=args.checkpoint, results=results), f,
                  indent=1)
    print(f'\nJSON: {args.out}')
    return results


if __name__ == '__main__':
    main()
