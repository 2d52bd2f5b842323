"""What the int8 export costs in accuracy: AP of one trained model exported to ONNX in float32
and as ``--int8``, both run by the deploy runtime on the config's val split.

Every annotated box of the split is cropped, run (flip test as the exported config says) and
decoded by :class:`clamp_mmpose.deploy.OnnxPoseModel`, then scored by the config's own
``val_evaluator`` (for AP-10K, MMPose's ``CocoMetric``). The int8 graph is calibrated on the
first crops of the same split, as ``clamp-mmpose export --int8`` does.

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

import cv2
import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)


def val_instances(cfg):
    """(image path, image id, [(annotation, box x1 y1 x2 y2), ...]) of the config's val split."""
    dataset = cfg.val_dataloader.dataset
    root = dataset.get('data_root', '')
    with open(osp.join(root, dataset.ann_file)) as f:
        coco = json.load(f)
    image_dir = osp.join(root, dataset.get('data_prefix', {}).get('img', ''))
    by_image = {image['id']: (osp.join(image_dir, image['file_name']), [])
                for image in coco['images']}
    for ann in coco['annotations']:
        if ann.get('num_keypoints', 1) and not ann.get('iscrowd', 0):
            x, y, w, h = ann['bbox']
            by_image[ann['image_id']][1].append((ann, (x, y, x + w, y + h)))
    return [(path, image_id, anns) for image_id, (path, anns) in by_image.items() if anns]


def evaluate(model, cfg, instances) -> dict:
    """The config's val metrics of ``model`` (an OnnxPoseModel) on ``instances``."""
    from mmpose.registry import METRICS

    from clamp_mmpose.deploy.topdown import box_center_size
    metric = METRICS.build(cfg.val_evaluator)
    metric.dataset_meta = dataset_meta(cfg)
    aspect = model.input_size[0] / model.input_size[1]
    start = time.perf_counter()
    for path, image_id, anns in instances:
        image = cv2.imread(path)
        keypoints, scores = model.predict(image, [box for _, box in anns], image_name=path)
        samples = []
        for (ann, box), kpts, kpt_scores in zip(anns, keypoints, scores):
            # MMPose's areas (for OKS NMS): the padded box, widened to the input's aspect ratio
            _, size = box_center_size(box, aspect, model.meta['bbox_padding'])
            samples.append(dict(
                id=ann['id'], img_id=image_id, category_id=ann.get('category_id', 1),
                ori_shape=image.shape[:2],
                pred_instances=dict(keypoints=kpts[None], keypoint_scores=kpt_scores[None],
                                    bbox_scores=np.ones(1, np.float32)),
                gt_instances=dict(bbox_scales=size[None])))
        metric.process([], samples)
    seconds = time.perf_counter() - start
    metrics = metric.evaluate(sum(len(anns) for _, _, anns in instances))
    return dict(metrics, seconds=seconds)


def dataset_meta(cfg) -> dict:
    from mmpose.datasets.datasets.utils import parse_pose_metainfo

    from clamp_mmpose.datasets.keypoint_union_dataset import dataset_metainfo
    return parse_pose_metainfo(dataset_metainfo(cfg.val_dataloader.dataset))


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
    from clamp_mmpose.tools.export_onnx import export_onnx
    init_default_scope('mmpose')
    cfg = Config.fromfile(args.config)
    if args.data_root:
        cfg.val_dataloader.dataset.data_root = args.data_root
        cfg.val_evaluator.ann_file = osp.join(args.data_root, cfg.val_dataloader.dataset.ann_file)
    instances = val_instances(cfg)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = osp.join(tmp, 'config.py')
        cfg.dump(config)
        out = osp.join(tmp, 'model')
        export_onnx(config, args.checkpoint, out, int8=True)
        for precision, deploy_file in (('float32', out + '.deploy.json'),
                                       ('int8', out + '.int8.deploy.json')):
            model = OnnxPoseModel(deploy_file, num_threads=args.threads)
            results[precision] = evaluate(model, cfg, instances)
            print(f'{precision}: ' + ', '.join(f'{k} {v:.4f}' for k, v in
                                               results[precision].items()), flush=True)
    names = [k for k in results['float32'] if k != 'seconds']
    lines = [f'{len(instances)} val images, {sum(len(a) for _, _, a in instances)} boxes; '
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
