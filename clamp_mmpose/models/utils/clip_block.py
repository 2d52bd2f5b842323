"""open_clip's ``ResidualAttentionBlock`` run on one flat token matrix, with few operator calls."""
from typing import Optional

import torch.nn.functional as F
from open_clip.transformer import ResidualAttentionBlock
from torch import Tensor


def flat_block(block: ResidualAttentionBlock, x: Tensor,
               attn_mask: Optional[Tensor] = None) -> Tensor:
    """One CLIP transformer block over N tokens held as a (N, W) matrix, with its own weights.

    The same computation as ``block(x[None], attn_mask=...)[0]`` (pre-norm self-attention and
    MLP, the block's dropout-free attention), written with the fewest operator calls: every
    linear layer sees a 2-D matrix (one ``addmm`` forward and backward, no reshapes around it)
    and the heads come from one view and one permute of the packed q/k/v projection, where
    ``nn.MultiheadAttention`` spends about three times as many calls. A step launches a kernel
    per call on the GPU, and the text encoder runs 12 of these blocks forward and backward.

    Args:
        block: an open_clip ``ResidualAttentionBlock`` (packed ``in_proj_weight``).
        x: (N, W) tokens.
        attn_mask: (N, N) bool, True where token i may attend to token j, or ``None`` (all).

    Returns:
        (N, W).
    """
    attn = block.attn
    qkv = F.linear(block.ln_1(x), attn.in_proj_weight, attn.in_proj_bias)
    # (N, 3W) -> 3 x (heads, N, W / heads)
    q, k, v = qkv.unflatten(-1, (3, attn.num_heads, -1)).permute(1, 2, 0, 3).unbind(0)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
    x = x + block.ls_1(attn.out_proj(out.transpose(0, 1).flatten(1)))
    return x + block.ls_2(block.mlp(block.ln_2(x)))
