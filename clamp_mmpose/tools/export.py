"""Turn a trained CLAMP checkpoint into an inference checkpoint (supplementary 1.1).

The prompt embeddings T (text encoder + prompt encoder output) do not depend on the image, so
they are computed once and stored in the head as ``cached_prompts``. The exported model has no
CLIP text tower, no prompt encoder and none of the training-only parts (spatial-loss upsampler,
feature-loss temperature); per image it runs the image encoder, the context decoder, the score
maps and the deconv head, and predicts what the full model predicts.

Writes ``<out>.pth`` and the matching config ``<out>.py``, usable with ``mim test``,
``mmpose.apis.init_model`` and ``MMPoseInferencer``. With ``--onnx`` it also writes
``<out>.onnx`` and ``<out>.deploy.json`` for :mod:`clamp_mmpose.deploy` (no torch needed to run
them); SimpleBaseline configs export that way too (their weights as they are).
"""
import argparse
import copy
import os
import os.path as osp
from typing import Tuple

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint
from mmpose.registry import MODELS

from .complexity import inference_model_config

# Parts of a trained CLAMP head that inference does not run.
_DROPPED_PREFIXES = ('head.text_encoder.', 'head.prompt_encoder.', 'head.prompt_embeddings_param',
                     'head.spatial_upsampler.', 'head.loss_feature_module.',
                     'head.loss_spatial_module.')


def _training_model_config(model_cfg: dict) -> dict:
    # The trained weights come from the checkpoint: no CLIP file needed.
    cfg = copy.deepcopy(model_cfg)
    cfg.backbone.pretrained = None
    cfg.head.clip_weights = None
    return cfg


def export_inference_model(config: str, checkpoint: str, out: str,
                           allow_baseline: bool = False) -> Tuple[str, str]:
    """Export ``checkpoint`` of ``config``; returns the paths of the new config and checkpoint.

    With ``allow_baseline`` a non-CLAMP model (nothing to store) is written as it is, for ONNX.
    """
    import clamp_mmpose  # noqa: F401  (registers the components)
    cfg = Config.fromfile(config)
    is_clamp = cfg.model.head.get('type') == 'CLAMPHead'
    if not is_clamp and not allow_baseline:
        raise ValueError(f'{config} is not a CLAMP config (its head is '
                         f'{cfg.model.head.get("type")}); only CLAMP models have prompts to store')
    if is_clamp and cfg.model.head.get('prompt_source', 'text') == 'cached':
        raise ValueError(f'{config} is already an exported inference config')
    ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    exported = state
    if is_clamp:
        model = MODELS.build(_training_model_config(cfg.model))
        model.load_state_dict(state)
        model.eval()
        with torch.no_grad():
            prompts = model.head.encode_prompts().float()
        exported = {k: v for k, v in state.items() if not k.startswith(_DROPPED_PREFIXES)}
        exported['head.cached_prompts'] = prompts
    meta = dict(ckpt.get('meta', {}))
    meta['exported_from'] = osp.abspath(checkpoint)

    base = out[:-4] if out.endswith('.pth') else out
    os.makedirs(osp.dirname(osp.abspath(base)), exist_ok=True)
    cfg.model = inference_model_config(cfg.model)
    cfg.load_from = None
    cfg_path, ckpt_path = base + '.py', base + '.pth'
    cfg.dump(cfg_path)
    torch.save(dict(state_dict=exported, meta=meta), ckpt_path)
    return cfg_path, ckpt_path


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose export',
        description='Store the prompt embeddings of a trained CLAMP model and drop the text '
        'encoder and the training-only parts. Writes OUT.py (config) and OUT.pth (weights).')
    parser.add_argument('config', help='the CLAMP config the checkpoint was trained with')
    parser.add_argument('checkpoint', help='a checkpoint written by the training run')
    parser.add_argument('out', help='output path without extension, e.g. '
                        'work_dirs/clamp_rn50/clamp_rn50_inference')
    parser.add_argument('--onnx', action='store_true',
                        help='also write OUT.onnx (image -> heatmaps, dynamic batch) and '
                        'OUT.deploy.json for `clamp-mmpose infer` / clamp_mmpose.deploy; '
                        'SimpleBaseline configs are exported this way too')
    parser.add_argument('--int8', action='store_true',
                        help='with --onnx, also write an 8-bit copy, OUT.int8.onnx and '
                        'OUT.int8.deploy.json (faster on CPUs, less exact; calibrated on the '
                        'config\'s validation images)')
    args = parser.parse_args(argv)
    if args.int8 and not args.onnx:
        parser.error('--int8 quantises the ONNX graph: use it with --onnx')
    cfg_path, ckpt_path = export_inference_model(args.config, args.checkpoint, args.out,
                                                 allow_baseline=args.onnx)
    print(f'inference config: {cfg_path}\ninference weights: {ckpt_path}')
    if args.onnx:
        from .export_onnx import export_onnx
        onnx_path, json_path = export_onnx(cfg_path, ckpt_path, args.out, int8=args.int8)
        print(f'ONNX model:       {onnx_path}\nruntime settings: {json_path}')
        if args.int8:
            print(f'int8 model:       {json_path.replace(".deploy.json", ".int8.deploy.json")}')
    return 0


if __name__ == '__main__':
    main()
