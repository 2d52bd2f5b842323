"""An inference model as one ONNX graph (image -> heatmaps) and the JSON the runtime needs.

The graph is the backbone and the head's forward: for CLAMP the exported model's (stored prompts,
context decoder, score maps, deconv head), for a SimpleBaseline its heatmap head. Cropping,
normalisation, flip test and decoding stay outside, in :mod:`clamp_mmpose.deploy`, so the graph
has a dynamic batch axis and nothing else to know.

With ``int8`` an 8-bit copy is written beside the float32 graph (``<out>.int8.onnx`` and its own
``<out>.int8.deploy.json``): the deconv head's transposed convolutions rewritten as convolutions
and pixel shuffles (:mod:`.subpixel_deconv`; ONNX Runtime has no 8-bit ConvTranspose), then every
convolution statically quantised (QDQ, per-channel weights, activation ranges calibrated on crops
of the config's validation images), MatMul and Gemm dynamically (weights int8, activation ranges
per call). It is faster on CPUs and less exact; the float32 graph stays the default.
"""
import copy
import json
import os.path as osp
import tempfile
from typing import Iterator, Optional, Tuple

import numpy as np
import torch
from mmpose.codecs import MSRAHeatmap
from torch import Tensor, nn

from ..codecs import InteriorRefineMSRAHeatmap
from ..deploy import topdown
from ..deploy.contract import DEPLOY_SUFFIX, FORMAT, VERSION
from .subpixel_deconv import rewrite_heatmap_head

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
    if not isinstance(codec, MSRAHeatmap) or codec.unbiased:
        raise ValueError(f'the runtime decodes MSRA heatmaps without DARK; this model\'s codec '
                         f'is {type(codec).__name__}'
                         + (' with unbiased=True' if isinstance(codec, MSRAHeatmap) else ''))
    meta = model.dataset_meta
    preprocessor = cfg.model.data_preprocessor
    padding = next((step.get('padding', 1.25) for step in cfg.test_dataloader.dataset.pipeline
                    if step['type'] == 'GetBBoxCenterScale'), 1.25)
    test_cfg = cfg.model.get('test_cfg', {})
    return dict(
        format=FORMAT, version=VERSION,  # the contract clamp_mmpose.deploy.contract checks
        input_size=[int(v) for v in codec.input_size],
        heatmap_size=[int(v) for v in codec.heatmap_size],
        mean=[float(v) for v in preprocessor.mean], std=[float(v) for v in preprocessor.std],
        bgr_to_rgb=bool(preprocessor.get('bgr_to_rgb', False)),
        bbox_padding=float(padding),
        keypoint_names=[meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])],
        flip_indices=[int(i) for i in meta['flip_indices']],
        skeleton_links=[[int(a), int(b)] for a, b in meta.get('skeleton_links', [])],
        flip_test=bool(test_cfg.get('flip_test', False)),
        shift_heatmap=bool(test_cfg.get('shift_heatmap', False)),
        border_rule='interior' if isinstance(codec, InteriorRefineMSRAHeatmap) else 'per_axis')


def export_graph(module: nn.Module, example: Tensor, path: str) -> None:
    """Write ``module`` (image -> heatmaps) as an ONNX graph with a dynamic batch axis."""
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


def calibration_crops(cfg, meta: dict, num: int = 32, split: str = 'val') -> np.ndarray:
    """(num, 3, H, W) network inputs: the first ``num`` annotated boxes of the config's
    ``split`` ('val', 'train' or 'test') data set, cropped and normalised as the runtime does."""
    import cv2
    dataset = cfg[f'{split}_dataloader'].dataset
    root = dataset.get('data_root', '')
    ann_file = osp.join(root, dataset.ann_file)
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'{ann_file}: no such file; int8 calibration reads the '
                                f'{split} images of the config (set its data_root)')
    with open(ann_file) as f:
        coco = json.load(f)
    files = {image['id']: image['file_name'] for image in coco['images']}
    image_dir = osp.join(root, dataset.get('data_prefix', {}).get('img', ''))
    aspect = meta['input_size'][0] / meta['input_size'][1]
    crops = []
    for ann in coco['annotations'][:num]:
        image = cv2.imread(osp.join(image_dir, files[ann['image_id']]))
        x, y, w, h = ann['bbox']
        center, size = topdown.box_center_size((x, y, x + w, y + h), aspect,
                                               meta['bbox_padding'])
        crops.append(topdown.crop(image, topdown.crop_matrix(center, size, meta['input_size']),
                                  meta['input_size']))
    return topdown.normalize(np.stack(crops), meta['mean'], meta['std'], meta['bgr_to_rgb'])


