"""`make demo`: the whole CLAMP pipeline on a CPU in a few minutes, with nothing downloaded.

What it does, in order:

1. generates a small data set of drawn animals in AP-10K's exact layout and annotation format
   (:mod:`clamp_mmpose.datasets.synthetic`), once; an existing one is reused;
2. builds the demo config (``configs/demo/``), which inherits the repository's CLAMP RN50
   AP-10K config and shrinks only the sizes: a small randomly initialised CLIP ResNet, 128x128
   input, a short schedule. The code path is the real one: ``CLIPImageEncoder`` + ``CLAMPHead``
   with its three losses, MMPose's ``AP10KDataset``, pipelines and ``CocoMetric``;
3. evaluates the model as training starts (AP of the untrained model on the val split);
4. trains it with MMPose's runner (``Runner.from_cfg``), which evaluates again at the end;
5. reloads the saved checkpoint with MMPose's inference API (``init_model`` /
   ``inference_topdown``) and draws two pictures into the work dir:
   ``demo_predictions.png`` (predicted and ground-truth keypoints on val images) and
   ``demo_score_maps.png`` (each keypoint's score map over one image, as in the paper's
   Figure S1);
6. prints a summary (also written to ``demo_summary.json``).

The data are cartoons and the CLIP weights are random: the demo shows that the pipeline works
and learns, not the paper's accuracy (see docs/demo.md for real AP-10K and CLIP weights).
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..utils.config_path import project_config
from ..utils.quiet_console import QuietConsole, quiet_runner_class

DEMO_CONFIG_NAME = 'clamp_tiny-clip-rn_1xb16-35e_synthetic-ap10k-128x128.py'
DEMO_NUM_IMAGES = dict(train=300, val=60, test=60)
DEMO_IMAGE_SIZE = 256
PREDICTIONS_PNG = 'demo_predictions.png'
SCORE_MAPS_PNG = 'demo_score_maps.png'
SUMMARY_JSON = 'demo_summary.json'
# Predicted keypoints below this score are not drawn (MMPose's visualiser default).
KPT_SCORE_THR = 0.3


def _log(msg: str) -> None:
    print(f'[demo] {msg}', flush=True)


# ------------------------------------------------------------------------------------ config
def find_demo_config(name: str = DEMO_CONFIG_NAME) -> str:
    """Path of a config under ``configs/demo`` (repository checkout or installed package)."""
    return project_config(osp.join('demo', name))


def build_demo_config(config: str, data_root: str, work_dir: str,
                      epochs: Optional[int] = None, seed: int = 0,
                      cfg_options: Optional[dict] = None):
    """The demo config with absolute data / work paths; ``epochs`` shortens or lengthens the
    schedule (epoch-based LR schedulers are stretched to it, validation runs at the end);
    ``cfg_options`` are merged first, as ``--cfg-options`` of MMPose's tools."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    data_root = osp.abspath(data_root)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = data_root
    cfg.val_evaluator.ann_file = osp.join(data_root, 'annotations', 'ap10k-val-split1.json')
    cfg.test_evaluator.ann_file = osp.join(data_root, 'annotations', 'ap10k-test-split1.json')
    if epochs is not None:
        epochs = int(epochs)
        if epochs < 1:
            raise ValueError('epochs must be at least 1')
        old = cfg.train_cfg.max_epochs
        for sched in cfg.param_scheduler:
            if sched.get('by_epoch', True):
                if sched.get('end') == old:
                    sched['end'] = epochs
                if sched.get('T_max') == old:
                    sched['T_max'] = epochs
        cfg.train_cfg.max_epochs = epochs
        cfg.default_hooks.checkpoint.interval = epochs
    cfg.train_cfg.val_interval = cfg.train_cfg.max_epochs
    cfg.work_dir = osp.abspath(work_dir)
    cfg.randomness = dict(seed=int(seed))
    return cfg


