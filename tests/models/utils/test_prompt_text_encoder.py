import copy

import open_clip
import pytest
import torch

from clamp_mmpose.models.utils import PromptTextEncoder
from tests.conftest import TINY_RN

WORDS = ['left eye', 'right front paw', 'root of tail']


def test_without_context_equals_clip_text_embedding(clip_state_dict_file):
    """With no context tokens the prompt is the plain name: CLIP's own text embedding."""
    path, clip = clip_state_dict_file(copy.deepcopy(TINY_RN))
    encoder = PromptTextEncoder(copy.deepcopy(TINY_RN), WORDS, num_context_tokens=0)
    encoder.load_pretrained(path)
    texts = ['left eye', 'right front paw', 'root of tail']
    with torch.no_grad():
        expected = clip.encode_text(open_clip.tokenize(texts))
        torch.testing.assert_close(encoder(), expected, rtol=1e-4, atol=1e-5)


def test_context_vectors_sit_between_sot_and_name(clip_state_dict_file):
    """Context vectors equal to the embeddings of 'a photo of' give CLIP's embedding of
    'a photo of <name>'."""
    path, clip = clip_state_dict_file(copy.deepcopy(TINY_RN))
    encoder = PromptTextEncoder(copy.deepcopy(TINY_RN), WORDS, num_context_tokens=3)
    encoder.load_pretrained(path)
    words = open_clip.tokenize(['a photo of'])[0, 1:4]
    with torch.no_grad():
        encoder.context.copy_(clip.token_embedding(words))
        expected = clip.encode_text(open_clip.tokenize([f'a photo of {n}' for n in
                                                        ['left eye', 'right front paw',
                                                         'root of tail']]))
        torch.testing.assert_close(encoder(), expected, rtol=1e-4, atol=1e-5)


def test_frozen_tower_but_context_gets_gradients():
    encoder = PromptTextEncoder(copy.deepcopy(TINY_RN), WORDS)
    assert encoder.context.shape == (8, 64)
    assert encoder.tokens.shape == (3, 13)  # SOT, 8 context tokens, up to 3 word tokens, EOT
    trainable = [n for n, p in encoder.named_parameters() if p.requires_grad]
    assert trainable == ['context']
    out = encoder()
    assert out.shape == (3, 64)
    out.sum().backward()
    assert encoder.context.grad is not None and encoder.context.grad.abs().sum() > 0
    assert all(p.grad is None for n, p in encoder.named_parameters() if n != 'context')


def full_sequence_prompts(encoder: PromptTextEncoder) -> torch.Tensor:
    """The prompts computed the plain way: K full sequences through CLIP's causal transformer."""
    clip = encoder.clip_text
    k, length = encoder.tokens.shape
    m = encoder.context.shape[0]
    x = clip.token_embedding(encoder.tokens)
    x = torch.cat([x[:, :1], encoder.context.expand(k, -1, -1), x[:, 1 + m:]], dim=1)
    x = x + clip.positional_embedding[:length]
    causal = torch.full((length, length), float('-inf')).triu_(1)
    x = clip.transformer(x, attn_mask=causal)
    return clip.ln_final(x[torch.arange(k), encoder.eot_index]) @ clip.text_projection


def test_shared_prefix_equals_full_sequences_values_and_context_gradients():
    """SOT and the context are computed once for all keypoints; outputs and the context's
    gradient equal those of K full sequences (names of different lengths, so EOTs differ)."""
    torch.manual_seed(0)
    encoder = PromptTextEncoder(copy.deepcopy(TINY_RN), WORDS + ['nose'])
    assert encoder.eot_index.tolist() == [11, 12, 12, 10]
    weights = torch.randn(4, 64)

    fast = encoder()
    (fast * weights).sum().backward()
    fast_grad = encoder.context.grad.clone()
    encoder.context.grad = None
    full = full_sequence_prompts(encoder)
    (full * weights).sum().backward()

    torch.testing.assert_close(fast, full, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(fast_grad, encoder.context.grad, rtol=1e-4, atol=1e-5)
    assert fast_grad.abs().sum() > 0


def test_words_too_long_for_the_prompt_name_the_keypoint_and_the_setting():
    with pytest.raises(ValueError, match=r"room for 3 tokens: 'left front paw of the animal' "
                       r".*6 tokens.*model.head.context_length \(now 13\)"):
        PromptTextEncoder(copy.deepcopy(TINY_RN), ['left front paw', 'left front paw of the animal'],
                          context_length=13)
    # CLIP's whole context by default: the same words fit.
    PromptTextEncoder(copy.deepcopy(TINY_RN), ['left front paw of the animal'])
