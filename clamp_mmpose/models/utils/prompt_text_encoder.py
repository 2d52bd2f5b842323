"""Keypoint prompts through CLIP's frozen text encoder, with a learnable shared context."""
from typing import Optional, Sequence, Union

import torch
from open_clip.model import _build_text_tower
from open_clip.tokenizer import SimpleTokenizer
from torch import Tensor, nn

from .clip_weights import load_clip_tower, resolve_clip_config


# MMPose's AP-10K metainfo abbreviates: 'L_F_Paw' is the left front paw.
_ABBREVIATIONS = {'l': 'left', 'r': 'right', 'f': 'front', 'b': 'back'}


def keypoint_prompt_name(keypoint_name: str) -> str:
    """Dataset keypoint name -> words for the text encoder.

    'left_eye' -> 'left eye', 'L_F_Paw' -> 'left front paw', 'Root of tail' -> 'root of tail'.
    """
    words = keypoint_name.replace('_', ' ').lower().split()
    return ' '.join(_ABBREVIATIONS.get(w, w) for w in words)


class PromptTextEncoder(nn.Module):
    """E_text: ``[SOT][ctx x M][keypoint name][EOT][pad]`` through CLIP's text transformer.

    The M context vectors (CoOp) are shared by all keypoints and are the only trainable part:
    the CLIP text tower is frozen (``requires_grad=False``), but it stays in the autograd graph
    so that gradients reach the context. The sequence is ``context_length`` tokens long (CLIP's
    positional embedding truncated to it); the output is ``ln_final`` at EOT times
    ``text_projection``.

    Args:
        arch: open_clip model name or config dict (its ``text_cfg`` and ``embed_dim``).
        keypoint_names: K keypoint names in natural language.
        num_context_tokens: M.
        context_length: total token count per prompt (13: SOT + 8 + up to 3 name tokens + EOT).
        pretrained: CLIP weight file whose text tower is loaded by :meth:`load_pretrained`.
    """

    def __init__(self,
                 arch: Union[str, dict],
                 keypoint_names: Sequence[str],
                 num_context_tokens: int = 8,
                 context_length: int = 13,
                 quick_gelu: Optional[bool] = None):
        super().__init__()
        self.arch = arch
        cfg = resolve_clip_config(arch)
        text = _build_text_tower(cfg['embed_dim'], cfg['text_cfg'],
                                 cfg['quick_gelu'] if quick_gelu is None else quick_gelu)
        if context_length > text.context_length:
            raise ValueError(f'context_length {context_length} exceeds the CLIP text '
                             f'encoder\'s {text.context_length}')
        # The frozen CLIP text tower (open_clip's TextTransformer, so CLIP weight files load).
        # A submodule of its own, so optimizer rules can target it without the context.
        self.clip_text = text
        self.clip_text.requires_grad_(False)

        width = text.token_embedding.embedding_dim
        self.embed_dim = cfg['embed_dim']
        self.context = nn.Parameter(torch.empty(num_context_tokens, width))
        nn.init.trunc_normal_(self.context, std=1.0)

        tokens, eot_index = self.tokenize(keypoint_names, num_context_tokens, context_length)
        self.register_buffer('tokens', tokens, persistent=False)
        self.register_buffer('eot_index', eot_index, persistent=False)
        causal = torch.full((context_length, context_length), float('-inf')).triu_(1)
        self.register_buffer('attn_mask', causal, persistent=False)

    @staticmethod
    def tokenize(keypoint_names: Sequence[str], num_context_tokens: int,
                 context_length: int):
        """Token ids (K, L) with ``num_context_tokens`` placeholder slots after SOT."""
        tokenizer = SimpleTokenizer()
        sot = tokenizer.encoder['<start_of_text>']
        eot = tokenizer.encoder['<end_of_text>']
        room = context_length - num_context_tokens - 2
        tokens = torch.zeros(len(keypoint_names), context_length, dtype=torch.long)
        eot_index = torch.zeros(len(keypoint_names), dtype=torch.long)
        for k, name in enumerate(keypoint_names):
            words = tokenizer.encode(keypoint_prompt_name(name))
            if len(words) > room:
                raise ValueError(
                    f'Keypoint name {name!r} is {len(words)} tokens long but the prompt has '
                    f'room for {room} (context_length {context_length} - '
                    f'{num_context_tokens} context tokens - SOT - EOT). Raise context_length '
                    f'or shorten the name.')
            # Context slots hold SOT as a placeholder; their embeddings are replaced.
            seq = [sot] * (1 + num_context_tokens) + words + [eot]
            tokens[k, :len(seq)] = torch.tensor(seq)
            eot_index[k] = len(seq) - 1
        return tokens, eot_index

    def load_pretrained(self, path: str) -> None:
        load_clip_tower(self.clip_text, path, 'text', self.arch)

    def forward(self) -> Tensor:
        """-> prompt embeddings (K, C_t), one per keypoint."""
        clip = self.clip_text
        k, length = self.tokens.shape
        x = clip.token_embedding(self.tokens)  # (K, L, W)
        context = self.context.to(x.dtype).expand(k, -1, -1)
        m = context.shape[1]
        x = torch.cat([x[:, :1], context, x[:, 1 + m:]], dim=1)
        x = x + clip.positional_embedding[:length].to(x.dtype)
        x = clip.transformer(x, attn_mask=self.attn_mask)
        x = clip.ln_final(x[torch.arange(k, device=x.device), self.eot_index])
        return x @ clip.text_projection
