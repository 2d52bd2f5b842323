"""MMDetection's RTMDet-tiny, as its config ships with mmdet, with seeded random weights.

No released RTMDet weights can be downloaded here, so the detector tests use the real config and
architecture with weights drawn at random. With PyTorch's initialisation every anchor point gets
the same class score (features vanish through the deep CSP network and the class bias is set
for a prior of 0.01), so scores tie and NMS order is arbitrary. So the batch-norm statistics
are measured on the images the test will detect on, and the prediction layers scaled to them:
on those images (and ones like them) scores spread between anchors and classes, as trained
weights make them. A random network is chaotic, though: on an unlike image (pixel noise, say)
every score saturates.
"""
import os.path as osp

import cv2
import mmdet
import numpy as np
import torch
from mmengine.config import Config

RTMDET_TINY = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', 'rtmdet',
                       'rtmdet_tiny_8xb32-300e_coco.py')
COCO_ANIMALS = ('bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
                'giraffe')


def rtmdet_tiny_config(input_size: int = 640) -> Config:
    """RTMDet-tiny's config without the ImageNet-pretrained backbone download, testing at
    ``input_size`` x ``input_size`` (640 in the released config)."""
    cfg = Config.fromfile(RTMDET_TINY)
    cfg.model.backbone.init_cfg = None
    for step in cfg.test_pipeline:
        if step['type'] == 'Resize':
            step['scale'] = (input_size, input_size)
        if step['type'] == 'Pad':
            step['size'] = (input_size, input_size)
    cfg.val_dataloader.dataset.pipeline = cfg.test_pipeline
    cfg.test_dataloader.dataset.pipeline = cfg.test_pipeline
    return cfg


def generated_scene(seed: int, width: int = 640, height: int = 480) -> np.ndarray:
    """A generated animal scene (BGR uint8) of the given size."""
    from clamp_mmpose.datasets.synthetic import load_categories, render_sample
    image = render_sample(np.random.default_rng(seed), load_categories()['categories'], 256)[0]
    return cv2.resize(image, (width, height))


def _normalised(images, cfg, size: int) -> torch.Tensor:
    """``images`` as the config's test pipeline and data preprocessor give them to the net."""
    from clamp_mmpose.deploy.detector import letterbox
    batch = np.stack([letterbox(image, (size, size), (114, 114, 114))[0] for image in images])
    batch = torch.from_numpy(batch).permute(0, 3, 1, 2).float()
    mean = torch.tensor(cfg.model.data_preprocessor.mean).view(1, 3, 1, 1)
    std = torch.tensor(cfg.model.data_preprocessor.std).view(1, 3, 1, 1)
    return (batch - mean) / std


def _redraw(model, images: torch.Tensor, seed: int, logit_std: float) -> None:
    """Batch-norm statistics measured on ``images``; class logits scaled to spread by
    ``logit_std`` around -5 on them (at 1.5, a few anchors per image above the usual 0.3
    threshold)."""
    gen = torch.Generator().manual_seed(seed)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # a plain average
    model.train()
    with torch.no_grad():
        model.extract_feat(images)
        model.eval()
        cls_scores, _ = model.bbox_head(model.extract_feat(images))
        for conv, logits in zip(model.bbox_head.rtm_cls, cls_scores):
            conv.weight.mul_(logit_std / logits.std().clamp(min=1e-12))
            conv.bias.copy_(torch.randn(conv.bias.shape, generator=gen) * 0.5 - 5.0)
    for norm in norms:
        norm.momentum = 0.1


def random_rtmdet_checkpoint(work_dir: str, images=None, seed: int = 0, input_size: int = 640,
                             logit_std: float = 1.5):
    """Write ``rtmdet_tiny.py`` and ``rtmdet_tiny.pth`` into ``work_dir``: seeded random weights
    fitted to ``images`` (BGR uint8; default: three generated scenes; ``logit_std``: the spread
    of class logits on them), and COCO's 80 classes in the checkpoint's meta, as a released
    checkpoint carries them. Returns their paths."""
    from mmdet.evaluation import get_classes
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    torch.manual_seed(seed)
    cfg = rtmdet_tiny_config(input_size)
    model = MODELS.build(cfg.model)
    if images is None:
        images = [generated_scene(seed + i) for i in range(3)]
    _redraw(model, _normalised(images, cfg, input_size), seed, logit_std)
    config = osp.join(str(work_dir), 'rtmdet_tiny.py')
    checkpoint = osp.join(str(work_dir), 'rtmdet_tiny.pth')
    cfg.dump(config)
    meta = dict(dataset_meta=dict(classes=tuple(get_classes('coco'))))
    torch.save(dict(state_dict=model.state_dict(), meta=meta), checkpoint)
    return config, checkpoint
