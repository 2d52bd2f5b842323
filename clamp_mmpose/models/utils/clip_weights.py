"""CLIP architectures (open_clip definitions) and CLIP weight files read from local disk.

Two file formats are understood, both holding a whole CLIP model (image and text towers):

* OpenAI's TorchScript archives (``RN50.pt``, ``ViT-B-16.pt``, ``ViT-L-14.pt``), stored in fp16;
* open_clip checkpoints: a state dict, optionally wrapped in ``{'state_dict': ...}`` and/or
  prefixed with ``module.`` (DDP), with the text tower either at the top level (``CLIP``) or
  under ``text.`` (``CustomTextCLIP``).

Nothing is downloaded: a missing file is an error that says where the file should come from.
"""
import math
import os.path as osp
from typing import Dict, List, Optional, Tuple, Union

import open_clip
import torch
import torch.nn.functional as F
from torch import nn

# The OpenAI releases whose weights the configs expect. All of them were trained with QuickGELU.
OPENAI_ARCHS = ('RN50', 'RN101', 'RN50x4', 'ViT-B-32', 'ViT-B-16', 'ViT-L-14', 'ViT-L-14-336')

# Keys of a full CLIP state dict that belong to neither tower.
_SHARED_KEYS = ('logit_scale', 'logit_bias', 'input_resolution', 'context_length', 'vocab_size')

# Top-level keys of the text tower in the OpenAI / open_clip ``CLIP`` layout.
_TEXT_PREFIXES = ('token_embedding.', 'positional_embedding', 'transformer.', 'ln_final.',
                  'text_projection', 'attn_mask')


class CLIPWeightsError(ValueError):
    """A CLIP weight file that cannot serve the requested architecture."""


def resolve_clip_config(arch: Union[str, dict]) -> dict:
    """Return an open_clip model config ``{embed_dim, vision_cfg, text_cfg, quick_gelu}``.

    Args:
        arch: an open_clip model name (``'RN50'``, ``'ViT-B-16'``, ``'ViT-L-14'``, ...), a
            config dict of the same schema (e.g. a reduced model for tests and the demo), or a
            named model with changes: ``dict(name='RN50', vision_cfg=dict(image_size=256))``
            (the keys of ``vision_cfg`` / ``text_cfg`` given replace the named model's).
    """
    if isinstance(arch, dict) and 'name' in arch:
        cfg = resolve_clip_config(arch['name'])
        for key, value in arch.items():
            if key in ('vision_cfg', 'text_cfg'):
                cfg[key] = {**cfg[key], **value}
            elif key != 'name':
                cfg[key] = value
        return cfg
    if isinstance(arch, dict):
        cfg = dict(arch)
        missing = {'embed_dim', 'vision_cfg', 'text_cfg'} - set(cfg)
        if missing:
            raise ValueError(f'A CLIP arch dict needs the keys embed_dim, vision_cfg and '
                             f'text_cfg (open_clip model-config schema); missing {sorted(missing)}')
        cfg.setdefault('quick_gelu', False)
        return cfg
    cfg = open_clip.get_model_config(arch)
    if cfg is None or 'hf_model_name' in cfg.get('text_cfg', {}) or \
            'timm_model_name' in cfg.get('vision_cfg', {}):
        known = [m for m in open_clip.list_models()
                 if not m.startswith(('coca', 'hf-', 'timm-', 'mt5', 'xlm', 'roberta', 'nllb'))]
        raise ValueError(
            f'Unknown CLIP architecture {arch!r}. Use an open_clip model name built from '
            f'open_clip\'s own towers, e.g. {", ".join(OPENAI_ARCHS)} (all of them: '
            f'{", ".join(known[:40])}, ...), or an open_clip config dict.')
    # OpenAI's weights need QuickGELU; open_clip's own configs leave it to the pretrained tag.
    cfg['quick_gelu'] = cfg.get('quick_gelu', False) or arch in OPENAI_ARCHS
    return cfg


def arch_name(arch: Union[str, dict]) -> str:
    return arch if isinstance(arch, str) else 'custom CLIP config ' + repr(arch)


def resize_grid_table(table: torch.Tensor, grid: Tuple[int, int]) -> torch.Tensor:
    """Resize a ``(1 + g*g, C)`` positional table (first row: CLS / pool query) to a grid.

    Bilinear, ``align_corners=False``, the first row kept: what the authors' CLAMP does when it
    loads CLIP's 7x7 / 14x14 tables into a model of another input size, and at every forward.
    """
    side = math.isqrt(table.shape[0] - 1)
    if side * side != table.shape[0] - 1:
        raise ValueError(f'a positional table of {table.shape[0]} rows is not 1 + a square grid')
    if (side, side) == tuple(grid):
        return table
    spatial = table[1:].reshape(1, side, side, -1).permute(0, 3, 1, 2)
    spatial = F.interpolate(spatial.float(), size=tuple(grid), mode='bilinear',
                            align_corners=False)
    spatial = spatial.to(table.dtype).permute(0, 2, 3, 1).reshape(grid[0] * grid[1], -1)
    return torch.cat([table[:1], spatial], dim=0)