# -------------------------------------------------------------------------------------- data
def prepare_data(data_root: str, num_images: Optional[Dict[str, int]] = None,
                 image_size: int = DEMO_IMAGE_SIZE, seed: int = 0) -> dict:
    """Generate the synthetic AP-10K-format data set under ``data_root`` unless it is there."""
    from clamp_mmpose.datasets.synthetic import (ANN_FILE_PATTERN, SPLITS,
                                                 generate_synthetic_ap10k)
    num_images = dict(DEMO_NUM_IMAGES if num_images is None else num_images)
    ann_files = [osp.join(data_root, 'annotations', ANN_FILE_PATTERN.format(split=s))
                 for s in SPLITS]
    t0 = time.time()
    generated = not all(osp.isfile(f) for f in ann_files)
    if generated:
        _log(f'generating {sum(num_images.values())} images of drawn animals in AP-10K format '
             f'({num_images}) under {data_root}')
        generate_synthetic_ap10k(data_root, num_images=num_images, image_size=image_size,
                                 seed=seed, progress=True)
    counts, synthetic = {}, True
    for split, path in zip(SPLITS, ann_files):
        with open(path) as f:
            ann = json.load(f)
        counts[split] = dict(images=len(ann['images']), instances=len(ann['annotations']))
        synthetic = synthetic and bool(ann.get('info', {}).get('synthetic', False))
    if not generated:
        _log(f'reusing the data set under {data_root} (delete it to generate it again)')
    _log('data: ' + ', '.join(f'{s} {c["images"]} images / {c["instances"]} animals'
                              for s, c in counts.items()))
    return dict(generated=generated, seconds=time.time() - t0, counts=counts,
                synthetic=synthetic)


# --------------------------------------------------------------------------- train, evaluate
def _make_val_recorder():
    from mmengine.hooks import Hook

    class ValRecorder(Hook):
        """Evaluates the model once as training starts (after weight initialisation, before
        the first step) and records every validation: metrics and seconds."""

        def __init__(self, evaluate_before_training: bool = True):
            self.evaluate_before_training = evaluate_before_training
            self.records: List[dict] = []
            self._t0 = None

        def before_train(self, runner) -> None:
            if self.evaluate_before_training:
                runner.logger.info('[demo] evaluating the untrained model')
                runner.val_loop.run()

        def before_val_epoch(self, runner) -> None:
            self._t0 = time.time()

        def after_val_epoch(self, runner, metrics=None) -> None:
            self.records.append(dict(epoch=runner.epoch, metrics=dict(metrics or {}),
                                     seconds=time.time() - self._t0))

    return ValRecorder()


