"""CLIP's image encoder as an MMPose backbone, returning dense CLIP-space embeddings."""
from typing import NamedTuple, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from open_clip.model import _build_vision_tower
from open_clip.modified_resnet import ModifiedResNet
from open_clip.transformer import VisionTransformer
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from ..utils.clip_weights import load_clip_tower, resize_grid_table, resolve_clip_config


class CLIPImageFeatures(NamedTuple):
    """What :class:`CLIPImageEncoder` returns; the pose decoder's input comes last.

    MMPose's heads read ``feats[-1]``, so a plain ``HeatmapHead`` works on this tuple too.

    Attributes:
        dense: per-position embeddings in CLIP's joint space, (B, C_t, H, W).
        global_embedding: the image embedding (attention-pool query / CLS), (B, C_t).
        feature_map: the last feature map of the tower, (B, C_v, H, W).
    """
    dense: Tensor
    global_embedding: Tensor
    feature_map: Tensor


class TokenDropPath(nn.Module):
    """Stochastic depth that drops whole token positions, shared by the batch.

    The authors' ViT blocks run in (L, N, D) layout, so timm's per-"sample" mask of their
    DropPath drops token positions (the first axis), the same ones in every image. This module
    does that on this project's (N, L, D) tokens, for configs that train as the authors did.
    """

    def __init__(self, drop_prob: float):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: Tensor) -> Tensor:
        """x (N, L, D) -> (N, L, D)."""
        if not self.training or self.drop_prob == 0.0:
            return x
        keep = 1.0 - self.drop_prob
        mask = x.new_empty(1, x.shape[1], 1).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f'drop_prob={self.drop_prob}, per token position'


