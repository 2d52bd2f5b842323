"""The export's rewrite of SimpleBaseline's transposed convolutions is exact."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS
from torch import nn

from clamp_mmpose.export.inference_model import inference_model_config
from clamp_mmpose.export.subpixel_deconv import (SubPixelDeconv, replace_transposed_convs,
                                                rewrite_heatmap_head)
from tests.helpers import CLAMP_RN50, shrink_config


def _randomise_norms(module):
    """Batch-norm statistics and affine terms away from identity, so folding them shows."""
    torch.manual_seed(1)
    for layer in module.modules():
        if isinstance(layer, nn.BatchNorm2d):
            layer.running_mean.uniform_(-1, 1)
            layer.running_var.uniform_(0.5, 2)
            layer.weight.data.uniform_(0.5, 2)
            layer.bias.data.uniform_(-1, 1)


@pytest.mark.parametrize('bias', [False, True])
def test_one_transposed_convolution_is_a_convolution_and_a_pixel_shuffle(bias):
    torch.manual_seed(0)
    deconv = nn.ConvTranspose2d(5, 7, 4, stride=2, padding=1, bias=bias).double()
    x = torch.randn(2, 5, 6, 9, dtype=torch.float64)  # odd, unequal sides
    rewritten = SubPixelDeconv(deconv).double()
    assert rewritten.conv.kernel_size == (2, 2) and rewritten.conv.out_channels == 4 * 7
    out = rewritten(x)
    assert out.shape == (2, 7, 12, 18)
    assert torch.allclose(out, deconv(x), atol=1e-12)


def _simplebaseline_head(num_keypoints: int):
    """MMPose's HeatmapHead with two deconv blocks (32 -> 16 -> 16 channels, 4x4 -> 16x16),
    its batch norms away from identity."""
    head = MODELS.build(dict(
        type='HeatmapHead', in_channels=32, out_channels=num_keypoints,
        deconv_out_channels=(16, 16), deconv_kernel_sizes=(4, 4),
        decoder=dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16),
                     sigma=2))).eval()
    _randomise_norms(head)
    return head


def test_simplebaseline_deconv_blocks_fold_their_norm_and_relu():
    head = _simplebaseline_head(17)
    x = torch.randn(2, 32, 4, 4)
    expected = head((x, ))
    assert replace_transposed_convs(head) == 2
    layers = [type(layer) for layer in head.deconv_layers]
    assert layers == [SubPixelDeconv, nn.Identity, nn.Identity] * 2
    assert head.deconv_layers[0].apply_relu and head.deconv_layers[3].apply_relu
    got = head((x, ))
    assert got.shape == expected.shape == (2, 17, 16, 16)
    assert torch.allclose(got, expected, atol=1e-5)
    assert expected.abs().mean() > 1e-2  # the comparison means something


def test_the_final_1x1_layer_runs_before_the_last_pixel_shuffle():
    head = _simplebaseline_head(5)
    nn.init.normal_(head.final_layer.weight)
    nn.init.normal_(head.final_layer.bias)
    x = torch.randn(2, 32, 4, 4)
    expected = head((x, ))
    assert rewrite_heatmap_head(head) == 2
    assert isinstance(head.final_layer, nn.Identity)
    last = head.deconv_layers[3]
    assert last.pointwise.groups == 4 and last.pointwise.out_channels == 4 * 5
    assert last.out_channels == 5 and head.deconv_layers[0].pointwise is None
    assert torch.allclose(head((x, )), expected, atol=1e-5)
    with pytest.raises(ValueError, match='not a plain 1x1 convolution of 16 channels'):
        head.deconv_layers[0].absorb_pointwise(nn.Conv2d(5, 3, 1))
    with pytest.raises(ValueError, match='absorbed already'):
        last.absorb_pointwise(nn.Conv2d(5, 5, 1))


@pytest.mark.parametrize('final', [nn.Conv2d(16, 5, 1, stride=2), nn.Conv2d(16, 5, 1, padding=1),
                                   nn.Conv2d(16, 5, 3, padding=1)])
def test_a_final_layer_that_is_not_a_plain_1x1_stays_after_the_shuffle(final):
    head = _simplebaseline_head(5)
    head.final_layer = final.eval()
    x = torch.randn(2, 32, 4, 4)
    expected = head((x, ))
    assert rewrite_heatmap_head(head) == 2
    assert head.final_layer is final and head.deconv_layers[3].pointwise is None
    assert torch.allclose(head((x, )), expected, atol=1e-5)


def test_only_eval_mode_batch_norms_are_folded():
    torch.manual_seed(0)
    deconv = nn.ConvTranspose2d(5, 7, 4, stride=2, padding=1, bias=True)
    block = nn.Sequential(deconv, nn.BatchNorm2d(7), nn.ReLU())
    _randomise_norms(block)
    x = torch.randn(4, 5, 3, 3)
    block.eval()
    expected = block(x)
    assert replace_transposed_convs(block) == 1  # a deconv with a bias, folded BN and ReLU
    assert [type(layer) for layer in block] == [SubPixelDeconv, nn.Identity, nn.Identity]
    assert torch.allclose(block(x), expected, atol=1e-5)
    for norm in (nn.BatchNorm2d(7).train(), nn.BatchNorm2d(7, affine=False).eval(),
                 nn.BatchNorm2d(7, track_running_stats=False).eval()):
        block = nn.Sequential(copy.deepcopy(deconv), norm, nn.ReLU())
        expected = block(x)
        assert replace_transposed_convs(block) == 1  # the deconv only: BN and ReLU stay
        assert [type(layer) for layer in block] == [SubPixelDeconv, nn.BatchNorm2d, nn.ReLU]
        assert torch.allclose(block(x), expected, atol=1e-5)
        with pytest.raises(ValueError, match='cannot be folded'):
            SubPixelDeconv(deconv, norm)
    block = nn.Sequential(copy.deepcopy(deconv), nn.ReLU())  # no BN: the ReLU stays
    expected = block(x)
    assert replace_transposed_convs(block) == 1
    assert [type(layer) for layer in block] == [SubPixelDeconv, nn.ReLU]
    assert torch.allclose(block(x), expected, atol=1e-6)


def test_layers_it_cannot_reproduce_are_left_alone():
    block = nn.Sequential(nn.ConvTranspose2d(4, 4, 3, stride=1, padding=1),
                          nn.ConvTranspose2d(4, 4, 4, stride=2, padding=0))
    assert replace_transposed_convs(block) == 0
    assert [type(layer) for layer in block] == [nn.ConvTranspose2d] * 2
    with pytest.raises(ValueError, match='not a 4x4, stride-2, padding-1'):
        SubPixelDeconv(block[1])


def test_the_clamp_configs_deconv_head_is_rewritten_exactly():
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), 'unused', 'unused')
    model = MODELS.build(inference_model_config(cfg.model))
    model.init_weights()
    model.eval()
    _randomise_norms(model.head.deconv_layers)
    w, h = cfg.codec['input_size']
    images = torch.randn(2, 3, h, w)
    with torch.no_grad():
        expected = model.head(model.backbone(images))
        assert rewrite_heatmap_head(model.head) == 3
        assert isinstance(model.head.final_layer, nn.Identity)
        got = model.head(model.backbone(images))
    assert torch.allclose(got, expected, atol=1e-5 * expected.abs().max().item())
