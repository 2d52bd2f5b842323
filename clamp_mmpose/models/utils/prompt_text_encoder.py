"""Keypoint prompts through CLIP's frozen text encoder, with a learnable shared context."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from open_clip.model import _build_text_tower
from open_clip.tokenizer import SimpleTokenizer
from open_clip.transformer import ResidualAttentionBlock
from torch import Tensor, nn

from ...keypoints import check_words_fit, prompt_length
from .clip_weights import load_clip_tower, resolve_clip_config


def suffix_attention_mask(prefix_length: int, suffix_length: int) -> Tensor:
    """(S, P + S) bool: a suffix token sees the whole prefix and the suffix tokens up to
    itself."""
    visible = torch.ones(suffix_length, prefix_length + suffix_length, dtype=torch.bool)
    visible[:, prefix_length:] = visible[:, prefix_length:].tril()
    return visible


def shared_prefix_block(block: ResidualAttentionBlock, prefix: Tensor, suffixes: Tensor,
                        suffix_mask: Tensor) -> Tuple[Tensor, Tensor]:
    """One causal CLIP text block over K sequences that share their first P tokens.

    Under the causal mask the shared tokens never see what follows them, so their states are the
    same in all K sequences: they are computed once, and each sequence's own tokens attend to
    them and, causally, to each other. Equal to running the block on the K full sequences.

    Args:
        block: an open_clip ``ResidualAttentionBlock`` (batch-first, packed q/k/v projection).
        prefix: the shared tokens, (1, P, W).
        suffixes: each sequence's own tokens, (K, S, W).
        suffix_mask: :func:`suffix_attention_mask` of (P, S).

    Returns:
        the block's output for both, (1, P, W) and (K, S, W).
    """
    attn = block.attn
    k = suffixes.shape[0]
    num_heads = attn.num_heads

    def heads(x: Tensor) -> Tensor:  # (N, L, W) -> (N, heads, L, W / heads)
        return x.unflatten(-1, (num_heads, -1)).transpose(1, 2)

    q_p, k_p, v_p = map(heads, F.linear(block.ln_1(prefix), attn.in_proj_weight,
                                        attn.in_proj_bias).chunk(3, dim=-1))
    q_s, k_s, v_s = map(heads, F.linear(block.ln_1(suffixes), attn.in_proj_weight,
                                        attn.in_proj_bias).chunk(3, dim=-1))
    prefix_out = F.scaled_dot_product_attention(q_p, k_p, v_p, is_causal=True)
    suffix_out = F.scaled_dot_product_attention(
        q_s, torch.cat([k_p.expand(k, -1, -1, -1), k_s], dim=2),
        torch.cat([v_p.expand(k, -1, -1, -1), v_s], dim=2), attn_mask=suffix_mask)

    def merge(x: Tensor) -> Tensor:  # (N, heads, L, W / heads) -> (N, L, W)
        return attn.out_proj(x.transpose(1, 2).flatten(2))

    prefix = prefix + block.ls_1(merge(prefix_out))
    suffixes = suffixes + block.ls_1(merge(suffix_out))
    prefix = prefix + block.ls_2(block.mlp(block.ln_2(prefix)))
    suffixes = suffixes + block.ls_2(block.mlp(block.ln_2(suffixes)))
    return prefix, suffixes


class PromptTextEncoder(nn.Module):
    """E_text: ``[SOT][ctx x M][keypoint name][EOT][pad]`` through CLIP's text transformer.

    The M context vectors (CoOp) are shared by all keypoints and are the only trainable part:
    the CLIP text tower is frozen (``requires_grad=False``), but it stays in the autograd graph
    so that gradients reach the context. The sequence is ``context_length`` tokens long (CLIP's
    positional embedding truncated to it); the output is ``ln_final`` at EOT times
    ``text_projection``.

    SOT and the context are the same in every prompt, and CLIP's text transformer is causal, so
    their states are computed once per step rather than once per keypoint
    (:func:`shared_prefix_block`): about a third of the work of K full sequences.

    Args:
        arch: open_clip model name or config dict (its ``text_cfg`` and ``embed_dim``).
        keypoint_words: the K keypoints' words (see :mod:`clamp_mmpose.keypoints`).
        num_context_tokens: M.
        context_length: the most tokens a prompt may have (SOT + M + words + EOT); ``None``:
            the text tower's own (77). Only tokens up to the longest prompt's EOT are computed,
            so it changes no result, only which words fit (the authors' configs: 13).
        keypoint_names: the data set's names of the keypoints, for error messages.
        pretrained: CLIP weight file whose text tower is loaded by :meth:`load_pretrained`.
    """

    def __init__(self,
                 arch: Union[str, dict],
                 keypoint_words: Sequence[str],
                 num_context_tokens: int = 8,
                 context_length: Optional[int] = None,
                 quick_gelu: Optional[bool] = None,
                 keypoint_names: Optional[Sequence[str]] = None):
        super().__init__()
        self.arch = arch
        cfg = resolve_clip_config(arch)
        text = _build_text_tower(cfg['embed_dim'], cfg['text_cfg'],
                                 cfg['quick_gelu'] if quick_gelu is None else quick_gelu)
        if context_length is None:
            context_length = text.context_length
        if context_length > text.context_length:
            raise ValueError(f'context_length {context_length} exceeds the CLIP text '
                             f'encoder\'s {text.context_length}')
        for block in text.transformer.resblocks:
            if not (type(block) is ResidualAttentionBlock and block.attn.batch_first
                    and block.attn.in_proj_weight is not None):
                raise ValueError(
                    f'PromptTextEncoder needs CLIP\'s causal text transformer (open_clip '
                    f'ResidualAttentionBlock, batch first, packed q/k/v); the text tower of '
                    f'{arch!r} uses {type(block).__name__}. Use a CLIP arch (RN50, ViT-B-16, '
                    f'ViT-L-14) or one with the same text tower.')
        # The frozen CLIP text tower (open_clip's TextTransformer, so CLIP weight files load).
        # A submodule of its own, so that CLIP weight files load into it apart from the context.
        self.clip_text = text
        self.clip_text.requires_grad_(False)

        width = text.token_embedding.embedding_dim
        self.embed_dim = cfg['embed_dim']
        self.context = nn.Parameter(torch.empty(num_context_tokens, width))
        nn.init.trunc_normal_(self.context, std=1.0)

        # Padding after the longest prompt's EOT cannot reach any EOT (causal): never computed.
        tokens, eot_index, self.used_length = self.tokenize(keypoint_words, num_context_tokens,
                                                            context_length, keypoint_names)
        self.register_buffer('tokens', tokens, persistent=False)
        self.register_buffer('eot_index', eot_index, persistent=False)
        prefix_length = 1 + num_context_tokens
        self.register_buffer(
            'suffix_mask', suffix_attention_mask(prefix_length, self.used_length - prefix_length),
            persistent=False)

    @staticmethod
    def tokenize(keypoint_words: Sequence[str], num_context_tokens: int,
                 context_length: int, keypoint_names: Optional[Sequence[str]] = None):
        """Token ids (K, L) with ``num_context_tokens`` placeholder slots after SOT, the EOT
        positions (K,), and L: the length of the longest prompt up to its EOT (the padding
        after it is never computed, so it is not stored)."""
        tokenizer = SimpleTokenizer()
        sot = tokenizer.encoder['<start_of_text>']
        eot = tokenizer.encoder['<end_of_text>']
        encoded = [tokenizer.encode(words) for words in keypoint_words]
        check_words_fit(keypoint_names or keypoint_words, keypoint_words,
                        [len(e) for e in encoded], context_length, num_context_tokens)
        used_length = prompt_length(num_context_tokens, max(len(e) for e in encoded))
        tokens = torch.zeros(len(keypoint_words), used_length, dtype=torch.long)
        eot_index = torch.zeros(len(keypoint_words), dtype=torch.long)
        for k, words in enumerate(encoded):
            # Context slots hold SOT as a placeholder; their embeddings are replaced.
            seq = [sot] * (1 + num_context_tokens) + words + [eot]
            tokens[k, :len(seq)] = torch.tensor(seq)
            eot_index[k] = len(seq) - 1
        return tokens, eot_index, used_length

    def load_pretrained(self, path: str) -> None:
        load_clip_tower(self.clip_text, path, 'text', self.arch)

    def forward(self) -> Tensor:
        """-> prompt embeddings (K, C_t), one per keypoint."""
        clip = self.clip_text
        k = self.tokens.shape[0]
        p = 1 + self.context.shape[0]  # shared prefix: SOT and the M context tokens
        positions = clip.positional_embedding[:self.used_length]
        sot = clip.token_embedding(self.tokens[:1, :1])  # (1, 1, W)
        prefix = torch.cat([sot, self.context.to(sot.dtype)[None]], dim=1) + positions[:p]
        suffixes = clip.token_embedding(self.tokens[:, p:self.used_length]) + positions[p:]
        for block in clip.transformer.resblocks:
            prefix, suffixes = shared_prefix_block(block, prefix, suffixes, self.suffix_mask)
        eot = suffixes[torch.arange(k, device=suffixes.device), self.eot_index - p]
        return clip.ln_final(eot) @ clip.text_projection
