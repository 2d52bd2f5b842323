"""Feature-aware adaptation: keypoint prompts refined by attending to the image."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class MultiHeadAttention(nn.Module):
    """Attention with bias-free q/k/v projections and a biased output projection.

    Works on flat token matrices (every linear layer then runs as one ``addmm`` with no reshape
    around it, forward and backward): queries (B * Q, D) and keys/values (B * N, D) of B images.
    Self-attention projects q, k and v with one matrix product, cross-attention k and v with
    one, on the concatenated weights: the same outputs with fewer, larger calls.
    """

    def __init__(self, width: int, num_heads: int, dropout: float = 0.0):
        super().__init__()
        if width % num_heads:
            raise ValueError(f'width {width} is not divisible by num_heads {num_heads}')
        self.num_heads = num_heads
        self.q_proj = nn.Linear(width, width, bias=False)
        self.k_proj = nn.Linear(width, width, bias=False)
        self.v_proj = nn.Linear(width, width, bias=False)
        self.out_proj = nn.Linear(width, width)
        self.out_drop = nn.Dropout(dropout)

    def _heads(self, x: Tensor, batch: int, parts: int) -> Tensor:
        """(B * L, parts * D) -> (parts, B, heads, L, D / heads)."""
        return x.view(batch, -1, parts, self.num_heads, x.shape[-1] // parts // self.num_heads
                      ).permute(2, 0, 3, 1, 4)

    def forward(self, query: Tensor, key_value: Optional[Tensor], batch: int) -> Tensor:
        """query (B * Q, D), key_value (B * N, D) or ``None`` (self-attention) -> (B * Q, D)."""
        if key_value is None:
            weight = torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight])
            q, k, v = self._heads(F.linear(query, weight), batch, 3).unbind(0)
        else:
            q = self._heads(self.q_proj(query), batch, 1)[0]
            weight = torch.cat([self.k_proj.weight, self.v_proj.weight])
            k, v = self._heads(F.linear(key_value, weight), batch, 2).unbind(0)
        out = F.scaled_dot_product_attention(q, k, v)  # (B, heads, Q, D / heads)
        return self.out_drop(self.out_proj(out.transpose(1, 2).reshape(query.shape)))


class ContextDecoderLayer(nn.Module):
    """Pre-norm transformer decoder layer: self-attention, cross-attention, 4x GELU MLP."""

    def __init__(self, width: int, num_heads: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.self_attn = MultiHeadAttention(width, num_heads, dropout)
        self.norm2 = nn.LayerNorm(width)
        self.cross_attn = MultiHeadAttention(width, num_heads, dropout)
        self.norm3 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(4 * width, width))
        self.mlp_drop = nn.Dropout(dropout)

    def forward(self, queries: Tensor, memory: Tensor, batch: int) -> Tensor:
        """queries (B * K, D), memory (B * N, D) of B images -> (B * K, D)."""
        queries = queries + self.self_attn(self.norm1(queries), None, batch)
        queries = queries + self.cross_attn(self.norm2(queries), memory, batch)
        return queries + self.mlp_drop(self.mlp(self.norm3(queries)))


class ContextDecoder(nn.Module):
    """Image-conditioned prompts: ``P = T + gamma * Decoder(T, [global; dense])``.

    The K text embeddings are the queries, the image's global embedding followed by its H*W
    dense embeddings the memory. ``gamma`` is per channel and starts small (1e-3), so training
    starts from the pure text prompts.

    Args:
        embed_dim: C_t, the CLIP joint-space width.
        width: decoder width (256).
        num_heads: attention heads (4).
        num_layers: decoder layers (3).
        dropout: dropout in the decoder layers (0.1).
        gamma_init: initial value of gamma.
    """

    def __init__(self, embed_dim: int, width: int = 256, num_heads: int = 4,
                 num_layers: int = 3, dropout: float = 0.1, gamma_init: float = 1e-3):
        super().__init__()
        self.memory_proj = nn.Sequential(
            nn.LayerNorm(embed_dim), nn.Linear(embed_dim, width), nn.LayerNorm(width))
        self.query_proj = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, width))
        self.layers = nn.ModuleList(
            ContextDecoderLayer(width, num_heads, dropout) for _ in range(num_layers))
        self.out_proj = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, embed_dim))
        self.gamma = nn.Parameter(torch.full((embed_dim, ), gamma_init))
        self.apply(self._init_module)

    @staticmethod
    def _init_module(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, text: Tensor, global_embedding: Tensor, dense: Tensor) -> Tensor:
        """text (K, C_t), global_embedding (B, C_t), dense (B, C_t, H, W) -> (B, K, C_t)."""
        b = dense.shape[0]
        # Flat token matrices, (B * (1 + H * W), C_t) and (B * K, width): see MultiHeadAttention.
        memory = torch.cat([global_embedding[:, None], dense.flatten(2).transpose(1, 2)], dim=1)
        memory = self.memory_proj(memory.flatten(0, 1))
        queries = self.query_proj(text).repeat(b, 1)
        for layer in self.layers:
            queries = layer(queries, memory, b)
        return text + self.gamma * self.out_proj(queries).view(b, text.shape[0], -1)
