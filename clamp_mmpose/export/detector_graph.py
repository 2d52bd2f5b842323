"""An MMDetection 3.x RTMDet detector as one ONNX graph and the ``.detector.json`` the runtime
(:class:`clamp_mmpose.deploy.Detector`) needs.

The graph is the network alone: a normalised, letterboxed (1, 3, H, W) float32 image in,
per-anchor class logits (1, A, C) and box distances in input pixels (1, A, 4) out, levels
concatenated (stride 8 first) and each level's anchors row-major. Priors, decoding, thresholds,
top-k and NMS stay in numpy (:mod:`clamp_mmpose.deploy.detection`): they have data-dependent
shapes that exporters handle badly, and in numpy they are mmdet's exactly.

Supported: ``RTMDet`` (a single-stage detector) with an ``RTMDetHead`` (``RTMDetSepBNHead`` as
mmdet's tiny/s/m/l/x configs ship it), sigmoid classification, ``MlvlPointGenerator`` priors,
``DistancePointBBoxCoder``, plain ``nms``, and a test pipeline of ``Resize(keep_ratio=True)``
then ``Pad`` to the same square size. Anything else is refused with the reason.
"""
import json
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from ..deploy.contract import DeployError
from ..deploy.detector_contract import (COCO_ANIMALS, DETECTOR_FORMAT, DETECTOR_SUFFIX,
                                        DETECTOR_VERSION, validate_detector_meta)

ONNX_OPSET = 18


class ImageToDetections(nn.Module):
    """(1, 3, H, W) normalised image -> ((1, A, C) class logits, (1, A, 4) distances to the
    left, top, right and bottom box sides in input pixels), all levels concatenated."""

    def __init__(self, detector: nn.Module):
        super().__init__()
        self.detector = detector

    def forward(self, image: Tensor) -> Tuple[Tensor, Tensor]:
        cls_scores, bbox_preds = self.detector.bbox_head(self.detector.extract_feat(image))
        logits = [s.permute(0, 2, 3, 1).reshape(s.shape[0], -1, s.shape[1]) for s in cls_scores]
        dists = [d.permute(0, 2, 3, 1).reshape(d.shape[0], -1, 4) for d in bbox_preds]
        return torch.cat(logits, 1), torch.cat(dists, 1)


def _refuse(config: str, problem: str) -> None:
    raise DeployError(f'{config}: {problem}. export-detector supports MMDetection\'s RTMDet '
                      f'configs (rtmdet_tiny/s/m/l_8xb32-300e_coco.py and ones like them).')


def _check_head(model: nn.Module, config: str) -> None:
    from mmdet.models.dense_heads import RTMDetHead
    from mmdet.models.task_modules.coders import DistancePointBBoxCoder
    from mmdet.models.task_modules.prior_generators import MlvlPointGenerator
    head = getattr(model, 'bbox_head', None)
    if not isinstance(head, RTMDetHead):
        _refuse(config, f'its detector is {type(model).__name__} with '
                f'{type(head).__name__ if head is not None else "no bbox_head"}, not an '
                f'RTMDetHead')
    if not head.use_sigmoid_cls or not isinstance(head.bbox_coder, DistancePointBBoxCoder) \
            or not isinstance(head.prior_generator, MlvlPointGenerator) \
            or head.num_base_priors != 1:
        _refuse(config, 'its head is not sigmoid-scored with one point prior per location and '
                'distance boxes')
    if any(w != h for w, h in head.prior_generator.strides):
        _refuse(config, f'its strides {head.prior_generator.strides} are not square')


def _letterbox_size(cfg, config: str) -> int:
    """The side of the square letterbox the test pipeline resizes and pads to."""
    steps = {step['type'].split('.')[-1]: step for step in cfg.test_dataloader.dataset.pipeline}
    resize, pad = steps.get('Resize'), steps.get('Pad')
    if resize is None or pad is None or not resize.get('keep_ratio', False) \
            or resize.get('interpolation', 'bilinear') != 'bilinear':
        _refuse(config, 'its test pipeline is not Resize(keep_ratio=True) (bilinear) and Pad')
    scale, size = tuple(resize.get('scale') or ()), tuple(pad.get('size') or ())
    if len(scale) != 2 or scale != size or scale[0] != scale[1]:
        _refuse(config, f'its test pipeline resizes to {scale} and pads to {size}, not both to '
                f'the same square')
    return int(scale[0])


def _pad_value(cfg) -> list:
    pad = next(s for s in cfg.test_dataloader.dataset.pipeline if s['type'].endswith('Pad'))
    value = pad.get('pad_val', 0)
    value = value.get('img', 0) if isinstance(value, dict) else value
    return [float(v) for v in value] if isinstance(value, (list, tuple)) else [float(value)] * 3


def _kept_classes(class_names: Sequence[str], classes: Optional[Sequence[str]],
                  checkpoint: str) -> list:
    """``classes``, each checked to be the detector's; default: the COCO animals it has."""
    have = ', '.join(class_names)
    if classes is None:
        kept = [name for name in COCO_ANIMALS if name in class_names]
        if not kept:
            raise DeployError(f'{checkpoint}: the detector has none of COCO\'s animal classes '
                              f'(the default); choose with --classes from its classes: {have}')
        return kept
    unknown = [name for name in classes if name not in class_names]
    if unknown or not classes:
        raise DeployError(f'{checkpoint}: the detector has no class '
                          f'{", ".join(map(repr, unknown)) or "(none given)"}; choose --classes '
                          f'from its classes: {have}')
    return list(classes)


