"""Reduced versions of the repository's real configs, for CPU tests; the shared builders of the
test folders are its submodules (models, protocol, keypoint_data, strategies)."""
import copy
import os.path as osp
import uuid

import torch
from mmengine.config import Config

from clamp_mmpose.engine.hooks.compile_train_step_hook import torch_compiles_these_models
from tests.conftest import TINY_RN, TINY_VIT

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
AP10K_CONFIGS = osp.join(REPO, 'configs', 'ap10k')
CLAMP_RN50 = osp.join(AP10K_CONFIGS, 'clamp_clip-rn50_4xb32-210e_ap10k-256x256.py')
BASELINE_RN50 = osp.join(AP10K_CONFIGS, 'simplebaseline_clip-rn50_4xb32-210e_ap10k-256x256.py')
DEMO_CONFIG = osp.join(REPO, 'configs', 'demo',
                       'clamp_tiny-clip-rn_1xb16-35e_synthetic-ap10k-128x128.py')


def set_pipeline_codec(pipeline, codec):
    """Point a pipeline's TopdownAffine and GenerateTarget at ``codec``."""
    for step in pipeline:
        if step['type'] == 'TopdownAffine':
            step['input_size'] = codec['input_size']
        if step['type'] == 'GenerateTarget':
            step['encoder'] = codec


# torch.compile of the models is checked on torch 2.14; torch 2.1's Dynamo stops inside the
# model with an internal error (`super(type, obj): obj must be an instance or subtype of
# type`). Versions between are untested.
OLD_DYNAMO = not torch_compiles_these_models()


def use_tiny_clip(model, arch: str = 'rn') -> None:
    """Give a model config tiny random CLIP towers (and a small CLAMP head); other backbones
    and heads are left as they are."""
    arch_cfg = copy.deepcopy(TINY_RN if arch == 'rn' else TINY_VIT)
    deconvs = 3 if arch == 'rn' else 2
    head = model.head
    if model.backbone.type == 'CLIPImageEncoder':
        model.backbone.update(arch=arch_cfg, pretrained=None, drop_path_rate=0.0)
        head.update(in_channels=512 if arch == 'rn' else 64,
                    deconv_out_channels=(32, ) * deconvs, deconv_kernel_sizes=(4, ) * deconvs)
    if head.type == 'CLAMPHead':
        head.update(clip_arch=copy.deepcopy(arch_cfg), clip_weights=None,
                    context_decoder=dict(width=32, num_heads=4, num_layers=1),
                    prompt_encoder=dict(num_heads=2),
                    spatial_upsampler=dict(deconv_out_channels=(16, ) * deconvs,
                                           deconv_kernel_sizes=(4, ) * deconvs))


def shrink_config(cfg: Config, data_root: str, work_dir: str, arch: str = 'rn',
                  input_size: int = 64, max_epochs: int = 2, batch_size: int = 8) -> Config:
    """A real config with small input and short training on ``data_root`` (a generated
    AP-10K-format folder); CLIP models get tiny towers, other backbones are left as they are."""
    codec = dict(type='MSRAHeatmap', input_size=(input_size, input_size),
                 heatmap_size=(input_size // 4, input_size // 4), sigma=2)
    cfg.model.head.decoder = codec
    use_tiny_clip(cfg.model, arch)
    cfg.codec = codec
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(batch_size=batch_size, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = data_root
        set_pipeline_codec(loader.dataset.pipeline, codec)
    # Each evaluator scores the file its data set reads (the paper configs test on val).
    for split in ('val', 'test'):
        if cfg[f'{split}_evaluator'].get('ann_file'):
            cfg[f'{split}_evaluator'].ann_file = osp.join(
                data_root, cfg[f'{split}_dataloader'].dataset.ann_file)
    cfg.train_cfg.update(max_epochs=max_epochs, val_interval=max_epochs)
    cfg.param_scheduler = [dict(type='LinearLR', begin=0, end=10, start_factor=0.1,
                                by_epoch=False)]
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.visualization = dict(type='PoseVisualizationHook', enable=False)
    cfg.work_dir = work_dir
    # MMPose's runtime names its visualizer 'visualizer', and MMEngine hands an existing
    # instance of that name (with the first run's vis_data folder, hence scalars.json) to every
    # later runner of the process; a name per run keeps each run's logs in its own work dir.
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex[:8]}'
    cfg.randomness = dict(seed=0)
    return cfg


def away_from_init(checkpoint: str) -> None:
    """Move a checkpoint's weights away from MMPose's init (heatmaps of 1e-11), so that
    comparisons of outputs mean something."""
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    torch.manual_seed(0)
    for key, value in ckpt['state_dict'].items():
        if value.is_floating_point() and not key.endswith(('running_var', 'running_mean')):
            value.add_(0.1 * torch.randn_like(value))
    torch.save(ckpt, checkpoint)


def demo_checkpoint(tmp, decoder_type: str = None):
    """(config, checkpoint) in folder ``tmp`` of the demo's tiny CLAMP (128x128, 17 AP-10K
    keypoints, flip test), random weights away from init; reads no data. ``decoder_type``
    replaces the codec's type (None: the config's)."""
    from mmpose.registry import MODELS
    cfg = Config.fromfile(DEMO_CONFIG)
    if decoder_type:
        cfg.model.head.decoder.type = decoder_type
    config, checkpoint = osp.join(str(tmp), 'demo.py'), osp.join(str(tmp), 'demo.pth')
    cfg.dump(config)
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    away_from_init(checkpoint)
    return config, checkpoint


def export_demo_onnx(tmp, decoder_type: str = None) -> str:
    """The folder of the demo's tiny CLAMP (:func:`demo_checkpoint`) exported by `clamp-mmpose
    export ... --onnx` (``<tmp>/deploy/demo.{py,pth,onnx,deploy.json}``)."""
    from clamp_mmpose.tools import export
    config, checkpoint = demo_checkpoint(tmp, decoder_type)
    out_dir = osp.join(str(tmp), 'deploy')
    assert export.main([config, checkpoint, osp.join(out_dir, 'demo'), '--onnx']) == 0
    return out_dir
