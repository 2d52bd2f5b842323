import copy

import pytest
import torch

from clamp_mmpose.models import CLIPImageEncoder, CLIPImageFeatures
from clamp_mmpose.models.backbones.clip_image_encoder import TokenDropPath
from clamp_mmpose.models.utils.clip_weights import resize_grid_table
from tests.conftest import TINY_RN, TINY_VIT


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


def test_resize_grid_table_keeps_first_row_and_native_grid_and_is_bilinear():
    pos = torch.randn(1 + 7 * 7, 8)
    assert resize_grid_table(pos, (7, 7)) is pos
    resized = resize_grid_table(pos, (8, 10))
    assert resized.shape == (1 + 80, 8)
    assert torch.equal(resized[0], pos[0])
    # A table linear in x and y stays linear inside the grid under bilinear resizing.
    ramp = torch.arange(4.0)[:, None] + 10 * torch.arange(4.0)[None]  # 1 per row, 10 per column
    table = torch.cat([torch.zeros(1), ramp.flatten()])[:, None]
    up = resize_grid_table(table, (8, 8))[1:, 0].reshape(8, 8)
    torch.testing.assert_close(up[2, 3] - up[2, 2], torch.tensor(5.0))
    torch.testing.assert_close(up[3, 2] - up[2, 2], torch.tensor(0.5))


def test_positional_tables_at_the_training_grid_load_resized_clip_weights(
        clip_state_dict_file):
    """arch image_size 128 stores a 4x4 table (RN, stride 32); CLIP's 2x2 one is resized."""
    path, clip = clip_state_dict_file(TINY_RN)
    arch = dict(copy.deepcopy(TINY_RN), vision_cfg=dict(TINY_RN['vision_cfg'], image_size=128))
    encoder = CLIPImageEncoder(arch=arch, pretrained=path)
    encoder.init_weights()
    table = encoder.visual.attnpool.positional_embedding
    assert table.shape[0] == 1 + 4 * 4
    torch.testing.assert_close(
        table, resize_grid_table(clip.visual.attnpool.positional_embedding.detach(), (4, 4)))


def test_double_class_embedding_changes_only_the_cls_token_input():
    torch.manual_seed(0)
    once = CLIPImageEncoder(arch=copy.deepcopy(TINY_VIT)).eval()
    twice = CLIPImageEncoder(arch=copy.deepcopy(TINY_VIT), double_class_embedding=True).eval()
    twice.load_state_dict(once.state_dict())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        a, b = once(x), twice(x)
        twice.visual.class_embedding.zero_()
        once.visual.class_embedding.zero_()
        c, d = once(x), twice(x)
    assert not torch.allclose(a.global_embedding, b.global_embedding)
    torch.testing.assert_close(c.dense, d.dense)


def test_token_drop_path_drops_positions_shared_by_the_batch():
    drop = TokenDropPath(0.5).train()
    torch.manual_seed(0)
    out = drop(torch.ones(4, 64, 3))
    kept = out[0, :, 0] != 0
    assert 0 < kept.sum() < 64
    assert torch.equal(out, out[:1].expand_as(out))  # the same positions in every image
    assert set(out.unique().tolist()) <= {0.0, 2.0}
    assert torch.equal(drop.eval()(out), out)


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
