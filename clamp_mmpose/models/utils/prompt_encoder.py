"""E_prompt: one CLIP self-attention block over the K prompt embeddings."""
from open_clip.transformer import LayerNorm, QuickGELU, ResidualAttentionBlock
from torch import Tensor, nn

from .clip_block import flat_block


class PromptEncoder(nn.Module):
    """Lets the keypoint prompts exchange information (no mask, no positional embedding).

    Args:
        embed_dim: C_t.
        num_heads: attention heads (8 in CLAMP).
        quick_gelu: the block's MLP uses CLIP's QuickGELU, as the authors' does (their block
            is CLIP's own); ``False`` uses exact GELU.
    """

    def __init__(self, embed_dim: int, num_heads: int = 8, quick_gelu: bool = True):
        super().__init__()
        self.block = ResidualAttentionBlock(
            embed_dim, num_heads, act_layer=QuickGELU if quick_gelu else nn.GELU)
        self.norm = LayerNorm(embed_dim)

    def forward(self, prompts: Tensor) -> Tensor:
        """(K, C_t) -> (K, C_t)."""
        return self.norm(flat_block(self.block, prompts))
