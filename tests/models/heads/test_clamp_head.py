import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from clamp_mmpose.models import CLIPImageEncoder
from tests.conftest import TINY_RN, TINY_VIT
from tests.helpers import CLAMP_RN50

NAMES = ['left_eye', 'right_eye', 'nose', 'tail_end']
K = len(NAMES)
CODEC = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)


def build_head(arch, **kwargs):
    rn = arch['vision_cfg']['layers'] == [1, 1, 1, 1]
    deconvs = 3 if rn else 2
    cfg = dict(
        type='CLAMPHead', in_channels=512 if rn else 64, out_channels=K,
        clip_arch=copy.deepcopy(arch), keypoint_names=NAMES,
        deconv_out_channels=(32, ) * deconvs, deconv_kernel_sizes=(4, ) * deconvs,
        spatial_upsampler=dict(deconv_out_channels=(8, ) * deconvs,
                               deconv_kernel_sizes=(4, ) * deconvs),
        context_decoder=dict(width=32, num_heads=4, num_layers=2),
        prompt_encoder=dict(num_heads=2), decoder=CODEC)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def data_samples(batch=2, num_keypoints=K, seed=0):
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(batch):
        s = PoseDataSample(metainfo=dict(
            input_size=(64, 64), input_center=np.array([32.0, 32.0]),
            input_scale=np.array([64.0, 64.0]), flip_indices=[1, 0, 2, 3][:num_keypoints] +
            list(range(4, num_keypoints))))
        kpts = rng.uniform(4, 60, size=(1, num_keypoints, 2)).astype(np.float32)
        heatmaps = np.zeros((num_keypoints, 16, 16), np.float32)
        for k, (x, y) in enumerate(kpts[0] / 4):
            heatmaps[k, int(y), int(x)] = 1.0
        s.gt_instances = InstanceData(transformed_keypoints=kpts)
        s.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, num_keypoints))
        s.gt_fields = PixelData(heatmaps=torch.from_numpy(heatmaps))
        samples.append(s)
    return samples


def features(arch, batch=2, seed=0):
    torch.manual_seed(seed)
    encoder = CLIPImageEncoder(arch=copy.deepcopy(arch)).eval()
    with torch.no_grad():
        return encoder(torch.randn(batch, 3, 64, 64))


@pytest.mark.parametrize('arch', [TINY_RN, TINY_VIT], ids=['rn', 'vit'])
def test_forward_and_losses(arch):
    head = build_head(arch).train()
    feats = features(arch)
    out = head.forward_all(feats)
    assert out.heatmaps.shape == (2, K, 16, 16)
    assert out.score_maps.shape == (2, K) + feats.dense.shape[-2:]
    assert out.prompts.shape == (2, K, 64)
    losses = head.loss(feats, data_samples())
    assert set(losses) == {'loss_kpt', 'loss_spatial', 'loss_feature', 'acc_pose'}
    for name in ('loss_kpt', 'loss_spatial', 'loss_feature'):
        assert torch.isfinite(losses[name]) and losses[name] > 0
    sum(losses[n] for n in ('loss_kpt', 'loss_spatial', 'loss_feature')).backward()
    assert head.text_encoder.context.grad.abs().sum() > 0
    assert head.loss_feature_module.logit_scale.grad is not None


def test_deconv_decoder_sees_feature_map_and_score_maps():
    head = build_head(TINY_RN)
    assert head.deconv_layers[0].in_channels == 512 + K


def test_prompt_path_runs_once_per_step_and_once_per_model_in_eval():
    head = build_head(TINY_RN)
    calls = []
    head.text_encoder.register_forward_hook(lambda *args: calls.append(1))
    feats = features(TINY_RN)

    head.train()
    head.loss(feats, data_samples())
    assert len(calls) == 1  # once for the whole batch

    head.eval()
    cfg = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True)
    for _ in range(3):
        head.predict([feats, features(TINY_RN, seed=1)], data_samples(), cfg)
    assert len(calls) == 2  # once more, for all evaluation batches (and their flips)

    head.load_state_dict(head.state_dict())  # new weights: recompute
    head.predict(feats, data_samples(), {})
    assert len(calls) == 3