def quantize_int8(onnx_path: str, out_path: str, calibration: np.ndarray) -> None:
    """An int8 copy of an exported graph: Conv static QDQ (calibrated on ``calibration``, one
    crop at a time), then MatMul and Gemm dynamic."""
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_dynamic, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Crops(CalibrationDataReader):

        def __init__(self):
            self.batches: Iterator = iter({'image': crop[None]} for crop in calibration)

        def get_next(self) -> Optional[dict]:
            return next(self.batches, None)

    with tempfile.TemporaryDirectory() as tmp:
        prepared, convs = osp.join(tmp, 'prepared.onnx'), osp.join(tmp, 'convs.onnx')
        quant_pre_process(onnx_path, prepared, skip_symbolic_shape=True)
        quantize_static(prepared, convs, Crops(), quant_format=QuantFormat.QDQ,
                        op_types_to_quantize=['Conv'], per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        # Shapes recorded before the convs were quantised can contradict the new graph's, and
        # the dynamic quantiser re-infers them all: drop them.
        model = onnx.load(convs)
        model.graph.ClearField('value_info')
        onnx.save(model, convs)
        quantize_dynamic(convs, out_path, op_types_to_quantize=['MatMul', 'Gemm'],
                         weight_type=QuantType.QInt8)


def export_int8_graph(pose_model: nn.Module, out_path: str, calibration: np.ndarray) -> None:
    """The int8 graph of an inference model (left unchanged): its transposed convolutions
    rewritten as convolutions, exported in float32 and quantised by :func:`quantize_int8`."""
    graph = ImageToHeatmaps(copy.deepcopy(pose_model)).eval()
    rewrite_heatmap_head(graph.head)
    with tempfile.TemporaryDirectory() as tmp:
        float_path = osp.join(tmp, 'subpixel.onnx')
        with torch.no_grad():
            export_graph(graph, torch.from_numpy(calibration[:2]), float_path)
        quantize_int8(float_path, out_path, calibration)


def export_onnx(config: str, checkpoint: str, out: str, int8: bool = False,
                calibration_split: str = 'val') -> Tuple[str, str]:
    """Write ``<out>.onnx`` and ``<out>.deploy.json`` for an inference config + checkpoint (and,
    with ``int8``, ``<out>.int8.onnx`` and ``<out>.int8.deploy.json``, calibrated on the config's
    ``calibration_split``)."""
    from mmengine.config import Config
    from mmpose.apis import init_model

    cfg = Config.fromfile(config)
    model = init_model(cfg, checkpoint, device='cpu').eval()
    meta = deploy_metadata(model, cfg)
    base = out[:-len('.onnx')] if out.endswith('.onnx') else out
    onnx_path, json_path = base + '.onnx', base + DEPLOY_SUFFIX
    width, height = meta['input_size']
    with torch.no_grad():
        export_graph(ImageToHeatmaps(model).eval(), torch.zeros(2, 3, height, width), onnx_path)
    write_deploy_json(dict(meta, onnx=osp.basename(onnx_path), precision='float32'), json_path)
    if int8:
        export_int8_graph(model, base + '.int8.onnx',
                          calibration_crops(cfg, meta, split=calibration_split))
        write_deploy_json(dict(meta, onnx=osp.basename(base) + '.int8.onnx', precision='int8'),
                    base + '.int8' + DEPLOY_SUFFIX)
    return onnx_path, json_path


def write_deploy_json(meta: dict, path: str) -> None:
    """Write the runtime settings (:func:`deploy_metadata` plus the graph's name) as JSON."""
    with open(path, 'w') as f:
        json.dump(meta, f, indent=1)
