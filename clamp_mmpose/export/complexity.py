"""Parameters and GFLOPs of pose models in their inference form (the paper's Table S1).

The inference form of a CLAMP model is what :func:`.inference_model.export_inference_model`
writes: the prompt embeddings are stored, so the text encoder and prompt encoder are gone, and so
are the training-only parts (spatial-loss upsampler, feature-loss temperature). What runs per
image is the image encoder, the context decoder, the score maps and the deconv head.
"""
from typing import Dict, Sequence

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmpose.registry import MODELS

from .inference_model import inference_model_config


def model_complexity(model_cfg: dict, input_size: Sequence[int]) -> Dict[str, float]:
    """Parameters (M) and GFLOPs (multiply-adds, as MMCV and fvcore count) of one image."""
    import clamp_mmpose  # noqa: F401  (registers the components)
    model = MODELS.build(inference_model_config(model_cfg)).eval()
    params = sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for name, b in model.named_buffers() if name.endswith('cached_prompts'))
    w, h = input_size
    with torch.no_grad():
        flops = FlopAnalyzer(model, (torch.zeros(1, 3, h, w), None)).unsupported_ops_warnings(
            False).uncalled_modules_warnings(False).total()
    return dict(params_m=params / 1e6, gflops=flops / 1e9)


def complexity_table(configs: Sequence[str], input_size=None) -> str:
    """A markdown table of :func:`model_complexity` for each config file."""
    rows = ['| config | input | params (M) | GFLOPs |', '|---|---|---|---|']
    for path in configs:
        cfg = Config.fromfile(path)
        size = tuple(input_size) if input_size else tuple(cfg.codec['input_size'])
        stats = model_complexity(cfg.model, size)
        rows.append(f'| {path.split("/")[-1][:-3]} | {size[0]}x{size[1]} | '
                    f'{stats["params_m"]:.1f} | {stats["gflops"]:.2f} |')
    return '\n'.join(rows)
