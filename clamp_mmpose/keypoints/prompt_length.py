"""How long CLAMP's prompts are, and whether a keypoint's words fit in one.

A prompt is ``[SOT][context x M][the keypoint's words][EOT]``, at most ``context_length`` tokens
(the CLIP text encoder's own 77 where the head's config sets none). The text encoder
(:class:`clamp_mmpose.models.utils.PromptTextEncoder`) and ``clamp-mmpose prompts`` both measure
prompts here.
"""
from typing import Sequence

# CLIP's text context: the longest prompt when the head's config sets no context_length.
CLIP_CONTEXT_LENGTH = 77
# SOT before the context, EOT after the words.
SPECIAL_TOKENS = 2


def prompt_length(num_context_tokens: int, num_word_tokens: int) -> int:
    """Tokens of a prompt up to its EOT: SOT, the M context tokens, the words, EOT."""
    return num_context_tokens + SPECIAL_TOKENS + num_word_tokens


def words_room(context_length: int, num_context_tokens: int) -> int:
    """The most tokens a keypoint's words may take in a prompt of ``context_length`` tokens."""
    return context_length - prompt_length(num_context_tokens, 0)


def check_words_fit(names: Sequence[str], words: Sequence[str], token_counts: Sequence[int],
                    context_length: int, num_context_tokens: int,
                    setting: str = 'model.head.context_length') -> None:
    """Raise a ValueError naming every keypoint whose words (``token_counts`` tokens each) do not
    fit a prompt of ``context_length`` tokens with ``num_context_tokens`` context tokens;
    ``setting`` is the config key that sets the length."""
    room = words_room(context_length, num_context_tokens)
    too_long = [f'{n!r} ({w!r}, {c} tokens)'
                for n, w, c in zip(names, words, token_counts) if c > room]
    first = next((n for n, c in zip(names, token_counts) if c > room), None)
    if too_long:
        raise ValueError(
            f'Keypoint words too long for the prompt, which has room for {room} tokens: '
            f'{", ".join(too_long)}. Give shorter words in the head\'s keypoint_names (e.g. '
            f'keypoint_names=dict(from_file=..., words={{{first!r}: "..."}})) or raise '
            f'{setting} (now {context_length}).')
