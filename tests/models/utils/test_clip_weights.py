"""CLIP weight files (open_clip state dicts, OpenAI-style TorchScript archives) load bit-exactly
into the image encoder and the text encoder; wrong files get errors that say what is wrong."""
import copy

import pytest
import torch

from clamp_mmpose.models import CLIPImageEncoder
from clamp_mmpose.models.utils import CLIPWeightsError, PromptTextEncoder, resolve_clip_config
from tests.conftest import TINY_RN, TINY_VIT

NAMES = ['left_eye', 'nose', 'root_of_tail']


def _assert_same(module_state, clip_state, prefix=''):
    for k, v in module_state.items():
        assert torch.equal(v, clip_state[prefix + k]), k


@pytest.mark.parametrize('fmt', ['state_dict', 'torchscript'])
@pytest.mark.parametrize('arch', [TINY_RN, TINY_VIT], ids=['rn', 'vit'])
def test_both_towers_load_bit_exactly(arch, fmt, clip_state_dict_file, clip_torchscript_file):
    make = clip_state_dict_file if fmt == 'state_dict' else clip_torchscript_file
    path, clip = make(copy.deepcopy(arch))
    clip_state = clip.state_dict()

    encoder = CLIPImageEncoder(arch=copy.deepcopy(arch), pretrained=path)
    encoder.init_weights()
    _assert_same(encoder.visual.state_dict(), clip_state, 'visual.')

    text = PromptTextEncoder(copy.deepcopy(arch), NAMES)
    context_before = text.context.detach().clone()
    text.load_pretrained(path)
    _assert_same(text.clip_text.state_dict(), clip_state)
    assert torch.equal(text.context, context_before)  # the learnable part is not CLIP's


def test_missing_file_names_path_and_fix(tmp_path):
    missing = tmp_path / 'nowhere' / 'RN50.pt'
    encoder = CLIPImageEncoder(arch=copy.deepcopy(TINY_RN), pretrained=str(missing))
    with pytest.raises(FileNotFoundError) as err:
        encoder.init_weights()
    assert str(missing) in str(err.value)
    assert 'model.backbone.pretrained' in str(err.value)
    assert 'Nothing is downloaded' in str(err.value)


def test_file_of_another_architecture(clip_state_dict_file):
    path, _ = clip_state_dict_file(copy.deepcopy(TINY_VIT), name='vit.pt')
    encoder = CLIPImageEncoder(arch=copy.deepcopy(TINY_RN), pretrained=path)
    with pytest.raises(CLIPWeightsError) as err:
        encoder.init_weights()
    message = str(err.value)
    assert path in message
    assert 'custom CLIP config' in message  # the expected architecture
    assert 'looks like a ViT with patch 16' in message
    assert 'missing keys, first: bn1.weight' in message


def test_named_arch_mismatch_reports_shapes(clip_state_dict_file):
    wide = copy.deepcopy(TINY_RN)
    wide['text_cfg'] = dict(wide['text_cfg'], width=128)
    path, _ = clip_state_dict_file(wide, name='wide.pt')
    text = PromptTextEncoder(copy.deepcopy(TINY_RN), NAMES)
    with pytest.raises(CLIPWeightsError, match=r'shape mismatches: .*token_embedding.weight: '
                       r'file \(49408, 128\) vs model \(49408, 64\)'):
        text.load_pretrained(path)


def test_missing_keys_are_listed(tmp_path, clip_state_dict_file):
    path, clip = clip_state_dict_file(copy.deepcopy(TINY_RN), wrap=False)
    state = torch.load(path)
    del state['visual.layer4.0.conv2.weight']
    torch.save(state, path)
    encoder = CLIPImageEncoder(arch=copy.deepcopy(TINY_RN), pretrained=path)
    with pytest.raises(CLIPWeightsError, match=r'1 missing keys, first: layer4.0.conv2.weight'):
        encoder.init_weights()


def test_not_a_weight_file(tmp_path):
    bad = tmp_path / 'RN50.pt'
    bad.write_text('not weights')
    encoder = CLIPImageEncoder(arch=copy.deepcopy(TINY_RN), pretrained=str(bad))
    with pytest.raises(CLIPWeightsError, match='neither a TorchScript archive nor'):
        encoder.init_weights()


def test_named_arch_with_changes():
    cfg = resolve_clip_config(dict(name='ViT-L-14', text_cfg=dict(heads=8),
                                   vision_cfg=dict(image_size=336)))
    named = resolve_clip_config('ViT-L-14')
    assert cfg['text_cfg'] == dict(named['text_cfg'], heads=8)
    assert cfg['vision_cfg'] == dict(named['vision_cfg'], image_size=336)
    assert cfg['quick_gelu'] and cfg['embed_dim'] == named['embed_dim']
    with pytest.raises(ValueError, match="Unknown CLIP architecture 'RN51'"):
        resolve_clip_config(dict(name='RN51'))
