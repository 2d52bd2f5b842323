import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpose.apis import init_model
from mmpose.registry import MODELS

from clamp_mmpose.export.complexity import model_complexity
from clamp_mmpose.export.inference_model import export_inference_model
from clamp_mmpose.models.utils import PromptTextEncoder
from tests.helpers import CLAMP_RN50, shrink_config


@pytest.fixture
def trained_checkpoint(synthetic_ap10k, tmp_path):
    """A tiny CLAMP config and a checkpoint of it, with every weight away from its init."""
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, str(tmp_path))
    config = str(tmp_path / 'clamp_tiny.py')
    cfg.dump(config)
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    checkpoint = str(tmp_path / 'epoch_1.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'epoch': 1, 'dataset_meta': {'dataset_name': 'ap10k'}}}, checkpoint)
    return config, checkpoint, model.eval()


def test_exported_model_predicts_like_the_full_model(trained_checkpoint, tmp_path, monkeypatch):
    config, checkpoint, full = trained_checkpoint
    cfg_path, ckpt_path = export_inference_model(config, checkpoint, str(tmp_path / 'exp'))
    assert osp.isfile(cfg_path) and osp.isfile(ckpt_path)

    def no_text_tower(*args, **kwargs):
        raise AssertionError('the exported model built a CLIP text tower')

    monkeypatch.setattr(PromptTextEncoder, '__init__', no_text_tower)
    exported = init_model(cfg_path, ckpt_path, device='cpu')
    assert not hasattr(exported.head, 'text_encoder')
    assert not hasattr(exported.head, 'spatial_upsampler')
    assert not hasattr(exported.head, 'prompt_encoder')

    images = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        expected = full(images, None, mode='tensor')
        got = exported(images, None, mode='tensor')
    assert (got - expected).abs().max() < 1e-5
    assert expected.abs().max() > 1e-3  # a real comparison, not of two zero maps


def test_exported_parameter_count_is_the_complexity_figure(trained_checkpoint, tmp_path):
    config, checkpoint, full = trained_checkpoint
    cfg_path, ckpt_path = export_inference_model(config, checkpoint, str(tmp_path / 'exp'))
    exported = init_model(cfg_path, ckpt_path, device='cpu')
    count = sum(p.numel() for p in exported.parameters()) + exported.head.cached_prompts.numel()
    stats = model_complexity(Config.fromfile(config).model, (64, 64))
    assert stats['params_m'] * 1e6 == pytest.approx(count, abs=0.5)
    assert count < sum(p.numel() for p in full.parameters())


def test_export_refuses_a_baseline(tmp_path, synthetic_ap10k):
    from tests.helpers import BASELINE_RN50
    cfg = shrink_config(Config.fromfile(BASELINE_RN50), synthetic_ap10k, str(tmp_path))
    config = str(tmp_path / 'baseline.py')
    cfg.dump(config)
    with pytest.raises(ValueError, match='not a CLAMP config'):
        export_inference_model(config, 'unused.pth', str(tmp_path / 'x'))


def test_export_command_names_what_to_give_instead(trained_checkpoint, tmp_path, capsys):
    from clamp_mmpose.tools import export
    config, checkpoint, _ = trained_checkpoint
    out = str(tmp_path / 'exp')
    assert export.main([config, str(tmp_path / 'missing.pth'), out]) == 1
    assert 'missing.pth does not exist' in capsys.readouterr().err

    # A checkpoint of another model: a short list of what does not fit, and the fix.
    other = MODELS.build(Config.fromfile(config).model)
    state = other.state_dict()
    state['head.final_layer.weight'] = torch.zeros(5, 3, 1, 1)
    del state['head.final_layer.bias']
    torch.save({'state_dict': state}, tmp_path / 'other.pth')
    assert export.main([config, str(tmp_path / 'other.pth'), out]) == 1
    err = capsys.readouterr().err
    assert 'does not fit the model of' in err and 'head.final_layer' in err
    assert 'the config the checkpoint was trained with' in err
    assert len(err.splitlines()) < 12
    assert not osp.exists(out + '.pth')
