"""The authors' released CLAMP checkpoints (MMPose 0.x) in this plugin's format.

The authors' ``epoch_210.pth`` files hold the whole model, CLIP text tower included, under their
key names. The conversion reads the architecture off the weights' shapes (or checks it against
the one given), maps every tensor onto this plugin's ``TopdownPoseEstimator`` with
``CLIPImageEncoder`` and ``CLAMPHead``, loads the result strictly, and writes into the output
folder:

* ``<name>.pth``: the checkpoint (``state_dict`` and ``meta``);
* ``<name>.py``: a self-contained config that builds this model without any CLIP weight file, with
  every setting that makes it compute what the authors' code computes (see docs/authors_code.md),
  and the AP-10K data settings of the matching paper config.

Nothing is written unless every tensor of the authors' model has landed somewhere (or is one of
the few that their forward never reads, listed in :data:`UNUSED_OFFICIAL_KEYS`).
"""
import math
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

import torch

# The authors' prompt words for AP-10K's 17 keypoints (their configs, all three archs): the
# AP-10K words of clamp_mmpose/keypoints/keypoint_words.json, their one source.
from ..keypoints import AUTHORS_KEYPOINT_WORDS

# Tensors of the authors' model that their forward never reads, and why.
UNUSED_OFFICIAL_KEYS = {
    'prompt_encoder.positional_embedding':
        'created by their prompt encoder, never added (it has no positional embedding)',
    'prompt_encoder.text_projection': 'created by their prompt encoder, never applied',
    'text_projection': 'applied only when the prompt and dense widths differ; they are equal',
}

# Heads the authors' configs use; attention heads cannot be read off the weights.
TEXT_HEADS = 8  # the text encoder, in all three configs (CLIP ViT-L/14's own has 12)
PROMPT_ENCODER_HEADS = 8
CONTEXT_DECODER_HEADS = 4
ATTENTION_POOL_HEADS = 32  # hard-coded in their CLIPResNetWithAttention

# The paper configs whose data settings, schedule and evaluation a converted config takes.
PAPER_CONFIGS = {
    'RN50': 'ap10k/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py',
    'ViT-B-16': 'ap10k/clamp_clip-vit-b16_4xb32-210e_ap10k-256x256.py',
    'ViT-L-14': 'ap10k/clamp_clip-vit-l14_4xb32-210e_ap10k-224x224.py',
}


class OfficialCheckpointError(ValueError):
    """An authors' checkpoint that cannot be converted; the message names the file and cause."""


def load_official_checkpoint(path: str) -> Dict[str, torch.Tensor]:
    """The state dict of an authors' checkpoint (``{'state_dict': ...}`` or a bare one).

    Read with the package's safe loader: what MMCV 1.x writes (meta with config text, versions,
    numpy scores, optimizer state) loads on every torch; a file whose pickle names anything else
    is refused before any of it runs (see :mod:`clamp_mmpose.utils.safe_checkpoint`).
    """
    from ..utils.safe_checkpoint import UnsafeCheckpointError, load_checkpoint_file
    if not osp.isfile(path):
        raise OfficialCheckpointError(f'{path}: no such file. Give the path of the authors\' '
                                      f'epoch_210.pth (from the archive their README links).')
    try:
        ckpt = load_checkpoint_file(path, map_location='cpu')
    except UnsafeCheckpointError as err:  # names the file, what it holds and how to trust it
        raise OfficialCheckpointError(str(err)) from err
    except Exception as err:  # noqa: BLE001 - reported with the file name
        raise OfficialCheckpointError(
            f'{path} cannot be read as a PyTorch checkpoint ({type(err).__name__}: {err}); the '
            f'file may be truncated: download it again.') from err
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor)
                                              for v in state.values()):
        raise OfficialCheckpointError(f'{path} does not hold a state dict of tensors.')
    return {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}


def _count(state: Dict[str, torch.Tensor], pattern: str) -> int:
    found = {m.group(1) for k in state for m in [re.match(pattern, k)] if m}
    return len(found)


def _deconv_stack(state: Dict[str, torch.Tensor], prefix: str) -> Tuple[List[int], List[int]]:
    """Output channels and kernel sizes of a deconv stack (ConvTranspose2d, BN, ReLU)*."""
    channels, kernels = [], []
    i = 0
    while f'{prefix}.{3 * i}.weight' in state:
        w = state[f'{prefix}.{3 * i}.weight']  # (in, out, k, k)
        channels.append(int(w.shape[1]))
        kernels.append(int(w.shape[-1]))
        i += 1
    return channels, kernels


