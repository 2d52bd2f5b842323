"""This plugin computes what the authors' CLAMP code computes.

The reference (``tests/data/authors_reference``, see its README) was made by running the authors'
own code on small random CLAMP models of their three architectures. Their weights go through the
converter into this plugin's model; every stage, both test forwards and every loss term must then
agree: heatmaps, prompts and score maps within 1e-4 absolute (float32), losses within 1e-4
relative. A change to any one component's maths fails one of these tests.
"""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.structures import PoseDataSample

from clamp_mmpose.converters.official import (describe_official_model, map_official_state_dict,
                                              official_codec, official_model_config)
from tests.helpers.models import authors_state_dict, load_reference

ARCHS = ('rn50', 'vit_b16', 'vit_l14')
FLIP_INDICES = [1, 0, 2, 3, 4, 8, 9, 10, 5, 6, 7, 14, 15, 16, 11, 12, 13]
ATOL = 1e-4
LOSS_RTOL = 1e-4
LOSS_NAMES = dict(loss_kpt='mse_loss', loss_spatial='spatial_loss', loss_feature='feature_loss')


def converted_model(ref):
    state = authors_state_dict(ref)
    spec = describe_official_model(state)
    size = spec['input_size']
    model_cfg = official_model_config(spec)
    model_cfg['head']['decoder'] = official_codec(size)
    model = MODELS.build(dict(type='TopdownPoseEstimator', **model_cfg,
                              test_cfg=dict(flip_test=True, flip_mode='heatmap',
                                            shift_heatmap=True)))
    model.load_state_dict(map_official_state_dict(state, model.state_dict()), strict=True)
    return model.eval(), size


@pytest.fixture(scope='module', params=ARCHS)
def reference(request):
    ref = load_reference(request.param)
    model, size = converted_model(ref)
    return request.param, ref, model, size


def assert_close(ours, theirs, what, atol=ATOL):
    assert ours.shape == theirs.shape, f'{what}: shape {tuple(ours.shape)} vs {tuple(theirs.shape)}'
    err = (ours.float() - theirs).abs().max().item()
    assert err <= atol, f'{what}: max abs difference {err:.3g} > {atol:g}'


def test_reference_outputs_are_far_above_the_tolerance(reference):
    """Otherwise a 1e-4 tolerance could not tell one component's output from another's."""
    _, ref, _, _ = reference
    for key in ('test/heatmaps', 'stage/score_maps', 'stage/prompts', 'stage/dense'):
        assert ref[key].abs().mean() > 100 * ATOL, key


def test_every_stage_of_the_test_forward(reference):
    _, ref, model, _ = reference
    with torch.no_grad():
        feats = model.backbone(ref['input/images'])
        assert_close(feats.dense, ref['stage/dense'], 'dense embeddings')
        assert_close(feats.global_embedding, ref['stage/global'], 'global embedding')
        head = model.head
        assert_close(head.text_encoder(), ref['stage/text_embeddings'], 'text encoder')
        assert_close(head.encode_prompts(), ref['stage/prompt_encoder'], 'prompt encoder')
        outputs = head.forward_all(feats)
    assert_close(outputs.prompts, ref['stage/prompts'], 'image-conditioned prompts')
    assert_close(outputs.score_maps, ref['stage/score_maps'], 'score maps')
    assert_close(outputs.heatmaps, ref['test/heatmaps'], 'heatmaps without flip')


def _test_samples(ref, size):
    samples = []
    for center, scale in zip(ref['input/center'].numpy(), ref['input/scale'].numpy()):
        sample = PoseDataSample(metainfo=dict(
            input_size=(size, size), flip_indices=FLIP_INDICES,
            input_center=center, input_scale=scale * 200.0))
        sample.gt_instances = InstanceData(bboxes=np.zeros((1, 4), np.float32),
                                           bbox_scores=np.ones(1, np.float32))
        samples.append(sample)
    return samples


def test_flip_test_heatmaps_and_decoded_keypoints(reference):
    _, ref, model, size = reference
    with torch.no_grad():
        results = model.predict(ref['input/images'], _test_samples(ref, size))
        # The heatmaps the decoder saw, with the authors' flip test (flip back, shift, average).
        images = ref['input/images']
        _, heatmaps = model.head.predict(
            [model.backbone(images), model.backbone(images.flip(-1))], _test_samples(ref, size),
            test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True,
                          output_heatmaps=True))
    assert_close(torch.stack([h.heatmaps for h in heatmaps]), ref['test/heatmaps_flip'],
                 'flip-test heatmaps')
    ours = np.stack([r.pred_instances.keypoints[0] for r in results])
    theirs = ref['test/keypoints_flip'][..., :2].numpy()
    assert np.abs(ours - theirs).max() < 1e-2, 'decoded keypoints (image pixels)'
    scores = np.stack([r.pred_instances.keypoint_scores[0] for r in results])
    np.testing.assert_allclose(scores, ref['test/keypoints_flip'][..., 2].numpy(), atol=ATOL)


