"""Keypoint prompts through CLIP's frozen text encoder, with a learnable shared context."""
from typing import Optional, Sequence, Union

import torch
from open_clip.model import _build_text_tower
from open_clip.tokenizer import SimpleTokenizer
from open_clip.transformer import ResidualAttentionBlock
from torch import Tensor, nn

from ...keypoints import check_words_fit, prompt_length
from .clip_block import flat_block
from .clip_weights import load_clip_tower, resolve_clip_config


def packed_prompt_mask(prefix_length: int, suffix_lengths: Sequence[int]) -> Tensor:
    """(N, N) bool attention mask of K causal prompts packed into N = P + sum(S_k) tokens.

    The packed layout is the shared prefix (P tokens) followed by each prompt's own tokens, in
    order. A prefix token sees the prefix up to itself; a token of prompt k sees the whole prefix
    and prompt k's own tokens up to itself. Attention under this mask gives every token the
    state it has in its own full causal sequence.
    """
    n = prefix_length + sum(suffix_lengths)
    visible = torch.zeros(n, n, dtype=torch.bool)
    visible[:, :prefix_length] = True
    visible[:prefix_length, :prefix_length] = torch.ones(
        prefix_length, prefix_length, dtype=torch.bool).tril()
    start = prefix_length
    for length in suffix_lengths:
        end = start + length
        visible[start:end, start:end] = torch.ones(length, length, dtype=torch.bool).tril()
        start = end
    return visible


class PromptTextEncoder(nn.Module):
    """E_text: ``[SOT][ctx x M][keypoint name][EOT][pad]`` through CLIP's text transformer.

    The M context vectors (CoOp) are shared by all keypoints and are the only trainable part:
    the CLIP text tower is frozen (``requires_grad=False``), but it stays in the autograd graph
    so that gradients reach the context. The sequence is ``context_length`` tokens long (CLIP's
    positional embedding truncated to it); the output is ``ln_final`` at EOT times
    ``text_projection``.

    SOT and the context are the same in every prompt, and CLIP's text transformer is causal, so
    their states are computed once per step rather than once per keypoint: the K prompts are
    packed into one sequence, the shared prefix followed by each keypoint's words and EOT (the
    padding after an EOT reaches no EOT, so it is left out), attending under
    :func:`packed_prompt_mask`; about a quarter of the work of K full sequences, and each block
    is one matrix of tokens (:func:`flat_block`), so few, large operator calls.

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
        # Token bookkeeping is data, on the CPU even when the model is built on the meta device.
        with torch.device('cpu'):
            tokens, eot_index, self.used_length = self.tokenize(
                keypoint_words, num_context_tokens, context_length, keypoint_names)
            self.register_buffer('tokens', tokens, persistent=False)
            self.register_buffer('eot_index', eot_index, persistent=False)
            self._register_packed_layout(tokens, eot_index, 1 + num_context_tokens)

    def _register_packed_layout(self, tokens: Tensor, eot_index: Tensor, prefix_length: int):
        """Buffers of the packed sequence: each keypoint's token ids after the prefix, up to
        its EOT (N - P,), every token's position in its own prompt (N,), the rows of the K EOTs
        (K,), and the mask (N, N)."""
        lengths = (eot_index + 1 - prefix_length).tolist()
        own = torch.cat([torch.arange(prefix_length, prefix_length + n) for n in lengths])
        rows = torch.arange(len(lengths)).repeat_interleave(torch.tensor(lengths))
        self.register_buffer('packed_tokens', tokens[rows, own], persistent=False)
        self.register_buffer('packed_positions', torch.cat([torch.arange(prefix_length), own]),
                             persistent=False)
        self.register_buffer('packed_eot_rows',
                             prefix_length + torch.tensor(lengths).cumsum(0) - 1,
                             persistent=False)
        self.register_buffer('packed_mask', packed_prompt_mask(prefix_length, lengths),
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
        sot = clip.token_embedding(self.tokens[0, :1])  # (1, W)
        own = clip.token_embedding(self.packed_tokens)  # (N - P, W)
        # (N, W): SOT, the M context vectors, then each keypoint's words and EOT.
        x = torch.cat([sot, self.context.to(sot.dtype), own])
        x = x + clip.positional_embedding[self.packed_positions]
        for block in clip.transformer.resblocks:
            x = flat_block(block, x, self.packed_mask)
        return clip.ln_final(x[self.packed_eot_rows]) @ clip.text_projection