def describe_official_model(state: Dict[str, torch.Tensor], path: str = 'the checkpoint') -> dict:
    """Everything about the authors' model that its weights tell, as a dict.

    Keys: ``family`` ('RN50', 'ViT-B-16' or 'ViT-L-14': the paper config it resembles),
    ``clip_arch`` (an open_clip config dict), ``num_keypoints``, ``feature_channels``,
    ``decoder`` / ``spatial_upsampler`` (deconv channels and kernels), ``context_decoder``,
    ``num_context_tokens``, ``input_size``.
    """
    if 'text_encoder.token_embedding.weight' not in state:
        if any(k.startswith('keypoint_head.') for k in state) and \
                any(k.startswith('backbone.') for k in state):
            raise OfficialCheckpointError(
                f'{path} is a checkpoint of the authors\' TopDown baseline (SimpleBaseline: a '
                f'backbone and a keypoint head, no text encoder), not of CLAMP. Train the '
                f'baseline with configs/ap10k/simplebaseline_*.py, or convert a CLAMP '
                f'checkpoint.')
        raise OfficialCheckpointError(
            f'{path} is not a CLAMP checkpoint of the authors\' code: it has no '
            f'text_encoder.token_embedding.weight (first keys: {", ".join(list(state)[:5])}).')
    text_width = state['text_encoder.token_embedding.weight'].shape[1]
    embed_dim = state['text_encoder.text_projection'].shape[1]
    text_cfg = dict(
        context_length=int(state['text_encoder.positional_embedding'].shape[0]),
        vocab_size=int(state['text_encoder.token_embedding.weight'].shape[0]),
        width=int(text_width), heads=TEXT_HEADS,
        layers=_count(state, r'text_encoder\.transformer\.resblocks\.(\d+)\.'))

    if 'backbone.class_embedding' in state:
        conv1 = state['backbone.conv1.weight']
        width, patch = int(conv1.shape[0]), int(conv1.shape[-1])
        grid = math.isqrt(state['backbone.positional_embedding'].shape[0] - 1)
        vision_cfg = dict(layers=_count(state, r'backbone\.transformer\.resblocks\.(\d+)\.'),
                          width=width, head_width=64, patch_size=patch, image_size=grid * patch,
                          mlp_ratio=state['backbone.transformer.resblocks.0.mlp.c_fc.weight']
                          .shape[0] / width)
        family = 'ViT-L-14' if patch == 14 else 'ViT-B-16'
        feature_channels, stride = width, patch
        visual_embed = state['backbone.proj'].shape[1]
    elif 'backbone.layer1.0.conv1.weight' in state:
        width = int(state['backbone.conv3.weight'].shape[0])
        grid = math.isqrt(state['backbone.attnpool.positional_embedding'].shape[0] - 1)
        layers = [_count(state, rf'backbone\.layer{i}\.(\d+)\.') for i in range(1, 5)]
        # open_clip: heads = width * 32 // head_width.
        vision_cfg = dict(layers=layers, width=width, image_size=grid * 32,
                          head_width=width * 32 // ATTENTION_POOL_HEADS)
        family, feature_channels, stride = 'RN50', width * 32, 32
        visual_embed = state['backbone.attnpool.c_proj.weight'].shape[0]
    else:
        raise OfficialCheckpointError(
            f'{path}: the backbone is neither the authors\' CLIPResNetWithAttention nor their '
            f'CLIPVisionTransformer (no backbone.class_embedding or backbone.layer1.*).')
    if visual_embed != embed_dim:
        raise OfficialCheckpointError(
            f'{path}: the dense embeddings have {visual_embed} channels but the prompts '
            f'{embed_dim}; the authors\' released configs have equal widths.')

    num_keypoints = int(state['keypoint_head.final_layer.weight'].shape[0])
    decoder_width = int(state['context_decoder.text_proj.1.weight'].shape[0])
    return dict(
        family=family,
        clip_arch=dict(embed_dim=int(embed_dim), quick_gelu=True, vision_cfg=vision_cfg,
                       text_cfg=text_cfg),
        num_keypoints=num_keypoints,
        feature_channels=feature_channels,
        input_size=grid * stride,
        num_context_tokens=int(state['contexts'].shape[1]),
        decoder=_deconv_stack(state, 'keypoint_head.deconv_layers'),
        spatial_upsampler=_deconv_stack(state, 'upconv_head.deconv_layers'),
        context_decoder=dict(
            width=decoder_width, num_heads=CONTEXT_DECODER_HEADS,
            num_layers=_count(state, r'context_decoder\.decoder\.(\d+)\.'), dropout=0.1,
            gamma_init=1e-3))


# (authors' prefix, this plugin's prefix), first match wins.
_PREFIX_MAP = (
    ('backbone.', 'backbone.visual.'),
    ('text_encoder.', 'head.text_encoder.clip_text.'),
    ('prompt_encoder.transformer.resblocks.0.', 'head.prompt_encoder.block.'),
    ('prompt_encoder.ln_final.', 'head.prompt_encoder.norm.'),
    ('context_decoder.text_proj.', 'head.context_decoder.query_proj.'),
    ('context_decoder.decoder.', 'head.context_decoder.layers.'),
    ('context_decoder.', 'head.context_decoder.'),
    ('keypoint_head.', 'head.'),
    ('upconv_head.deconv_layers.', 'head.spatial_upsampler.0.'),
    ('upconv_head.final_layer.', 'head.spatial_upsampler.1.'),
)
_EXACT_MAP = {'gamma': 'head.context_decoder.gamma',
              'logit_scale': 'head.loss_feature_module.logit_scale',
              'contexts': 'head.text_encoder.context'}


def official_key(key: str) -> Optional[str]:
    """This plugin's key for one of the authors' keys (``None``: not part of the mapping)."""
    if key in _EXACT_MAP:
        return _EXACT_MAP[key]
    for theirs, ours in _PREFIX_MAP:
        if key.startswith(theirs):
            new = ours + key[len(theirs):]
            # Their attention's output projection is called `proj`.
            return re.sub(r'(self_attn|cross_attn)\.proj\.', r'\1.out_proj.', new)
    return None


def map_official_state_dict(state: Dict[str, torch.Tensor], expected: Dict[str, torch.Tensor],
                            path: str = 'the checkpoint') -> Dict[str, torch.Tensor]:
    """The authors' state dict under this plugin's keys, checked strictly against ``expected``.

    Raises :class:`OfficialCheckpointError` naming every tensor that lands nowhere, every tensor
    of this plugin's model that nothing fills, and every shape that differs.
    """
    mapped, unplaced = {}, []
    for key, value in state.items():
        if key in UNUSED_OFFICIAL_KEYS:
            continue
        new = official_key(key)
        if new is None or new not in expected:
            unplaced.append(key)
            continue
        if key == 'contexts':  # (1, M, W) -> (M, W)
            value = value[0]
        mapped[new] = value.to(expected[new].dtype)
    unfilled = [k for k in expected if k not in mapped]
    wrong = [f'{k}: {tuple(v.shape)} vs {tuple(expected[k].shape)}'
             for k, v in mapped.items() if v.shape != expected[k].shape]
    if unplaced or unfilled or wrong:
        problems = []
        if unplaced:
            problems.append(f'{len(unplaced)} of its tensors have no place in this plugin\'s '
                            f'model: {", ".join(unplaced[:8])}')
        if unfilled:
            problems.append(f'{len(unfilled)} tensors of this plugin\'s model are not in it: '
                            f'{", ".join(unfilled[:8])}')
        if wrong:
            problems.append('shapes differ (checkpoint vs model): ' + '; '.join(wrong[:8]))
        raise OfficialCheckpointError(
            f'{path} does not convert strictly: ' + ' | '.join(problems) + '. Is it a '
            'checkpoint of the authors\' CLAMP configs (CLAMP_res50 / CLAMP_ViTB / CLAMP_ViTL)?')
    return mapped


def official_model_config(spec: dict) -> dict:
    """This plugin's model config that computes what the authors' model of ``spec`` computes."""
    arch = spec['clip_arch']
    vit = spec['family'] != 'RN50'
    backbone = dict(type='CLIPImageEncoder', arch=arch, pretrained=None,
                    double_class_embedding=True)
    if vit:
        backbone.update(drop_path_rate=0.4, drop_path_mode='token')
    decoder_channels, decoder_kernels = spec['decoder']
    spatial_channels, spatial_kernels = spec['spatial_upsampler']
    spatial_weight = {'RN50': 0.4, 'ViT-B-16': 2.0, 'ViT-L-14': 1.0}[spec['family']]
    head = dict(
        type='CLAMPHead',
        in_channels=spec['feature_channels'],
        out_channels=spec['num_keypoints'],
        clip_arch=arch,
        clip_weights=None,
        keypoint_names=list(AUTHORS_KEYPOINT_WORDS),
        num_context_tokens=spec['num_context_tokens'],
        context_length=arch['text_cfg']['context_length'],
        prompt_encoder=dict(num_heads=PROMPT_ENCODER_HEADS, quick_gelu=True),
        context_decoder=spec['context_decoder'],
        spatial_upsampler=dict(deconv_out_channels=tuple(spatial_channels),
                               deconv_kernel_sizes=tuple(spatial_kernels), init='pytorch'),
        keypoint_cell_rule='authors',
        deconv_out_channels=tuple(decoder_channels),
        deconv_kernel_sizes=tuple(decoder_kernels),
        loss_spatial=dict(type='KeypointMSELoss', use_target_weight=True,
                          loss_weight=spatial_weight),
        loss_feature=dict(type='PromptContrastiveLoss', loss_weight=5e-4,
                          max_logit_scale=None))
    return dict(backbone=backbone, head=head)


def official_codec(input_size: int) -> dict:
    """The authors' heatmap codec at ``input_size``: 64x64 MSRA heatmaps, decoded with MMPose
    0.x's border rule (:class:`~clamp_mmpose.codecs.InteriorRefineMSRAHeatmap`)."""
    return dict(type='InteriorRefineMSRAHeatmap', input_size=(input_size, input_size),
                heatmap_size=(64, 64), sigma=2)


def convert_official_checkpoint(checkpoint: str, out_dir: str, arch: Optional[str] = None,
                                name: Optional[str] = None) -> Tuple[str, str]:
    """Convert ``checkpoint``; returns the paths of the written config and checkpoint."""
    import clamp_mmpose  # noqa: F401  (registers the components)
    from mmengine.config import Config
    from mmpose.registry import MODELS

    from ..utils.config_path import project_config

    state = load_official_checkpoint(checkpoint)
    spec = describe_official_model(state, checkpoint)
    if arch is not None:
        if arch not in PAPER_CONFIGS:
            raise OfficialCheckpointError(f'--arch must be one of {", ".join(PAPER_CONFIGS)}, '
                                          f'not {arch!r}')
        expected_width = {'RN50': 64, 'ViT-B-16': 768, 'ViT-L-14': 1024}[arch]
        vision = spec['clip_arch']['vision_cfg']
        if spec['family'] != arch or vision['width'] != expected_width:
            raise OfficialCheckpointError(
                f'{checkpoint} holds a {spec["family"]}-type model of width {vision["width"]} '
                f'(read off its weights), not {arch}: convert it without --arch, or give the '
                f'checkpoint of {arch}.')
    if spec['num_keypoints'] != len(AUTHORS_KEYPOINT_WORDS):
        raise OfficialCheckpointError(
            f'{checkpoint} predicts {spec["num_keypoints"]} keypoints; the authors\' CLAMP '
            f'models are AP-10K models with {len(AUTHORS_KEYPOINT_WORDS)}.')

    cfg = Config.fromfile(project_config(PAPER_CONFIGS[spec['family']]))
    # The weights hold the whole model: no CLIP file, and the arch read off the weights.
    cfg.clip_arch, cfg.clip_weights = spec['clip_arch'], None
    cfg.model.update(official_model_config(spec))
    size = spec['input_size']
    cfg.codec = official_codec(size)
    cfg.model.head.decoder = cfg.codec
    cfg.model.test_cfg = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True)
    cfg.load_from = None

    model = MODELS.build(cfg.model)
    mapped = map_official_state_dict(state, model.state_dict(), checkpoint)
    model.load_state_dict(mapped, strict=True)

    name = name or osp.splitext(osp.basename(checkpoint))[0]
    name = f'clamp_{spec["family"].lower().replace("-", "")}_authors_{name}'
    os.makedirs(out_dir, exist_ok=True)
    cfg_path, ckpt_path = osp.join(out_dir, name + '.py'), osp.join(out_dir, name + '.pth')
    cfg.dump(cfg_path)
    torch.save(dict(state_dict=mapped,
                    meta=dict(converted_from=osp.abspath(checkpoint), family=spec['family'])),
               ckpt_path)
    return cfg_path, ckpt_path