def detector_metadata(model: nn.Module, cfg, config: str, checkpoint: str, classes=None,
                      score_thr=None, nms_iou=None, max_per_img=None) -> dict:
    """The ``.detector.json`` contents but the graph's name: sizes, normalisation, priors,
    classes and the test settings (each ``None``: the config's ``model.test_cfg``)."""
    _check_head(model, config)
    side = _letterbox_size(cfg, config)
    test_cfg = model.bbox_head.test_cfg
    if test_cfg.get('nms', {}).get('type', 'nms') != 'nms':
        _refuse(config, f'its test_cfg.nms is {test_cfg.nms.type}, not plain nms')
    strides = [int(w) for w, _ in model.bbox_head.prior_generator.strides]
    class_names = [str(name) for name in model.dataset_meta['classes']]
    preprocessor = cfg.model.data_preprocessor
    meta = dict(
        format=DETECTOR_FORMAT, version=DETECTOR_VERSION, onnx='(set on writing)',
        input_size=[side, side],
        mean=[float(v) for v in preprocessor.mean], std=[float(v) for v in preprocessor.std],
        bgr_to_rgb=bool(preprocessor.get('bgr_to_rgb', False)), pad_value=_pad_value(cfg),
        strides=strides, prior_offset=float(model.bbox_head.prior_generator.offset),
        class_names=class_names, classes=_kept_classes(class_names, classes, checkpoint),
        score_thr=float(test_cfg.get('score_thr', 0) if score_thr is None else score_thr),
        nms_iou=float(test_cfg.nms.iou_threshold if nms_iou is None else nms_iou),
        nms_pre=int(test_cfg.get('nms_pre', -1)),
        max_per_img=int(test_cfg.get('max_per_img', 100) if max_per_img is None
                        else max_per_img),
        min_bbox_size=float(test_cfg.get('min_bbox_size', -1)))
    if side % max(strides):
        _refuse(config, f'its input size {side} is not divisible by its strides {strides}')
    for key, option, low, high in (('score_thr', '--score-thr', 0, 1),
                                   ('nms_iou', '--nms-iou', 0, 1),
                                   ('max_per_img', '--max-per-img', 1, 1 << 20)):
        if not low <= meta[key] <= high:
            raise DeployError(f'{option} {meta[key]:g} is out of range: give a value in '
                              f'[{low}, {high}] (or leave it out for {config}\'s test_cfg)')
    return meta


def export_detector_graph(module: nn.Module, example: Tensor, path: str) -> None:
    """Write ``module`` as ONNX, as :func:`clamp_mmpose.export.onnx_graph.export_graph` does
    (the torch.export-based exporter where torch has it), with a fixed batch of one."""
    kwargs = dict(input_names=['image'], output_names=['cls_logits', 'box_distances'])
    if 'dynamo' in torch.onnx.export.__code__.co_varnames:
        torch.onnx.export(module, (example, ), path, dynamo=True, external_data=False,
                          opset_version=ONNX_OPSET, verbose=False, **kwargs)
    else:
        torch.onnx.export(module, (example, ), path, opset_version=17, **kwargs)


def export_detector(config: str, checkpoint: str, out_dir: str,
                    classes: Optional[Sequence[str]] = None, score_thr: Optional[float] = None,
                    nms_iou: Optional[float] = None, max_per_img: Optional[int] = None,
                    name: Optional[str] = None) -> Tuple[str, str]:
    """Write ``OUT_DIR/<name>.onnx`` and ``OUT_DIR/<name>.detector.json`` (``name``: the
    config's file name without ``.py``) for an mmdet RTMDet config + checkpoint; returns their
    paths. ``classes`` are those the runtime keeps (default: COCO's animals); the other
    settings default to the config's test_cfg. Both files are written under temporary names
    and renamed at the end (the JSON last), so a failed export leaves no complete-looking pair.
    """
    from mmdet.apis import init_detector
    from mmengine.config import Config

    cfg = Config.fromfile(config)
    model = init_detector(cfg, checkpoint, device='cpu').eval()
    meta = detector_metadata(model, cfg, config, checkpoint, classes, score_thr, nms_iou,
                             max_per_img)
    name = name or osp.splitext(osp.basename(config))[0]
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = osp.join(out_dir, name + '.onnx')
    json_path = osp.join(out_dir, name + DETECTOR_SUFFIX)
    meta['onnx'] = osp.basename(onnx_path)
    validate_detector_meta(meta, json_path)  # what is written must read back
    side = meta['input_size'][0]
    try:
        with torch.no_grad():
            export_detector_graph(ImageToDetections(model).eval(),
                                  torch.zeros(1, 3, side, side), onnx_path + '.part')
        with open(json_path + '.part', 'w') as f:
            json.dump(meta, f, indent=1)
        os.replace(onnx_path + '.part', onnx_path)
        os.replace(json_path + '.part', json_path)
    finally:  # a failed export leaves nothing behind
        for part in (onnx_path + '.part', json_path + '.part'):
            if osp.exists(part):
                os.remove(part)
    return onnx_path, json_path
