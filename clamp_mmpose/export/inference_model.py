"""A trained CLAMP checkpoint as an inference checkpoint (supplementary 1.1).

The prompt embeddings T (text encoder + prompt encoder output) do not depend on the image, so
they are computed once and stored in the head as ``cached_prompts``. The exported model has no
CLIP text tower, no prompt encoder and none of the training-only parts (spatial-loss upsampler,
feature-loss temperature); per image it runs the image encoder, the context decoder, the score
maps and the deconv head, and predicts what the full model predicts.
"""
import copy
import os
import os.path as osp
from typing import Tuple

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint
from mmpose.registry import MODELS

# Parts of a trained CLAMP head that inference does not run.
DROPPED_PREFIXES = ('head.text_encoder.', 'head.prompt_encoder.', 'head.prompt_embeddings_param',
                    'head.spatial_upsampler.', 'head.loss_feature_module.',
                    'head.loss_spatial_module.')


class ExportError(ValueError):
    """A config or checkpoint that cannot be exported; the message says what to give instead."""


def inference_model_config(model_cfg: dict) -> dict:
    """A model config for the inference form: no CLIP files, no text tower, no training parts."""
    cfg = copy.deepcopy(model_cfg)
    if cfg.get('backbone', {}).get('type') == 'CLIPImageEncoder':
        cfg['backbone']['pretrained'] = None
    if cfg.get('head', {}).get('type') == 'CLAMPHead':
        cfg['head'].update(prompt_source='cached', with_training_parts=False, clip_weights=None)
    return cfg


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 4] + ' ...'


def _training_model_config(model_cfg: dict) -> dict:
    # The trained weights come from the checkpoint: no CLIP file needed.
    cfg = copy.deepcopy(model_cfg)
    cfg.backbone.pretrained = None
    cfg.head.clip_weights = None
    return cfg


def export_inference_model(config: str, checkpoint: str, out: str,
                           allow_baseline: bool = False) -> Tuple[str, str]:
    """Export ``checkpoint`` of ``config`` to ``<out>.py`` and ``<out>.pth``; returns the paths
    of the new config and checkpoint.

    With ``allow_baseline`` a non-CLAMP model (nothing to store) is written as it is, for ONNX.
    """
    import clamp_mmpose  # noqa: F401  (registers the components)
    if not osp.isfile(config):
        raise ExportError(f'config {config} does not exist: give the config the model was '
                          f'trained with')
    cfg = Config.fromfile(config)
    is_clamp = cfg.model.head.get('type') == 'CLAMPHead'
    if not is_clamp and not allow_baseline:
        raise ExportError(
            f'{config} is not a CLAMP config (its head is {cfg.model.head.get("type")}): only '
            f'CLAMP models have prompts to store. A baseline exports for ONNX Runtime as it is '
            f'(`clamp-mmpose export --onnx`, allow_baseline=True).')
    if is_clamp and cfg.model.head.get('prompt_source', 'text') == 'cached':
        raise ExportError(f'{config} is already an exported inference config: export from the '
                          f'config the model was trained with')
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise ExportError(f'checkpoint {checkpoint} does not exist: give the .pth file the '
                          f'training run wrote (e.g. its work_dir/best_*.pth or epoch_*.pth)')
    ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    exported = state
    if is_clamp:
        model = MODELS.build(_training_model_config(cfg.model))
        try:
            model.load_state_dict(state)
        except RuntimeError as err:
            # torch lists every missing key on one line: keep the message readable.
            problems = [_shorten(line.strip(), 200) for line in str(err).splitlines()[1:]
                        if line.strip()]
            shown = '\n  '.join(problems[:5]) + ('\n  ...' if len(problems) > 5 else '')
            raise ExportError(
                f'checkpoint {checkpoint} does not fit the model of {config}:\n  {shown}\n'
                f'Give the config the checkpoint was trained with (an authors\' checkpoint: '
                f'convert it first, `clamp-mmpose convert-official`).') from None
        model.eval()
        with torch.no_grad():
            prompts = model.head.encode_prompts().float()
        exported = {k: v for k, v in state.items() if not k.startswith(DROPPED_PREFIXES)}
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