def test_flip_test_follows_mmpose_convention():
    head = build_head(TINY_RN).eval()
    feats, feats_flip = features(TINY_RN), features(TINY_RN, seed=3)
    cfg = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True, output_heatmaps=True)
    samples = data_samples()
    preds, fields = head.predict([feats, feats_flip], samples, cfg)
    with torch.no_grad():
        expected = 0.5 * (head.forward(feats) + flip_heatmaps(
            head.forward(feats_flip), flip_mode='heatmap',
            flip_indices=samples[0].metainfo['flip_indices'], shift_heatmap=True))
    torch.testing.assert_close(torch.stack([f.heatmaps for f in fields]), expected)
    decoded = head.decode(expected)
    np.testing.assert_allclose(preds[0].keypoints, decoded[0].keypoints)


def test_text_encoder_frozen_by_the_config_optimizer_while_context_learns():
    cfg = Config.fromfile(CLAMP_RN50)
    model = torch.nn.Module()
    model.head = build_head(TINY_RN).train()
    init_default_scope('mmpose')  # as MMPose's runner sets it (the config names our constructor)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    frozen = {k: v.clone() for k, v in model.head.text_encoder.state_dict().items()
              if k != 'context'}
    context = model.head.text_encoder.context.detach().clone()
    decoder_weight = model.head.context_decoder.gamma.detach().clone()
    losses = model.head.loss(features(TINY_RN), data_samples())
    optim.update_params(losses['loss_kpt'] + losses['loss_spatial'] + losses['loss_feature'])
    for k, v in model.head.text_encoder.state_dict().items():
        if k != 'context':
            assert torch.equal(v, frozen[k]), k
    assert not torch.equal(model.head.text_encoder.context, context)
    assert not torch.equal(model.head.context_decoder.gamma, decoder_weight)


def test_keypoint_names_from_dataset_metainfo():
    head = build_head(TINY_RN, out_channels=17,
                      keypoint_names=dict(from_file='configs/_base_/datasets/ap10k.py'))
    assert head.keypoint_names[:3] == ['L_Eye', 'R_Eye', 'Nose']
    assert head.keypoint_names[-1] == 'R_B_Paw'
    assert head.text_encoder.tokens.shape == (17, 13)


def test_keypoint_count_errors():
    with pytest.raises(ValueError, match=r'out_channels=5 but 4 keypoint names'):
        build_head(TINY_RN, out_channels=5)
    head = build_head(TINY_RN)
    with pytest.raises(ValueError, match=r'the training data has 6 keypoints but CLAMPHead was '
                       r'built for 4'):
        head.loss(features(TINY_RN), data_samples(num_keypoints=6))


@pytest.mark.parametrize('codec_type', ['MSRAHeatmap', 'UDPHeatmap'])
def test_feature_loss_needs_no_packed_keypoints(codec_type):
    """MMPose's default pipeline packs no transformed_keypoints: the feature loss reads the
    keypoints off the codec's targets and equals the loss from the keypoints themselves (MSRA's
    targets sit on its heatmap grid, so the keypoints are put there)."""
    from mmpose.registry import KEYPOINT_CODECS
    codec = dict(CODEC, type=codec_type)
    head = build_head(TINY_RN, decoder=codec, keypoint_cell_rule='nearest')
    encoder = KEYPOINT_CODECS.build(codec)
    samples = data_samples()
    for s in samples:
        kpts = s.gt_instances.transformed_keypoints
        if codec_type == 'MSRAHeatmap':
            kpts = np.floor(kpts / 4 + 0.5) * 4
        target = encoder.encode(kpts, np.ones(kpts.shape[:2]))
        s.gt_fields = PixelData(heatmaps=torch.from_numpy(target['heatmaps']))
        s.gt_instances = InstanceData(transformed_keypoints=kpts.astype(np.float32))
    feats = features(TINY_RN)
    with_keypoints = head.loss(feats, samples)['loss_feature']
    for s in samples:
        s.gt_instances = InstanceData(keypoints=np.zeros((1, K, 2)),
                                      keypoints_visible=np.ones((1, K)))
    from_targets = head.loss(feats, samples)['loss_feature']
    assert with_keypoints > 0
    assert torch.allclose(with_keypoints, from_targets, rtol=1e-5)


