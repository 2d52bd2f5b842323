"""Exported ONNX models run without torch and predict what MMPose predicts."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmpose.apis import inference_topdown, init_model

from clamp_mmpose.deploy import DeployError, OnnxPoseModel
from clamp_mmpose.tools import export, infer
from tests.helpers import BASELINE_RN50, CLAMP_RN50, REPO, away_from_init, demo_checkpoint
from tests.helpers.models import config_and_checkpoint, convert_reference, exported_pose_model

# Nothing beyond onnxruntime, numpy and opencv-python (docs/deployment.md): the training stack
# and the progress bar (tqdm) are blocked.
BLOCKED = ('torch', 'torchvision', 'mmcv', 'mmengine', 'mmpose', 'mmdet', 'tqdm')
# The authors' three CLAMP layouts (converted reference models), the demo's tiny CLAMP and a
# SimpleBaseline.
MODELS = ('rn50', 'vit_b16', 'vit_l14', 'demo', 'baseline')


@pytest.fixture(scope='module', params=MODELS)
def exported(request, tmp_path_factory, synthetic_ap10k):
    """(PyTorch model, ONNX model folder, input size) of one exported model."""
    tmp = tmp_path_factory.mktemp(f'onnx_{request.param}')
    if request.param == 'baseline':
        config, checkpoint = config_and_checkpoint(BASELINE_RN50, synthetic_ap10k, tmp,
                                                   'baseline')
        away_from_init(checkpoint)
    elif request.param == 'demo':
        config, checkpoint = demo_checkpoint(tmp)
    else:
        _, _, config, checkpoint = convert_reference(request.param, tmp)
    out_dir = tmp / 'deploy'
    assert export.main([config, checkpoint, str(out_dir / 'model'), '--onnx']) == 0
    model = init_model(str(out_dir / 'model.py'), str(out_dir / 'model.pth'), device='cpu')
    return model, str(out_dir), OnnxPoseModel(str(out_dir)).input_size


def test_onnx_heatmaps_equal_pytorch(exported):
    model, model_dir, (w, h) = exported
    runtime = OnnxPoseModel(model_dir)
    torch.manual_seed(0)
    images = torch.randn(3, 3, h, w)  # another batch size than the export's example
    with torch.no_grad():
        expected = model.head(model.backbone(images)).numpy()
    got = runtime.heatmaps(images.numpy())
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4
    assert np.abs(expected).mean() > 1e-3  # a real comparison


def _animal_image(seed=0, size=(240, 320)):
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 255, (size[0] // 16, size[1] // 16, 3), np.uint8)
    return cv2.resize(coarse, size[::-1], interpolation=cv2.INTER_LINEAR)


def test_decoded_keypoints_equal_mmpose_inference_topdown(exported, tmp_path):
    model, model_dir, _ = exported
    image = _animal_image()
    path = str(tmp_path / 'animal.png')
    cv2.imwrite(path, image)
    boxes = np.array([[30, 40, 200, 220], [150, 10, 310, 120]], np.float64)
    results = inference_topdown(model, path, bboxes=boxes)
    expected = np.stack([r.pred_instances.keypoints[0] for r in results])
    expected_scores = np.stack([r.pred_instances.keypoint_scores[0] for r in results])
    keypoints, scores = OnnxPoseModel(model_dir).predict(image, boxes)
    assert np.abs(keypoints - expected).max() < 0.5
    np.testing.assert_allclose(scores, expected_scores, atol=1e-4)


def test_runtime_runs_where_torch_and_openmmlab_cannot_be_imported(tmp_path):
    _, model_dir = exported_pose_model(tmp_path)
    image = str(tmp_path / 'animal.png')
    cv2.imwrite(image, _animal_image())
    out = str(tmp_path / 'out')
    code = f'''
import sys
for name in {BLOCKED!r}:
    sys.modules[name] = None
import clamp_mmpose
assert not clamp_mmpose.WITH_TRAINING_STACK
from clamp_mmpose.deploy import OnnxPoseModel
from clamp_mmpose.tools.cli import main
assert main(['infer', {model_dir!r}, {image!r}, '--bboxes', '20', '30', '200', '200',
             '--out', {out!r}]) == 0
# The commands that need the training stack say so instead of failing on an import.
assert main(['prompts', 'any_config.py']) == 2
loaded = [n for n in {BLOCKED!r} if sys.modules.get(n) is not None]
assert not loaded, loaded
print('ran without', ', '.join({BLOCKED!r}))
'''
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '`clamp-mmpose prompts` needs torch, mmengine, mmcv and mmpose' in result.stderr
    written = json.load(open(osp.join(out, 'animal.json')))
    assert np.asarray(written['frames'][0]['instances'][0]['keypoints']).shape == (17, 2)
    assert cv2.imread(osp.join(out, 'animal.jpg')).shape == (240, 320, 3)


@pytest.fixture(scope='module')
def tiny_export(tmp_path_factory):
    return exported_pose_model(tmp_path_factory.mktemp('tiny_onnx'))


def test_infer_command_on_an_image_and_a_video(tiny_export, tmp_path, capsys):
    _, model_dir = tiny_export
    image = _animal_image()
    video_path = str(tmp_path / 'clip.mp4')
    writer = cv2.VideoWriter(video_path, cv2.VideoWriter_fourcc(*'mp4v'), 10, (320, 240))
    for i in range(4):
        writer.write(np.roll(image, 8 * i, axis=1))
    writer.release()
    out = str(tmp_path / 'out')
    assert infer.main([model_dir, video_path, '--whole-image', '--out', out]) == 0
    result = json.load(open(osp.join(out, 'clip.json')))
    assert len(result['frames']) == 4
    assert result['keypoint_names'][0] == 'L_Eye'  # AP-10K's metainfo
    first = np.asarray(result['frames'][0]['instances'][0]['keypoints'])
    assert first.shape == (17, 2)
    assert cv2.VideoCapture(osp.join(out, 'clip.mp4')).read()[0]
    assert '4/4' in capsys.readouterr().err  # the progress bar, with frames per second
    # Two boxes on an image, without flip test.
    cv2.imwrite(str(tmp_path / 'two.png'), image)
    assert infer.main([model_dir, str(tmp_path / 'two.png'), '--bboxes', '0', '0', '100', '100',
                       '120', '50', '300', '230', '--no-flip-test', '--out', out]) == 0
    assert len(json.load(open(osp.join(out, 'two.json')))['frames'][0]['instances']) == 2


def test_bad_inputs_name_the_file(tiny_export, tmp_path, capsys):
    _, model_dir = tiny_export
    image = str(tmp_path / 'animal.png')
    cv2.imwrite(image, _animal_image())
    out = str(tmp_path / 'out')

    def error(*argv):
        assert infer.main(list(argv)) == 1
        return capsys.readouterr().err

    assert 'nowhere: no such folder' in error('nowhere', image, '--whole-image', '--out', out)
    assert 'missing.png: no such file' in error(model_dir, str(tmp_path / 'missing.png'),
                                                '--whole-image', '--out', out)
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not an image')
    assert 'broken.jpg cannot be read as an image' in error(model_dir, str(broken),
                                                            '--whole-image', '--out', out)
    assert 'lies outside' in error(model_dir, image, '--bboxes', '400', '10', '500', '90',
                                   '--out', out)
    # A folder whose ONNX file is gone, and one whose graph has another input size.
    lonely = tmp_path / 'lonely'
    lonely.mkdir()
    deploy = json.load(open(osp.join(model_dir, 'clamp.deploy.json')))
    json.dump(deploy, open(lonely / 'clamp.deploy.json', 'w'))
    assert 'clamp.onnx: no such file' in error(str(lonely), image, '--whole-image', '--out', out)
    resized = tmp_path / 'resized'
    resized.mkdir()
    os.symlink(osp.join(model_dir, 'clamp.onnx'), resized / 'clamp.onnx')
    json.dump(dict(deploy, input_size=[192, 256]), open(resized / 'clamp.deploy.json', 'w'))
    message = error(str(resized), image, '--whole-image', '--out', out)
    assert 'clamp.onnx takes 256x256 (w x h) images but' in message and '192x256' in message
    with pytest.raises(DeployError, match='holds no'):
        OnnxPoseModel(str(tmp_path))


def test_int8_export_is_a_separate_quantised_model(synthetic_ap10k, tmp_path):
    import onnx
    config, checkpoint = config_and_checkpoint(CLAMP_RN50, synthetic_ap10k, tmp_path, 'clamp')
    away_from_init(checkpoint)
    out = str(tmp_path / 'deploy' / 'clamp')
    assert export.main([config, checkpoint, out, '--onnx', '--int8']) == 0
    fp32 = OnnxPoseModel(out + '.deploy.json')
    int8 = OnnxPoseModel(out + '.int8.deploy.json')
    assert (fp32.precision, int8.precision) == ('float32', 'int8')
    ops = {node.op_type for node in onnx.load(out + '.int8.onnx').graph.node}
    assert {'QuantizeLinear', 'DynamicQuantizeLinear'} <= ops  # static convs, dynamic MatMul
    # The deconv head as convolutions + pixel shuffle (quantised), in the int8 graph only.
    assert 'ConvTranspose' not in ops and 'DepthToSpace' in ops
    assert 'ConvTranspose' in {node.op_type for node in onnx.load(out + '.onnx').graph.node}
    w, h = fp32.input_size
    images = np.random.default_rng(0).standard_normal((2, 3, h, w)).astype(np.float32)
    exact, approx = fp32.heatmaps(images), int8.heatmaps(images)
    assert approx.shape == exact.shape
    assert np.corrcoef(exact.ravel(), approx.ravel())[0, 1] > 0.9
    with pytest.raises(DeployError, match='holds 2'):  # two models in one folder: name one
        OnnxPoseModel(str(tmp_path / 'deploy'))


def test_int8_needs_onnx(capsys):
    with pytest.raises(SystemExit):
        export.main(['config.py', 'model.pth', 'out', '--int8'])
    assert '--int8 quantises the ONNX graph: use it with --onnx' in capsys.readouterr().err
