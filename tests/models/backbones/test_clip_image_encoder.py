import copy

import pytest
import torch

from clamp_mmpose.models import CLIPImageEncoder, CLIPImageFeatures
from clamp_mmpose.models.backbones.clip_image_encoder import resize_positional_embedding
from tests.conftest import TINY_RN, TINY_VIT, random_clip


@pytest.mark.parametrize('arch, size, feat_ch, embed, grid', [
    ('RN50', 256, 2048, 1024, 8),
    ('ViT-B-16', 256, 768, 512, 16),
    ('ViT-L-14', 224, 1024, 768, 16),
])
def test_paper_architectures_shapes(arch, size, feat_ch, embed, grid):
    encoder = CLIPImageEncoder(arch=arch).eval()
    with torch.no_grad():
        out = encoder(torch.randn(1, 3, size, size))
    assert isinstance(out, CLIPImageFeatures)
    assert out.feature_map.shape == (1, feat_ch, grid, grid)
    assert out.dense.shape == (1, embed, grid, grid)
    assert out.global_embedding.shape == (1, embed)
    assert encoder.out_channels == feat_ch


@pytest.mark.parametrize('arch', [TINY_RN, TINY_VIT], ids=['rn', 'vit'])
def test_any_input_size(arch):
    encoder = CLIPImageEncoder(arch=copy.deepcopy(arch)).eval()
    out = encoder(torch.randn(2, 3, 96, 160))
    stride = 32 if arch is TINY_RN else 16
    h, w = 96 // stride, 160 // stride
    assert out.dense.shape == (2, 64, h, w)
    assert out.feature_map.shape[-2:] == (h, w)
    assert torch.isfinite(out.dense).all()


@pytest.mark.parametrize('arch', [TINY_RN, TINY_VIT], ids=['rn', 'vit'])
def test_global_embedding_equals_clip_image_embedding(arch, clip_state_dict_file):
    """At CLIP's native resolution the global embedding is exactly CLIP's image embedding."""
    path, clip = clip_state_dict_file(arch)
    encoder = CLIPImageEncoder(arch=copy.deepcopy(arch), pretrained=path)
    encoder.init_weights()
    encoder.eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ours = encoder(images).global_embedding
        theirs = clip.encode_image(images)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_baseline_form_drops_embedding_layers():
    full = CLIPImageEncoder(arch=copy.deepcopy(TINY_RN))
    plain = CLIPImageEncoder(arch=copy.deepcopy(TINY_RN), out_embeddings=False)
    out = plain(torch.randn(1, 3, 64, 64))
    assert isinstance(out, tuple) and len(out) == 1 and out[0].shape == (1, 512, 2, 2)
    attnpool = sum(p.numel() for p in full.visual.attnpool.parameters())
    assert sum(p.numel() for p in full.parameters()) - \
        sum(p.numel() for p in plain.parameters()) == attnpool


def test_resize_positional_embedding_keeps_first_row_and_native_grid():
    pos = torch.randn(1 + 7 * 7, 8)
    assert resize_positional_embedding(pos, (7, 7)) is pos
    resized = resize_positional_embedding(pos, (8, 10))
    assert resized.shape == (1 + 80, 8)
    assert torch.equal(resized[0], pos[0])


def test_drop_path_only_in_training():
    encoder = CLIPImageEncoder(arch=copy.deepcopy(TINY_VIT), drop_path_rate=0.5)
    x = torch.randn(2, 3, 64, 64)
    encoder.eval()
    with torch.no_grad():
        assert torch.equal(encoder(x).dense, encoder(x).dense)
    encoder.train()
    torch.manual_seed(0)
    a = encoder(x).dense
    torch.manual_seed(1)
    b = encoder(x).dense
    assert not torch.allclose(a, b)


def test_unknown_architecture_is_named():
    with pytest.raises(ValueError, match=r"Unknown CLIP architecture 'RN51'.*RN50"):
        CLIPImageEncoder(arch='RN51')
