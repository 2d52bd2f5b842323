"""Generated data and one short zero-shot run shared by the protocol tests (made once per test
session, whichever test module asks first)."""
import os.path as osp

from mmengine.config import Config

from tests.helpers import REPO, shrink_config

ZEROSHOT_NAME = 'clamp_clip-rn50_4xb32-210e_ap10k-bovidae-to-felidae-256x256'
ZEROSHOT_CONFIG = osp.join(REPO, 'configs', 'zeroshot', ZEROSHOT_NAME + '.py')
ZEROSHOT_EPOCHS = 2

_CACHE = {}


def protocol_data(tmp_path_factory) -> str:
    """An AP-10K-format data root with enough Bovidae in train (18) and Felidae in val (17)."""
    if 'data' not in _CACHE:
        from clamp_mmpose.datasets import generate_synthetic_ap10k
        root = str(tmp_path_factory.mktemp('protocol_ap10k'))
        generate_synthetic_ap10k(root, num_images=dict(train=160, val=48, test=16),
                                 image_size=96, seed=1, progress=False)
        _CACHE['data'] = root
    return _CACHE['data']


def zeroshot_run(tmp_path_factory) -> dict:
    """The Bovidae -> Felidae CLAMP config, shrunk, trained for 2 epochs (validation at the
    end) and tested, in ``<work_dirs>/<config name>`` as mim would put it."""
    if 'zeroshot' not in _CACHE:
        from mmengine.runner import Runner
        data_root = protocol_data(tmp_path_factory)
        work_dirs = str(tmp_path_factory.mktemp('work_dirs'))
        work_dir = osp.join(work_dirs, ZEROSHOT_NAME)
        cfg = shrink_config(Config.fromfile(ZEROSHOT_CONFIG), data_root, work_dir,
                            max_epochs=ZEROSHOT_EPOCHS)
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=ZEROSHOT_EPOCHS)
        # shrink_config points the evaluators at the whole files; the subset config has none.
        cfg.val_evaluator.ann_file = None
        cfg.test_evaluator.ann_file = None
        cfg.optim_wrapper.optimizer.lr = 2e-3
        runner = Runner.from_cfg(cfg)
        runner.train()
        val_metric = runner.val_evaluator.metrics[0]
        val_gt_ids = sorted(val_metric.coco.getAnnIds())
        test_metrics = runner.test()
        _CACHE['zeroshot'] = dict(
            work_dirs=work_dirs, work_dir=work_dir, data_root=data_root, cfg=cfg,
            train_ann_ids=list(runner.train_dataloader.dataset.subset_ann_ids),
            val_ann_ids=list(runner.val_dataloader.dataset.subset_ann_ids),
            val_gt_ids=val_gt_ids, test_metrics=test_metrics)
    return _CACHE['zeroshot']
