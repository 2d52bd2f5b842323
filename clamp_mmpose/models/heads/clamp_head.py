"""CLAMP's prompt-conditioned heatmap head."""
from typing import Dict, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.heads import HeatmapHead
from mmpose.registry import MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList
from torch import Tensor, nn

from ...keypoints import resolve_keypoint_words
from ..backbones.clip_image_encoder import CLIPImageFeatures
from ..utils.clip_weights import resolve_clip_config
from ..utils.context_decoder import ContextDecoder
from ..utils.keypoint_language import (gather_keypoint_features, keypoint_score_maps,
                                       keypoints_from_target_heatmaps)
from ..utils.prompt_encoder import PromptEncoder
from ..utils.prompt_text_encoder import PromptTextEncoder

PROMPT_SOURCES = ('text', 'learnable', 'cached')


class CLAMPOutputs(NamedTuple):
    """Everything one forward of :class:`CLAMPHead` computes.

    Attributes:
        heatmaps: (B, K, H_out, W_out) keypoint heatmaps.
        score_maps: S, (B, K, H, W) cosine similarity of dense embeddings and prompts.
        prompts: image-conditioned prompts, (B, K, C_t).
    """
    heatmaps: Tensor
    score_maps: Tensor
    prompts: Tensor


@MODELS.register_module()
class CLAMPHead(HeatmapHead):
    """Top-down heatmap head conditioned on keypoint prompts (CLAMP, CVPR 2023).

    One step, for B images and K keypoints (C_t: CLIP joint-space width):

    1. prompts T (K, C_t): learnable context + keypoint names -> frozen CLIP text encoder ->
       prompt encoder. Image independent: once per training step; cached in eval mode.
    2. context decoder: P = T + gamma * Decoder(T, [global; dense]) -> (B, K, C_t).
    3. score maps S = cos(dense, P) -> (B, K, H, W).
    4. SimpleBaseline deconv decoder on concat(feature_map, S) -> heatmaps (B, K, 4H, 4W).

    Training adds the spatial loss (S upsampled by a training-only deconv stack, MSE to the GT
    heatmaps) and the feature loss (contrastive, keypoint features vs prompts).

    The backbone must return :class:`CLIPImageFeatures` (``CLIPImageEncoder`` with
    ``out_embeddings=True``). Any MMPose top-down heatmap pipeline works: the feature loss reads
    the keypoints from ``transformed_keypoints`` where the pipeline packs them
    (``PackPoseInputs(pack_transformed=True)``, exact, as the paper configs do), else from the
    peaks of the target heatmaps (exact for UDP targets, to the heatmap grid for MSRA ones).

    Args:
        in_channels: channels C_v of the backbone's feature map (2048 RN50, 768 ViT-B).
        out_channels: K.
        clip_arch: the CLIP architecture (open_clip name or config dict) of the text side.
        keypoint_names: the K keypoints: a list of names or words, a data set's metainfo
            ``dict(from_file=..., words=dict(name=words))``, or several data sets' union
            ``dict(union=[metainfo, ...], same=[(words, words), ...])``; see
            :func:`clamp_mmpose.keypoints.resolve_keypoint_words`. The text encoder
            reads each keypoint's words (``keypoint_words``), not its metainfo name.
        clip_weights: CLIP weight file; its text tower initialises the text encoder.
        prompt_source: ``'text'`` (CLAMP), ``'learnable'`` (Table S2 ablation: a trainable
            K x C_t matrix instead of the text encoder) or ``'cached'`` (inference export:
            stored prompt embeddings, no text encoder).
        num_context_tokens, context_length: the prompt layout, see :class:`PromptTextEncoder`
            (``context_length=None``: CLIP's whole context, so any keypoint's words fit).
        prompt_encoder: kwargs of :class:`PromptEncoder`.
        context_decoder: kwargs of :class:`ContextDecoder`.
        spatial_upsampler: ``deconv_out_channels`` / ``deconv_kernel_sizes`` of the
            training-only deconv stack that lifts S to the heatmap size, and its ``init``:
            ``'pytorch'`` (PyTorch's default initialisation, as the authors' stack gets: theirs
            is built after their weight initialisation) or ``'mmpose'`` (the heatmap head's
            normal std 0.001).
        keypoint_cell_rule: where the feature loss reads each keypoint's feature:
            ``'authors'`` (the authors' coarse-target cell, zero vectors for invisible keypoints
            and keypoints without a cell, see :func:`authors_keypoint_cells`) or ``'nearest'``
            (the nearest cell, clamped to the grid; invisible keypoints weigh 0 but keep
            their feature).
        with_training_parts: build the spatial upsampler and the losses' parameters
            (``False`` in exported inference models).
        loss, loss_spatial, loss_feature: the three loss configs.
        Others: as :class:`mmpose.models.heads.HeatmapHead`.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 clip_arch: Union[str, dict],
                 keypoint_names: Union[Sequence[str], dict, None] = None,
                 clip_weights: Optional[str] = None,
                 prompt_source: str = 'text',
                 num_context_tokens: int = 8,
                 context_length: Optional[int] = None,
                 prompt_encoder: dict = dict(num_heads=8),
                 context_decoder: dict = dict(
                     width=256, num_heads=4, num_layers=3, dropout=0.1, gamma_init=1e-3),
                 spatial_upsampler: dict = dict(
                     deconv_out_channels=(256, 256, 256), deconv_kernel_sizes=(4, 4, 4),
                     init='pytorch'),
                 keypoint_cell_rule: str = 'authors',
                 with_training_parts: bool = True,
                 deconv_out_channels: Sequence[int] = (256, 256, 256),
                 deconv_kernel_sizes: Sequence[int] = (4, 4, 4),
                 conv_out_channels: Optional[Sequence[int]] = None,
                 conv_kernel_sizes: Optional[Sequence[int]] = None,
                 final_layer: dict = dict(kernel_size=1),
                 loss: ConfigType = dict(type='KeypointMSELoss', use_target_weight=True),
                 loss_spatial: ConfigType = dict(
                     type='KeypointMSELoss', use_target_weight=True, loss_weight=0.4),
                 loss_feature: ConfigType = dict(type='PromptContrastiveLoss',
                                                 loss_weight=5e-4),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        # The pose decoder sees the feature map and the K score maps.
        super().__init__(
            in_channels=in_channels + out_channels,
            out_channels=out_channels,
            deconv_out_channels=deconv_out_channels,
            deconv_kernel_sizes=deconv_kernel_sizes,
            conv_out_channels=conv_out_channels,
            conv_kernel_sizes=conv_kernel_sizes,
            final_layer=final_layer,
            loss=loss,
            decoder=decoder,
            init_cfg=init_cfg)
        if prompt_source not in PROMPT_SOURCES:
            raise ValueError(f'prompt_source must be one of {PROMPT_SOURCES}, '
                             f'not {prompt_source!r}')
        self.prompt_source = prompt_source
        if keypoint_cell_rule not in ('authors', 'nearest'):
            raise ValueError(f"keypoint_cell_rule must be 'authors' or 'nearest', not "
                             f'{keypoint_cell_rule!r}')
        self.keypoint_cell_rule = keypoint_cell_rule
        self.clip_weights = clip_weights
        embed_dim = resolve_clip_config(clip_arch)['embed_dim']
        self.embed_dim = embed_dim

        self._build_prompt_side(clip_arch, keypoint_names, out_channels, num_context_tokens,
                                context_length, prompt_encoder)
        self.context_decoder = ContextDecoder(embed_dim, **context_decoder)
        self.with_training_parts = with_training_parts
        self._build_training_parts(spatial_upsampler, loss_spatial, loss_feature, out_channels)

        self._prompt_cache: Optional[Tensor] = None
        self._register_load_state_dict_pre_hook(self._clear_prompt_cache)

    def _build_prompt_side(self, clip_arch, keypoint_names, out_channels: int,
                           num_context_tokens: int, context_length: Optional[int],
                           prompt_encoder: dict) -> None:
        """Keypoint words and the prompt side for ``self.prompt_source``: the text encoder
        (``'text'``), a learnable K x C matrix (``'learnable'``) or stored prompts
        (``'cached'``), and the prompt encoder."""
        prompt_source, embed_dim = self.prompt_source, self.embed_dim
        if keypoint_names is None:
            if prompt_source == 'text':
                raise ValueError('CLAMPHead needs keypoint_names (a list, or the dataset '
                                 'metainfo dict(from_file=...)) to build the text prompts')
            keypoint_names = [f'keypoint {k}' for k in range(out_channels)]
        self.keypoint_names, self.keypoint_words = resolve_keypoint_words(keypoint_names)
        if len(self.keypoint_names) != out_channels:
            raise ValueError(
                f'CLAMPHead has out_channels={out_channels} but {len(self.keypoint_names)} '
                f'keypoint names were given ({self.keypoint_names}). Set out_channels to the '
                f'number of keypoints, or give one name per keypoint of the dataset, in the '
                f'dataset\'s keypoint order.')

        if prompt_source == 'text':
            self.text_encoder = PromptTextEncoder(clip_arch, self.keypoint_words,
                                                  num_context_tokens, context_length,
                                                  keypoint_names=self.keypoint_names)
        elif prompt_source == 'learnable':
            self.prompt_embeddings_param = nn.Parameter(torch.empty(out_channels, embed_dim))
            nn.init.trunc_normal_(self.prompt_embeddings_param, std=0.02)
        if prompt_source == 'cached':
            # Stored T of a trained model (see clamp_mmpose/export): no text side at all.
            self.register_buffer('cached_prompts', torch.zeros(out_channels, embed_dim))
        else:
            self.prompt_encoder = PromptEncoder(embed_dim, **prompt_encoder)

    def _build_training_parts(self, spatial_upsampler: dict, loss_spatial: ConfigType,
                              loss_feature: ConfigType, out_channels: int) -> None:
        """The spatial-loss upsampler and the spatial and feature losses (training only)."""
        self.spatial_upsampler_init = spatial_upsampler.get('init', 'pytorch')
        if self.spatial_upsampler_init not in ('pytorch', 'mmpose'):
            raise ValueError(f"spatial_upsampler init must be 'pytorch' or 'mmpose', not "
                             f'{self.spatial_upsampler_init!r}')
        if self.with_training_parts:
            self.spatial_upsampler = nn.Sequential(
                self._make_deconv_layers(
                    in_channels=out_channels,
                    layer_out_channels=spatial_upsampler['deconv_out_channels'],
                    layer_kernel_sizes=spatial_upsampler['deconv_kernel_sizes']),
                nn.Conv2d(spatial_upsampler['deconv_out_channels'][-1], out_channels, 1))
            self.loss_spatial_module = MODELS.build(loss_spatial)
            self.loss_feature_module = MODELS.build(loss_feature)

    # ---------------------------------------------------------------- prompts (image independent)
    def init_weights(self):
        super().init_weights()
        if self.with_training_parts and self.spatial_upsampler_init == 'pytorch':
            for m in self.spatial_upsampler.modules():
                if hasattr(m, 'reset_parameters'):
                    m.reset_parameters()
        if self.prompt_source == 'text' and self.clip_weights:
            self.text_encoder.load_pretrained(self.clip_weights)
        self._prompt_cache = None

    def encode_prompts(self) -> Tensor:
        """T: the K prompt embeddings (K, C_t) before the image is seen."""
        if self.prompt_source == 'cached':
            return self.cached_prompts
        if self.prompt_source == 'text':
            prompts = self.text_encoder()
        else:
            prompts = self.prompt_embeddings_param
        return self.prompt_encoder(prompts)

    def prompt_embeddings(self) -> Tensor:
        """T, computed once per call in training and once per loaded model in eval mode."""
        if self.training:
            return self.encode_prompts()
        if self._prompt_cache is None:
            with torch.no_grad():
                self._prompt_cache = self.encode_prompts().float()
        return self._prompt_cache

    def train(self, mode: bool = True):
        self._prompt_cache = None
        return super().train(mode)

    def _apply(self, fn, *args, **kwargs):
        # .to() / .cuda() / .half(): recompute the cache on the new device and dtype.
        self._prompt_cache = None
        return super()._apply(fn, *args, **kwargs)

    def _clear_prompt_cache(self, *args, **kwargs):
        self._prompt_cache = None

    # ---------------------------------------------------------------------------- image path
    def forward_all(self, feats: Tuple[Tensor]) -> CLAMPOutputs:
        """Backbone features -> :class:`CLAMPOutputs` (heatmaps, score maps, prompts)."""
        if not isinstance(feats, CLIPImageFeatures):
            if len(feats) != 3:
                raise TypeError(
                    'CLAMPHead needs the dense CLIP embeddings: use CLIPImageEncoder with '
                    'out_embeddings=True as the backbone (it returns dense, global, feature map)')
            feats = CLIPImageFeatures(*feats)
        prompts = self.context_decoder(self.prompt_embeddings(), feats.global_embedding,
                                       feats.dense)
        score_maps = keypoint_score_maps(feats.dense, prompts)
        x = torch.cat([feats.feature_map, score_maps.to(feats.feature_map.dtype)], dim=1)
        heatmaps = self.final_layer(self.conv_layers(self.deconv_layers(x)))
        return CLAMPOutputs(heatmaps, score_maps, prompts)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Backbone features -> heatmaps (B, K, H_out, W_out)."""
        return self.forward_all(feats).heatmaps

    def predict(self, feats, batch_data_samples: OptSampleList, test_cfg: ConfigType = {}):
        if batch_data_samples:
            self._check_keypoint_count(batch_data_samples[0].metainfo, 'the test data')
        return super().predict(feats, batch_data_samples, test_cfg)

    # ---------------------------------------------------------------------------------- losses
    def loss(self, feats: Tuple[Tensor], batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> Dict[str, Tensor]:
        """Heatmap, spatial and feature losses (``loss_kpt``, ``loss_spatial``,
        ``loss_feature``) and ``acc_pose``."""
        if not self.with_training_parts:
            raise RuntimeError('This is an exported inference model (with_training_parts=False): '
                               'train with the original CLAMP config instead.')
        self._check_keypoint_count(batch_data_samples[0].metainfo, 'the training data')
        outputs = self.forward_all(feats)
        if not all('gt_fields' in d and 'heatmaps' in d.gt_fields for d in batch_data_samples):
            raise KeyError(
                'CLAMPHead trains on target heatmaps, which these samples lack: the train '
                'pipeline needs dict(type=\'GenerateTarget\', encoder=codec) with a heatmap codec '
                '(MSRAHeatmap, UDPHeatmap, ...) before PackPoseInputs')
        gt_heatmaps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        keypoint_weights = torch.cat(
            [d.gt_instance_labels.keypoint_weights for d in batch_data_samples])

        losses = dict(loss_kpt=self.loss_module(outputs.heatmaps, gt_heatmaps, keypoint_weights))
        upsampled = self.spatial_upsampler(outputs.score_maps.to(outputs.heatmaps.dtype))
        losses['loss_spatial'] = self.loss_spatial_module(upsampled, gt_heatmaps,
                                                          keypoint_weights)

        dense = feats[0]
        input_size = batch_data_samples[0].metainfo['input_size']
        keypoints, found = self._feature_loss_keypoints(batch_data_samples, gt_heatmaps,
                                                        input_size)
        stride = input_size[0] / dense.shape[-1]
        if self.keypoint_cell_rule == 'authors':  # their coarse target starts from visibility
            weights = self._keypoint_visibility(batch_data_samples, keypoint_weights)
        else:
            weights = keypoint_weights
        weights = weights * found
        features, weights = gather_keypoint_features(dense, keypoints, stride, weights,
                                                     self.keypoint_cell_rule)
        losses['loss_feature'] = self.loss_feature_module(features, outputs.prompts, weights)

        if train_cfg.get('compute_acc', True):
            losses['acc_pose'] = heatmap_pck_accuracy(outputs.heatmaps, gt_heatmaps,
                                                      keypoint_weights)
        return losses

    def _feature_loss_keypoints(self, batch_data_samples, gt_heatmaps: Tensor,
                                input_size) -> Tuple[Tensor, Tensor]:
        """(B, K, 2) keypoints in input pixels for the feature loss, and (B, K) whether each is
        known: ``transformed_keypoints`` where packed, else the target heatmaps' peaks."""
        if all('transformed_keypoints' in d.gt_instances for d in batch_data_samples):
            # One instance per top-down sample: (1, K, 2) each.
            keypoints = torch.from_numpy(np.stack([
                np.asarray(d.gt_instances.transformed_keypoints)[0, :, :2]
                for d in batch_data_samples])).to(device=gt_heatmaps.device, dtype=torch.float32)
            return keypoints, torch.ones(keypoints.shape[:2], dtype=torch.bool,
                                         device=keypoints.device)
        udp = type(self.decoder).__name__ == 'UDPHeatmap' if self.decoder else False
        return keypoints_from_target_heatmaps(gt_heatmaps.float(), tuple(input_size), udp)

    @staticmethod
    def _keypoint_visibility(batch_data_samples, keypoint_weights: Tensor) -> Tensor:
        """(B, K) visibility of the annotated keypoints; the codec's weights where a sample
        carries none (they differ only for keypoints off the heatmap)."""
        if not all('keypoints_visible' in d.gt_instances for d in batch_data_samples):
            return keypoint_weights
        # KeypointConverter packs (1, K, 2): visibility and its weight.
        return torch.cat([
            torch.as_tensor(np.asarray(d.gt_instances.keypoints_visible), dtype=torch.float32)
            .reshape(1, keypoint_weights.shape[1], -1)[..., 0] for d in batch_data_samples
        ]).to(keypoint_weights.device)

    def _check_keypoint_count(self, metainfo: dict, what: str) -> None:
        flip_indices = metainfo.get('flip_indices')
        if flip_indices is not None and len(flip_indices) != self.out_channels:
            raise ValueError(
                f'{what} has {len(flip_indices)} keypoints but CLAMPHead was built for '
                f'{self.out_channels} ({", ".join(self.keypoint_names)}). Set '
                f'model.head.out_channels and model.head.keypoint_names to the dataset\'s '
                f'keypoints (e.g. keypoint_names=dict(from_file=<its metainfo file>)).')


@torch.compiler.disable
def heatmap_pck_accuracy(heatmaps: Tensor, gt_heatmaps: Tensor,
                         keypoint_weights: Tensor) -> Tensor:
    """MMPose's ``acc_pose``: PCK of the heatmaps' peaks against the targets' (a logged metric).

    It is numpy code, run outside ``torch.compile``: traced, it breaks the compiled step into
    about fifteen graphs (``np.unravel_index``, data-dependent masks).

    Args:
        heatmaps, gt_heatmaps: (B, K, H, W).
        keypoint_weights: (B, K); keypoints of weight 0 are not scored.

    Returns:
        A 0-dim tensor on the heatmaps' device.
    """
    # float(): numpy has no bfloat16 (autocast on CPUs and recent GPUs).
    _, avg_acc, _ = pose_pck_accuracy(output=to_numpy(heatmaps.float()),
                                      target=to_numpy(gt_heatmaps),
                                      mask=to_numpy(keypoint_weights) > 0)
    return torch.tensor(avg_acc, device=gt_heatmaps.device)