def fit_positional_tables(weights: Dict[str, torch.Tensor],
                          expected: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Fit the file's positional tables to a model that stores them at another size.

    Image towers store theirs at the model's ``image_size`` (e.g. 8x8 for RN50 at 256x256):
    CLIP's are resized bilinearly. A text tower with a shorter context keeps the first rows.
    """
    fitted = dict(weights)
    for key in ('positional_embedding', 'attnpool.positional_embedding'):
        if key not in weights or key not in expected:
            continue
        have, want = weights[key], expected[key]
        if have.shape == want.shape or have.shape[1:] != want.shape[1:]:
            continue
        side = math.isqrt(want.shape[0] - 1)
        if have.dim() == 2 and side * side == want.shape[0] - 1 and \
                math.isqrt(have.shape[0] - 1) ** 2 == have.shape[0] - 1:
            fitted[key] = resize_grid_table(have, (side, side))
        elif have.shape[0] > want.shape[0] and 'attnpool' not in key:  # text context
            fitted[key] = have[:want.shape[0]]
    return fitted


def load_clip_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """Read a CLIP weight file from disk into a float32 state dict with CLIP's key layout."""
    path = osp.expanduser(str(path))
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'CLIP weight file not found: {path}. Put OpenAI\'s TorchScript archive (RN50.pt, '
            f'ViT-B-16.pt or ViT-L-14.pt, from the official CLIP release) or an open_clip '
            f'checkpoint there, or point the config at it (e.g. '
            f'--cfg-options model.backbone.pretrained=/path/to/RN50.pt '
            f'model.head.clip_weights=/path/to/RN50.pt). Nothing is downloaded.')
    try:
        # OpenAI ships TorchScript archives; their state dict is the CLIP module's.
        state_dict = torch.jit.load(path, map_location='cpu').state_dict()
    except RuntimeError:
        try:
            # Tensors and plain containers only, on every torch (2.1's weights_only had holes).
            from ...utils.safe_checkpoint import load_checkpoint_file
            checkpoint = load_checkpoint_file(path, map_location='cpu')
        except Exception as err:  # noqa: BLE001 - reported with the file name
            raise CLIPWeightsError(
                f'{path} is neither a TorchScript archive nor a torch state dict: {err}') from err
        state_dict = checkpoint.get('state_dict', checkpoint) \
            if isinstance(checkpoint, dict) else checkpoint
        if not isinstance(state_dict, dict):
            raise CLIPWeightsError(f'{path} does not hold a state dict (found '
                                   f'{type(state_dict).__name__}).')
    state_dict = {k[len('module.'):] if k.startswith('module.') else k: v
                  for k, v in state_dict.items()}
    return {k: v.float() if v.is_floating_point() else v for k, v in state_dict.items()
            if k not in _SHARED_KEYS}


def clip_tower_state_dict(state_dict: Dict[str, torch.Tensor],
                          tower: str) -> Dict[str, torch.Tensor]:
    """Keys of one tower (``'visual'`` or ``'text'``) with the tower prefix removed."""
    if tower == 'visual':
        return {k[len('visual.'):]: v for k, v in state_dict.items() if k.startswith('visual.')}
    if tower == 'text':
        if any(k.startswith('text.') for k in state_dict):  # open_clip CustomTextCLIP
            return {k[len('text.'):]: v for k, v in state_dict.items() if k.startswith('text.')}
        return {k: v for k, v in state_dict.items() if k.startswith(_TEXT_PREFIXES)}
    raise ValueError(f'tower must be "visual" or "text", not {tower!r}')


def load_clip_tower(module: nn.Module, path: str, tower: str, arch: Union[str, dict],
                    ignore_prefixes: Optional[List[str]] = None) -> None:
    """Load one tower of the CLIP weight file ``path`` into ``module``, strictly.

    Every parameter and buffer ``module`` has must be in the file with the same shape; keys of
    the file that ``module`` does not have (e.g. the attention pool of a baseline backbone) are
    ignored. Otherwise a :class:`CLIPWeightsError` names the file, the expected architecture and
    the first mismatching keys.
    """
    expected = {k: v for k, v in module.state_dict().items()
                if not k.startswith(tuple(ignore_prefixes or ()))}
    weights = fit_positional_tables(clip_tower_state_dict(load_clip_state_dict(path), tower),
                                    expected)
    missing = [k for k in expected if k not in weights]
    wrong_shape = [f'{k}: file {tuple(weights[k].shape)} vs model {tuple(v.shape)}'
                   for k, v in expected.items() if k in weights and weights[k].shape != v.shape]
    if missing or wrong_shape:
        found = guess_clip_arch(weights, tower)
        problems = []
        if wrong_shape:
            problems.append('shape mismatches: ' + '; '.join(wrong_shape[:5]))
        if missing:
            problems.append(f'{len(missing)} missing keys, first: ' + ', '.join(missing[:5]))
        raise CLIPWeightsError(
            f'CLIP weight file {path} does not fit the {tower} tower of '
            f'{arch_name(arch)}{f" (the file looks like {found})" if found else ""}: '
            f'{" | ".join(problems)}. Use the weight file of the same architecture, or set the '
            f'config\'s CLIP arch to the file\'s.')
    module.load_state_dict({k: weights[k] for k in expected}, strict=False)


def guess_clip_arch(tower_weights: Dict[str, torch.Tensor], tower: str) -> str:
    """A short description of the architecture a tower's weights come from, for messages."""
    try:
        if tower == 'visual':
            if 'conv1.weight' in tower_weights and 'class_embedding' in tower_weights:
                w = tower_weights['conv1.weight']
                layers = len({k.split('.')[2] for k in tower_weights
                              if k.startswith('transformer.resblocks.')})
                return f'a ViT with patch {w.shape[-1]}, width {w.shape[0]}, {layers} layers'
            if 'layer1.0.conv1.weight' in tower_weights:
                blocks = [len({k.split('.')[1] for k in tower_weights
                               if k.startswith(f'layer{i}.')}) for i in range(1, 5)]
                return (f'a modified ResNet with blocks {blocks}, width '
                        f'{tower_weights["conv3.weight"].shape[0]}')
        elif 'token_embedding.weight' in tower_weights:
            w = tower_weights['token_embedding.weight']
            return f'a text transformer of width {w.shape[1]}'
    except (KeyError, IndexError):
        pass
    return ''