def test_decoded_keypoints_without_flip_test(reference):
    _, ref, model, size = reference
    test_cfg = model.test_cfg
    model.test_cfg = dict(flip_test=False)
    try:
        with torch.no_grad():
            results = model.predict(ref['input/images'], _test_samples(ref, size))
    finally:
        model.test_cfg = test_cfg
    ours = np.stack([r.pred_instances.keypoints[0] for r in results])
    theirs = ref['test/keypoints'].numpy()
    assert np.abs(ours - theirs[..., :2]).max() < 1e-2, 'decoded keypoints (image pixels)'
    scores = np.stack([r.pred_instances.keypoint_scores[0] for r in results])
    np.testing.assert_allclose(scores, theirs[..., 2], atol=ATOL)


def _decode_to_image(codec, heatmaps, center, scale, size):
    """(K, 64, 64) heatmaps of one crop -> (K, 2) image pixels and (K,) scores, as
    TopdownPoseEstimator maps a decoded crop back (scale in MMPose 0.x's units of 200 px)."""
    keypoints, scores = codec.decode(heatmaps)
    box = scale * 200.0
    return keypoints[0] / size * box + center - box / 2, scores[0]


def test_peaks_on_the_heatmap_border_decode_as_the_authors(reference):
    """Crafted maps with a peak in every edge row and column (and the second ones, corners,
    inside, one map without a positive value), decoded by the authors' keypoints_from_heatmaps;
    MMPose's own MSRAHeatmap moves some of them by a quarter heatmap pixel."""
    _, ref, model, size = reference
    codec = model.head.decoder
    assert type(codec).__name__ == 'InteriorRefineMSRAHeatmap'
    mmpose_codec = KEYPOINT_CODECS.build(dict(type='MSRAHeatmap', input_size=codec.input_size,
                                              heatmap_size=codec.heatmap_size, sigma=2))
    worst_mmpose = 0.0
    for heatmaps, center, scale, theirs in zip(ref['decode/heatmaps'].numpy(),
                                               ref['decode/center'].numpy(),
                                               ref['decode/scale'].numpy(),
                                               ref['decode/keypoints'].numpy()):
        ours, scores = _decode_to_image(codec, heatmaps, center, scale, size)
        assert np.abs(ours - theirs[:, :2]).max() < 1e-2, 'decoded keypoints (image pixels)'
        np.testing.assert_array_equal(scores, theirs[:, 2])
        mmpose, _ = _decode_to_image(mmpose_codec, heatmaps, center, scale, size)
        worst_mmpose = max(worst_mmpose, np.abs(mmpose - theirs[:, :2]).max())
    assert worst_mmpose > 0.5  # the reference tells the two rules apart


def _training_samples(ref, case, size):
    samples = []
    for i in range(ref['input/images'].shape[0]):
        sample = PoseDataSample(metainfo=dict(input_size=(size, size),
                                              flip_indices=FLIP_INDICES))
        sample.gt_instances = InstanceData(
            transformed_keypoints=ref[f'target_{case}/keypoints'][i:i + 1].numpy(),
            keypoints_visible=ref[f'target_{case}/visibility'][i:i + 1].numpy())
        sample.gt_instance_labels = InstanceData(
            keypoint_weights=ref[f'target_{case}/weights'][i:i + 1, :, 0])
        sample.gt_fields = PixelData(heatmaps=ref[f'target_{case}/heatmaps'][i])
        samples.append(sample)
    return samples


def _without_randomness(model):
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
        if hasattr(m, 'drop_prob'):
            m.drop_prob = 0.0


@pytest.mark.parametrize('case', ['visible', 'mixed'])
@pytest.mark.parametrize('mode', ['eval', 'train'])
def test_every_loss_term(reference, case, mode):
    """Heatmap, spatial and feature losses for fixed targets, with all keypoints visible and with
    invisible, off-grid and out-of-crop keypoints; BatchNorm in eval and in train mode."""
    _, ref, model, size = reference
    state = {k: v.clone() for k, v in model.state_dict().items()}
    _without_randomness(model)
    model.train(mode == 'train')
    try:
        with torch.no_grad():
            losses = model.head.loss(model.backbone(ref['input/images']),
                                     _training_samples(ref, case, size))
    finally:
        model.load_state_dict(state)  # train mode moved BatchNorm's running statistics
        model.eval()
    for ours, theirs in LOSS_NAMES.items():
        expected = ref[f'loss_{case}_{mode}/{theirs}'].item()
        got = losses[ours].item()
        assert abs(got - expected) <= LOSS_RTOL * abs(expected), \
            f'{ours}: {got:.8g} vs the authors\' {expected:.8g}'


def test_a_changed_component_is_caught():
    """The tolerance tells components apart: a gamma off by 1% moves the prompts past it."""
    ref = load_reference('rn50')
    model, _ = converted_model(ref)
    with torch.no_grad():
        model.head.context_decoder.gamma.mul_(1.01)
        prompts = model.head.forward_all(model.backbone(ref['input/images'])).prompts
    assert (prompts - ref['stage/prompts']).abs().max() > 10 * ATOL