def test_samples_without_target_heatmaps_name_the_missing_transform():
    head = build_head(TINY_RN)
    samples = data_samples()
    for s in samples:
        del s.gt_fields
    with pytest.raises(KeyError, match=r"GenerateTarget.*heatmap codec"):
        head.loss(features(TINY_RN), samples)


def test_keypoints_without_a_target_do_not_enter_the_feature_loss():
    head = build_head(TINY_RN, keypoint_cell_rule='nearest')
    samples = data_samples()
    feats = features(TINY_RN)
    for s in samples:
        s.gt_instances = InstanceData(keypoints=np.zeros((1, K, 2)))
    full = head.loss(feats, samples)['loss_feature']
    samples[0].gt_fields.heatmaps[1:] = 0  # keypoints 1.. of image 0 have no target
    assert not torch.allclose(full, head.loss(feats, samples)['loss_feature'])


def test_backbone_without_embeddings_is_refused():
    head = build_head(TINY_RN)
    with pytest.raises(TypeError, match='out_embeddings=True'):
        head.forward((torch.randn(1, 512, 2, 2), ))


def test_learnable_prompt_ablation_has_no_text_encoder():
    head = build_head(TINY_VIT, prompt_source='learnable')
    assert not hasattr(head, 'text_encoder')
    assert head.prompt_embeddings_param.shape == (K, 64)
    losses = head.loss(features(TINY_VIT), data_samples())
    losses['loss_feature'].backward()
    assert head.prompt_embeddings_param.grad.abs().sum() > 0


@pytest.mark.parametrize('init, low, high', [('pytorch', 0.05, 1.0), ('mmpose', 0.0, 0.002)])
def test_spatial_upsampler_initialisation(init, low, high):
    """'pytorch': PyTorch's default init, as the authors' upsampler gets; 'mmpose': the
    heatmap head's normal std 0.001. The pose decoder keeps MMPose's init either way."""
    torch.manual_seed(0)
    head = build_head(TINY_RN, spatial_upsampler=dict(
        deconv_out_channels=(8, 8, 8), deconv_kernel_sizes=(4, 4, 4), init=init))
    std = head.spatial_upsampler[0][0].weight.std().item()
    assert low < std < high
    assert head.deconv_layers[0].weight.std().item() < 0.002
    with pytest.raises(ValueError, match="init must be 'pytorch' or 'mmpose'"):
        build_head(TINY_RN, spatial_upsampler=dict(
            deconv_out_channels=(8, ), deconv_kernel_sizes=(4, ), init='xavier'))


def test_authors_cell_rule_needs_and_uses_visibility():
    """An invisible keypoint weighs nothing in the feature loss and, under the authors' rule,
    enters the other keypoints' softmax as a zero vector: the loss moves with it."""
    head = build_head(TINY_RN)
    feats = features(TINY_RN)
    samples = data_samples()
    visible = head.loss(feats, samples)['loss_feature']
    for s in samples:
        s.gt_instances.keypoints_visible = np.array([[1.0, 0.0, 1.0, 1.0]], np.float32)
    hidden = head.loss(feats, samples)['loss_feature']
    assert not torch.isclose(visible, hidden)
    nearest = build_head(TINY_RN, keypoint_cell_rule='nearest')
    nearest.load_state_dict(head.state_dict())
    assert not torch.isclose(nearest.loss(feats, samples)['loss_feature'], hidden)
    with pytest.raises(ValueError, match="keypoint_cell_rule must be 'authors' or 'nearest'"):
        build_head(TINY_RN, keypoint_cell_rule='round')
