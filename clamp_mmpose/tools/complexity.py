"""Parameters and GFLOPs of pose models in their inference form (the paper's Table S1).

The inference form of a CLAMP model is what :mod:`clamp_mmpose.tools.export` writes: the
prompt embeddings are stored, so the text encoder and prompt encoder are gone, and so are the
training-only parts (spatial-loss upsampler, feature-loss temperature). What runs per image is
the image encoder, the context decoder, the score maps and the deconv head.
"""
import argparse
import copy
from typing import Dict, Sequence

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmpose.registry import MODELS


def inference_model_config(model_cfg: dict) -> dict:
    """A model config for the inference form: no CLIP files, no text tower, no training parts."""
    cfg = copy.deepcopy(model_cfg)
    if cfg.get('backbone', {}).get('type') == 'CLIPImageEncoder':
        cfg['backbone']['pretrained'] = None
    if cfg.get('head', {}).get('type') == 'CLAMPHead':
        cfg['head'].update(prompt_source='cached', with_training_parts=False, clip_weights=None)
    return cfg


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


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose complexity',
        description='Parameters and GFLOPs of pose configs in inference form (text encoder and '
        'training-only parts excluded), as a markdown table like the paper\'s Table S1.')
    parser.add_argument('configs', nargs='+', help='config files (CLAMP or baseline)')
    parser.add_argument('--input-size', type=int, nargs=2, metavar=('W', 'H'),
                        help='input size (default: the config codec\'s input_size)')
    args = parser.parse_args(argv)
    print(complexity_table(args.configs, args.input_size))


if __name__ == '__main__':
    main()
