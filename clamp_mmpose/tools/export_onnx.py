"""An inference model as one ONNX graph (image -> heatmaps) and the JSON the runtime needs.

The graph is the backbone and the head's forward: for CLAMP the exported model's (stored prompts,
context decoder, score maps, deconv head), for a SimpleBaseline its heatmap head. Cropping,
normalisation, flip test and decoding stay outside, in :mod:`clamp_mmpose.deploy`, so the graph
has a dynamic batch axis and nothing else to know.
"""
import json
import os.path as osp
from typing import Tuple

import torch
from torch import Tensor, nn

from ..deploy.runtime import DEPLOY_SUFFIX

ONNX_OPSET = 18
LEGACY_ONNX_OPSET = 17


class ImageToHeatmaps(nn.Module):
    """(N, 3, H, W) normalised crops -> (N, K, h, w) heatmaps of a top-down pose model."""

    def __init__(self, pose_model: nn.Module):
        super().__init__()
        self.backbone = pose_model.backbone
        self.head = pose_model.head

    def forward(self, images: Tensor) -> Tensor:
        return self.head(self.backbone(images))


def deploy_metadata(model: nn.Module, cfg) -> dict:
    """What the runtime needs besides the graph: sizes, normalisation, keypoints, flip test."""
    codec = model.head.decoder
    if type(codec).__name__ != 'MSRAHeatmap':
        raise ValueError(f'the runtime decodes MSRA heatmaps; this model\'s codec is '
                         f'{type(codec).__name__}')
    meta = model.dataset_meta
    preprocessor = cfg.model.data_preprocessor
    padding = next((step.get('padding', 1.25) for step in cfg.test_dataloader.dataset.pipeline
                    if step['type'] == 'GetBBoxCenterScale'), 1.25)
    test_cfg = cfg.model.get('test_cfg', {})
    return dict(
        format='clamp-mmpose-onnx', version=1,
        input_size=[int(v) for v in codec.input_size],
        heatmap_size=[int(v) for v in codec.heatmap_size],
        mean=[float(v) for v in preprocessor.mean], std=[float(v) for v in preprocessor.std],
        bgr_to_rgb=bool(preprocessor.get('bgr_to_rgb', False)),
        bbox_padding=float(padding),
        keypoint_names=[meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])],
        flip_indices=[int(i) for i in meta['flip_indices']],
        skeleton_links=[[int(a), int(b)] for a, b in meta.get('skeleton_links', [])],
        flip_test=bool(test_cfg.get('flip_test', False)),
        shift_heatmap=bool(test_cfg.get('shift_heatmap', False)))


def _export_graph(module: nn.Module, example: Tensor, path: str) -> None:
    kwargs = dict(input_names=['image'], output_names=['heatmaps'],
                  dynamic_axes={'image': {0: 'batch'}, 'heatmaps': {0: 'batch'}})
    if 'dynamo' in torch.onnx.export.__code__.co_varnames:
        # torch >= 2.5: the torch.export-based exporter (the default from 2.9).
        torch.onnx.export(module, (example, ), path, dynamo=True, external_data=False,
                          opset_version=ONNX_OPSET, verbose=False, **kwargs)
        return
    # Older torch: the TorchScript exporter. Its opset-18 ReduceMean is malformed, so opset 17;
    # and nn.MultiheadAttention must not take its fused inference fast path, which the exporter
    # cannot export: the fast path is skipped while autograd is on.
    with torch.enable_grad():
        torch.onnx.export(module, (example, ), path, opset_version=LEGACY_ONNX_OPSET, **kwargs)


def export_onnx(config: str, checkpoint: str, out: str) -> Tuple[str, str]:
    """Write ``<out>.onnx`` and ``<out>.deploy.json`` for an inference config + checkpoint."""
    from mmengine.config import Config
    from mmpose.apis import init_model

    cfg = Config.fromfile(config)
    model = init_model(cfg, checkpoint, device='cpu').eval()
    meta = deploy_metadata(model, cfg)
    base = out[:-len('.onnx')] if out.endswith('.onnx') else out
    onnx_path, json_path = base + '.onnx', base + DEPLOY_SUFFIX
    width, height = meta['input_size']
    with torch.no_grad():
        _export_graph(ImageToHeatmaps(model).eval(), torch.zeros(2, 3, height, width), onnx_path)
    meta['onnx'] = osp.basename(onnx_path)
    with open(json_path, 'w') as f:
        json.dump(meta, f, indent=1)
    return onnx_path, json_path