def train_and_evaluate(cfg, console: Optional[QuietConsole] = None) -> dict:
    """Untrained AP, training through MMPose's runner, trained AP; returns the figures."""
    console = console or QuietConsole()
    runner = quiet_runner_class(console).from_cfg(cfg)
    recorder = _make_val_recorder()
    runner.register_hook(recorder, priority='LOWEST')
    t0 = time.time()
    with console.to_log():
        runner.train()
    seconds = time.time() - t0
    if len(recorder.records) < 2:  # no validation at the end of training
        with console.to_log():
            runner.val_loop.run()
    before, after = recorder.records[0], recorder.records[-1]
    last = osp.join(cfg.work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            checkpoint = f.read().strip()
    else:
        checkpoint = osp.join(cfg.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
    return dict(
        untrained=before['metrics'], trained=after['metrics'],
        untrained_eval_seconds=before['seconds'], trained_eval_seconds=after['seconds'],
        train_seconds=seconds - before['seconds'] - after['seconds'],
        epochs=cfg.train_cfg.max_epochs, iterations=runner.iter,
        checkpoint=checkpoint, log_dir=runner.log_dir)


# ----------------------------------------------------------------------------------- pictures
def _load_split(data_root: str, split: str = 'val') -> dict:
    with open(osp.join(data_root, 'annotations', f'ap10k-{split}-split1.json')) as f:
        ann = json.load(f)
    by_image = {img['id']: [] for img in ann['images']}
    for a in ann['annotations']:
        by_image[a['image_id']].append(a)
    species = {c['id']: c['name'] for c in ann['categories']}
    return dict(images=ann['images'], anns=by_image, species=species)


def plot_predictions(model, data_root: str, out_file: str, num_images: int = 8) -> dict:
    """Predicted and ground-truth keypoints on the first ``num_images`` annotated val images,
    top-down on the ground-truth boxes as the evaluation does (drawn by
    :func:`~clamp_mmpose.visualization.draw_prediction_figure`). Returns the file, panel
    count, pixel size (width, height) and the mean OKS of the animals shown."""
    import cv2
    from mmpose.apis import inference_topdown

    from ..visualization import draw_prediction_figure, object_keypoint_similarity
    meta = model.dataset_meta
    sigmas = np.asarray(meta['sigmas'])
    split = _load_split(data_root, 'val')
    images = [img for img in split['images'] if split['anns'][img['id']]][:num_images]
    if not images:
        raise ValueError(f'no annotated val images under {data_root}')
    panels = []
    for img in images:
        path = osp.join(data_root, 'data', img['file_name'])
        anns = split['anns'][img['id']]
        bboxes = np.array([a['bbox'] for a in anns], dtype=np.float32)
        animals = []
        for a, res in zip(anns, inference_topdown(model, path, bboxes, bbox_format='xywh')):
            gt = np.asarray(a['keypoints'], dtype=np.float32).reshape(-1, 3)
            pred = res.pred_instances.keypoints[0]
            animals.append(dict(
                gt=gt[:, :2], visible=gt[:, 2] > 0, pred=pred,
                scores=res.pred_instances.keypoint_scores[0],
                oks=object_keypoint_similarity(pred, gt[:, :2], gt[:, 2] > 0, a['area'],
                                               sigmas)))
        species = ', '.join(sorted({split['species'][a['category_id']] for a in anns}))
        panels.append(dict(image=cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB),
                           species=species, animals=animals))
    picture = draw_prediction_figure(panels, meta['skeleton_links'], out_file, KPT_SCORE_THR)
    oks = [animal['oks'] for panel in panels for animal in panel['animals']]
    return dict(picture, mean_oks=float(np.nanmean(oks)))


def _pick_instance(data_root: str):
    """The val animal with the most labelled keypoints (the largest of those)."""
    split = _load_split(data_root, 'val')
    best = None
    for img in split['images']:
        for a in split['anns'][img['id']]:
            key = (a['num_keypoints'], a['area'])
            if best is None or key > best[0]:
                best = (key, img, a)
    if best is None:
        raise ValueError(f'no annotated val images under {data_root}')
    return best[1], best[2], split['species'][best[2]['category_id']]


def plot_score_maps(model, data_root: str, out_file: str) -> dict:
    """The paper's Figure S1 for the val animal with the most labelled keypoints: the score map
    of every keypoint prompt (``CLAMPHead.forward_all(feats).score_maps``) over its input crop
    (drawn by :func:`~clamp_mmpose.visualization.draw_score_map_figure`). Returns the file,
    panel count, pixel size (width, height), the score-map grid size and the keypoint names."""
    import cv2

    from clamp_mmpose.visualization.score_maps import instance_score_maps

    from ..visualization import draw_score_map_figure
    img, ann, species = _pick_instance(data_root)
    x, y, w, h = ann['bbox']
    crop, maps, names, grid, kpts, visible = instance_score_maps(
        model, cv2.imread(osp.join(data_root, 'data', img['file_name'])),
        (x, y, x + w, y + h), keypoints=np.reshape(ann['keypoints'], (-1, 3)))
    picture = draw_score_map_figure(crop[..., ::-1], maps, names, grid, kpts, visible,
                                    model.dataset_meta['skeleton_links'], species, out_file)
    return dict(picture, grid=grid, keypoint_names=names)


def draw_pictures(cfg, checkpoint: str, data_root: str, work_dir: str) -> dict:
    """Reload the checkpoint with MMPose's inference API and draw both pictures."""
    from mmpose.apis import init_model
    model = init_model(cfg, checkpoint, device='cpu')
    predictions = plot_predictions(model, data_root, osp.join(work_dir, PREDICTIONS_PNG))
    score_maps = plot_score_maps(model, data_root, osp.join(work_dir, SCORE_MAPS_PNG))
    return dict(predictions=predictions, score_maps=score_maps)


# ----------------------------------------------------------------------------------- the demo
def run_demo(work_dir: str = 'work_dirs/demo', data_root: str = 'data/synthetic_ap10k',
             epochs: Optional[int] = None, seed: int = 0, config: Optional[str] = None,
             num_images: Optional[Dict[str, int]] = None,
             image_size: int = DEMO_IMAGE_SIZE, cfg_options: Optional[dict] = None) -> dict:
    """Data, untrained AP, training, trained AP, pictures; returns the summary dict."""
    with QuietConsole() as console:
        return _run_demo(console, work_dir, data_root, epochs, seed, config, num_images,
                         image_size, cfg_options)


def _run_demo(console, work_dir, data_root, epochs, seed, config, num_images, image_size,
              cfg_options) -> dict:
    import clamp_mmpose  # noqa: F401  (registers the components)
    t_start = time.time()
    work_dir, data_root = osp.abspath(work_dir), osp.abspath(data_root)
    os.makedirs(work_dir, exist_ok=True)
    config = config or find_demo_config()
    data = prepare_data(data_root, num_images, image_size, seed)
    cfg = build_demo_config(config, data_root, work_dir, epochs, seed, cfg_options)
    _log(f'config {config}: {cfg.train_cfg.max_epochs} epochs, batch '
         f'{cfg.train_dataloader.batch_size}, input {cfg.codec["input_size"]}, '
         f'work dir {work_dir}')
    result = train_and_evaluate(cfg, console)
    t0 = time.time()
    _log('drawing the pictures with the saved checkpoint (mmpose.apis.init_model)')
    with console.to_log():
        pictures = draw_pictures(cfg, result['checkpoint'], data_root, work_dir)
    picture_seconds = time.time() - t0
    summary = dict(
        config=config,
        data_root=data_root,
        work_dir=work_dir,
        data=data['counts'],
        synthetic_data=data['synthetic'],
        epochs=result['epochs'],
        iterations=result['iterations'],
        untrained_AP=float(result['untrained']['coco/AP']),
        trained_AP=float(result['trained']['coco/AP']),
        untrained_metrics={k: float(v) for k, v in result['untrained'].items()},
        trained_metrics={k: float(v) for k, v in result['trained'].items()},
        checkpoint=result['checkpoint'],
        log_dir=result['log_dir'],
        log_file=console.log_file,
        library_warnings=console.num_warnings,
        predictions_png=pictures['predictions']['path'],
        score_maps_png=pictures['score_maps']['path'],
        pictures=pictures,
        seconds=dict(data=data['seconds'], untrained_eval=result['untrained_eval_seconds'],
                     train=result['train_seconds'],
                     trained_eval=result['trained_eval_seconds'], pictures=picture_seconds,
                     total=time.time() - t_start))
    with open(osp.join(work_dir, SUMMARY_JSON), 'w') as f:
        json.dump(summary, f, indent=2)
    return summary


def format_summary(s: dict) -> str:
    t = s['seconds']
    if s['untrained_AP'] > 0:
        gain = f'{s["trained_AP"] / s["untrained_AP"]:.1f}x the untrained AP'
    else:
        gain = 'from zero'
    lines = [
        '',
        '=' * 78,
        'CLAMP demo: ' + ('generated animals in AP-10K format' if s['synthetic_data'] else
                          s['data_root']) + ', small random-init CLIP ResNet',
        '=' * 78,
        f'AP (val, CocoMetric)  untrained: {s["untrained_AP"]:.3f}   '
        f'after {s["epochs"]} epochs: {s["trained_AP"]:.3f}   ({gain})',
        f'AP50 / AR             untrained: {s["untrained_metrics"].get("coco/AP .5", 0):.3f} / '
        f'{s["untrained_metrics"].get("coco/AR", 0):.3f}   trained: '
        f'{s["trained_metrics"].get("coco/AP .5", 0):.3f} / '
        f'{s["trained_metrics"].get("coco/AR", 0):.3f}',
        f'time                  {t["total"]:.0f} s in all: data {t["data"]:.0f} s, untrained '
        f'eval {t["untrained_eval"]:.0f} s, training {t["train"]:.0f} s '
        f'({s["iterations"]} iterations), eval {t["trained_eval"]:.0f} s, pictures '
        f'{t["pictures"]:.0f} s',
        f'checkpoint            {s["checkpoint"]}',
        f'predictions picture   {s["predictions_png"]}',
        f'score-map picture     {s["score_maps_png"]}',
        f'logs                  {s.get("log_file") or s["log_dir"]} (environment, config, '
        f'{s.get("library_warnings", 0)} library warnings)',
        f'summary               {osp.join(s["work_dir"], SUMMARY_JSON)}',
        ('Generated data and random' if s['synthetic_data'] else 'Random') +
        ' CLIP weights: this shows the pipeline working and learning,',
        'not the paper\'s accuracy. Real AP-10K and CLIP weights: docs/demo.md.',
    ]
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose demo',
        description='CLAMP end to end on a CPU in a few minutes: generate drawn animals in '
        'AP-10K format, evaluate an untrained small CLAMP model, train it with MMPose\'s '
        'runner, evaluate it with AP-10K\'s metric and draw predictions and score maps.')
    parser.add_argument('--work-dir', default='work_dirs/demo',
                        help='checkpoints, logs, pictures and the summary go here '
                        '(default: work_dirs/demo)')
    parser.add_argument('--data-root', default='data/synthetic_ap10k',
                        help='data set in AP-10K\'s layout; generated on the first run when '
                        'its annotation files are missing, reused later '
                        '(default: data/synthetic_ap10k)')
    parser.add_argument('--epochs', type=int, default=None,
                        help='training epochs (default: the demo config\'s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the training run, and of the data when generated '
                        '(default: 0)')
    parser.add_argument('--config', default=None,
                        help=f'config to train (default: configs/demo/{DEMO_CONFIG_NAME})')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override config settings, key=value (as in MMPose\'s tools)')
    args = parser.parse_args(argv)
    summary = run_demo(work_dir=args.work_dir, data_root=args.data_root, epochs=args.epochs,
                       seed=args.seed, config=args.config, cfg_options=args.cfg_options)
    print(format_summary(summary), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