@MODELS.register_module()
class CLIPImageEncoder(BaseModule):
    """CLIP's visual tower (open_clip definitions) for top-down pose estimation.

    * Modified ResNet (RN50, ...): ``feature_map`` is layer4 (stride 32); the attention pool is
      applied at every position (each token is a query, as in DenseCLIP), giving ``dense``
      (and the pooled token as ``global_embedding``).
    * ViT (ViT-B/16, ViT-L/14, ...): ``feature_map`` is the patch tokens of the last block
      before ``ln_post`` (stride = patch size); ``dense`` is ``ln_post`` and ``proj`` applied to
      every patch token, ``global_embedding`` to the CLS token.

    Any input size works: the positional tables, stored at the arch's ``image_size`` (give the
    training size, e.g. ``dict(name='RN50', vision_cfg=dict(image_size=256))``, to store them at
    the training grid as the authors' CLAMP does), are resized bilinearly to the feature grid.

    Args:
        arch: open_clip model name (``'RN50'``, ``'ViT-B-16'``, ``'ViT-L-14'``) or an open_clip
            model-config dict.
        pretrained: CLIP weight file (OpenAI TorchScript archive or open_clip checkpoint), read
            in :meth:`init_weights`; ``None`` keeps the random initialisation.
        out_embeddings: return :class:`CLIPImageFeatures`; if ``False`` return only
            ``(feature_map,)`` and drop the attention pool / output projection (SimpleBaseline).
        drop_path_rate: stochastic depth of the last ViT block (linearly increasing).
        drop_path_mode: ``'sample'`` drops a block's branch for whole images (the usual
            stochastic depth); ``'token'`` drops token positions shared by the batch, as the
            authors' ViT does (see :class:`TokenDropPath`).
        double_class_embedding: add the class embedding to the CLS token twice (once as the
            token, once with its positional embedding), as the authors' ViT (from DenseCLIP)
            does; their checkpoints need it.
        with_cp: gradient checkpointing of the ViT blocks, to save memory.
        quick_gelu: override the activation choice (default: QuickGELU for OpenAI archs).
    """

    def __init__(self,
                 arch: Union[str, dict] = 'RN50',
                 pretrained: Optional[str] = None,
                 out_embeddings: bool = True,
                 drop_path_rate: float = 0.0,
                 drop_path_mode: str = 'sample',
                 double_class_embedding: bool = False,
                 with_cp: bool = False,
                 quick_gelu: Optional[bool] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.arch = arch
        self.pretrained = pretrained
        self.out_embeddings = out_embeddings
        self.with_cp = with_cp
        self.double_class_embedding = double_class_embedding
        if drop_path_mode not in ('sample', 'token'):
            raise ValueError(f"drop_path_mode must be 'sample' or 'token', not {drop_path_mode!r}")
        cfg = resolve_clip_config(arch)
        if quick_gelu is None:
            quick_gelu = cfg['quick_gelu']
        self.visual = _build_vision_tower(cfg['embed_dim'], cfg['vision_cfg'], quick_gelu)
        self.embed_dim = cfg['embed_dim']
        if isinstance(self.visual, ModifiedResNet):
            self.is_vit = False
            self.out_channels = self.visual.attnpool.k_proj.in_features
            self.stride = 32
            if not out_embeddings:
                self.visual.attnpool = None
        elif isinstance(self.visual, VisionTransformer):
            self.is_vit = True
            self.out_channels = self.visual.conv1.out_channels
            self.stride = self.visual.patch_size[0]
            if not out_embeddings:
                self.visual.ln_post = None
                self.visual.proj = None
            depth = len(self.visual.transformer.resblocks)
            drop_path = DropPath if drop_path_mode == 'sample' else TokenDropPath
            self.drop_paths = nn.ModuleList(
                drop_path(drop_path_rate * i / max(depth - 1, 1)) if drop_path_rate > 0
                else nn.Identity() for i in range(depth))
        else:
            raise ValueError(f'CLIPImageEncoder supports open_clip\'s ModifiedResNet and '
                             f'VisionTransformer towers, not {type(self.visual).__name__}')

    def init_weights(self):
        super().init_weights()
        if self.pretrained:
            dropped = [] if self.out_embeddings else ['attnpool.', 'ln_post.', 'proj']
            load_clip_tower(self.visual, self.pretrained, 'visual', self.arch,
                            ignore_prefixes=dropped)

    def forward(self, x: Tensor) -> Union[CLIPImageFeatures, Tuple[Tensor]]:
        """(B, 3, H, W) images -> :class:`CLIPImageFeatures` or ``(feature_map,)``."""
        if self.is_vit:
            return self._forward_vit(x)
        return self._forward_resnet(x)

    def _forward_resnet(self, x: Tensor):
        visual = self.visual
        x = visual.stem(x)
        x = visual.layer4(visual.layer3(visual.layer2(visual.layer1(x))))
        if not self.out_embeddings:
            return (x, )
        dense, global_embedding = self._dense_attention_pool(x)
        return CLIPImageFeatures(dense, global_embedding, x)

    def _dense_attention_pool(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """CLIP's attention pool with every position as a query (not only the mean token).

        The pool's tokens are the mean of the feature map and its H * W positions, each with
        its positional embedding; every token attends to all 1 + H * W of its own image. They
        are held as one flat (B * (1 + H * W), C_v) matrix, so each projection is one matrix
        product and each head split one view: the same outputs as
        ``F.multi_head_attention_forward`` with fewer operator calls (kernel launches on a
        GPU). q, k and v keep their own products: one product on the concatenated weights
        would issue fewer calls still, but copies the three 2048 x 2048 weights every step,
        which costs the CPU more time than the calls it saves.

        Args:
            x: layer4's feature map (B, C_v, H, W).

        Returns:
            ``dense`` (B, C_t, H, W), every position's output, and ``global_embedding``
            (B, C_t), the mean token's (CLIP's image embedding).
        """
        pool = self.visual.attnpool
        b, c, h, w = x.shape
        n = 1 + h * w
        tokens = x.flatten(2).transpose(1, 2)  # (B, HW, C_v)
        tokens = torch.cat([tokens.mean(dim=1, keepdim=True), tokens], dim=1)
        tokens = tokens + resize_grid_table(pool.positional_embedding, (h, w)).to(tokens.dtype)
        tokens = tokens.flatten(0, 1)  # (B * (1 + HW), C_v)
        # (B * (1 + HW), C_v) -> (B, heads, 1 + HW, C_v / heads) each
        q, k, v = (proj(tokens).view(b, n, pool.num_heads, -1).transpose(1, 2)
                   for proj in (pool.q_proj, pool.k_proj, pool.v_proj))
        out = F.scaled_dot_product_attention(q, k, v)
        out = pool.c_proj(out.transpose(1, 2).reshape(b * n, c)).view(b, n, -1)
        dense = out[:, 1:].transpose(1, 2).reshape(b, -1, h, w)
        return dense, out[:, 0]

    def _forward_vit(self, x: Tensor):
        visual = self.visual
        x = visual.conv1(x)
        b, _, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)  # (B, HW, C_v)
        cls_token = visual.class_embedding.to(x.dtype).expand(b, 1, -1)
        x = torch.cat([cls_token, x], dim=1)
        positions = resize_grid_table(visual.positional_embedding, (h, w)).to(x.dtype)
        if self.double_class_embedding:
            positions = torch.cat([positions[:1] + visual.class_embedding.to(x.dtype),
                                   positions[1:]])
        x = x + positions
        x = visual.ln_pre(x)
        for block, drop_path in zip(visual.transformer.resblocks, self.drop_paths):
            if self.with_cp and x.requires_grad:
                x = checkpoint(self._vit_block, x, block, drop_path, use_reentrant=False)
            else:
                x = self._vit_block(x, block, drop_path)
        feature_map = x[:, 1:].transpose(1, 2).reshape(b, -1, h, w)
        if not self.out_embeddings:
            return (feature_map, )
        embeddings = visual.ln_post(x) @ visual.proj  # (B, 1 + HW, C_t)
        dense = embeddings[:, 1:].transpose(1, 2).reshape(b, -1, h, w)
        return CLIPImageFeatures(dense, embeddings[:, 0], feature_map)

    @staticmethod
    def _vit_block(x: Tensor, block: nn.Module, drop_path: nn.Module) -> Tensor:
        # open_clip's ResidualAttentionBlock, with stochastic depth on both residual branches.
        x = x + drop_path(block.ls_1(block.attention(block.ln_1(x))))
        return x + drop_path(block.ls_2(block.mlp(block.ln_2(x))))
