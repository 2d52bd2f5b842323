"""``torch.compile`` of a CLAMP training step on the CPU against the same step in eager mode.

Compiled: the model's loss forward (backbone, head, losses; their backward through
AOTAutograd). The data preprocessor, backward call and the config's AdamW step run as in
MMEngine's ``train_step``. MMEngine's ``compile=True`` compiles ``train_step`` whole, and Dynamo
stops with an error in the data preprocessor's ``cast_data`` on MMPose's packed samples (their
numpy fields, ``InstanceData.to``), for the SimpleBaseline as for CLAMP, before any model code.

The backend is ``aot_eager``: Dynamo's graph capture and AOTAutograd's forward and backward
graphs, which is where CLAMP's code could fail to compile. Inductor's code generation on top
took about 150 s for this tiny model on a 2-core CPU, too long for a test:
``benchmarks/profile_step.py --compile`` runs it.
"""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from tests.helpers import CLAMP_RN50, use_tiny_clip

SIZE, K = 64, 17
# Checked on torch 2.14; torch 2.1's Dynamo stops inside the model with an internal error
# (`super(type, obj): obj must be an instance or subtype of type`). Versions between are
# untested.
OLD_DYNAMO = tuple(int(v) for v in torch.__version__.split('+')[0].split('.')[:2]) < (2, 4)


def tiny_clamp_config() -> Config:
    cfg = Config.fromfile(CLAMP_RN50)
    use_tiny_clip(cfg.model, 'rn')
    cfg.model.head.decoder = dict(type='MSRAHeatmap', input_size=(SIZE, SIZE),
                                  heatmap_size=(SIZE // 4, SIZE // 4), sigma=2)
    # Dropout draws differ between eager and compiled code: off, so the losses can match.
    cfg.model.head.context_decoder['dropout'] = 0.0
    return cfg


def batch(num: int = 2) -> dict:
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(num):
        s = PoseDataSample(metainfo=dict(input_size=(SIZE, SIZE), flip_indices=list(range(K))))
        s.gt_instances = InstanceData(
            transformed_keypoints=rng.uniform(0, SIZE, (1, K, 2)).astype(np.float32))
        s.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, K))
        s.gt_fields = PixelData(heatmaps=torch.from_numpy(
            rng.uniform(0, 1, (K, SIZE // 4, SIZE // 4)).astype(np.float32)))
        samples.append(s)
    inputs = torch.from_numpy(rng.uniform(0, 255, (num, 3, SIZE, SIZE)).astype(np.float32))
    return dict(inputs=inputs, data_samples=samples)


def train_step(model, forward, data: dict, wrapper) -> dict:
    """MMEngine's ``BaseModel.train_step`` with ``forward`` in place of the model's."""
    with wrapper.optim_context(model):
        data = model.data_preprocessor(data, True)
        losses = forward(data['inputs'], data['data_samples'], mode='loss')
    loss, log_vars = model.parse_losses(losses)
    wrapper.update_params(loss)
    return log_vars


@pytest.mark.timeout(300)
@pytest.mark.skipif(OLD_DYNAMO, reason='torch < 2.4: Dynamo fails inside the model')
def test_compiled_training_step_matches_eager():
    init_default_scope('mmpose')
    cfg = tiny_clamp_config()
    torch.manual_seed(0)
    eager = MODELS.build(cfg.model)
    eager.init_weights()
    compiled = copy.deepcopy(eager)
    data = batch()
    runs = {}
    for name, model in (('eager', eager), ('compiled', compiled)):
        wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
        forward = model.forward
        if name == 'compiled':
            torch._dynamo.reset()
            forward = torch.compile(model.forward, backend='aot_eager')
        model.train()
        # Two steps: the second loss shows that backward and AdamW updated the same weights.
        runs[name] = [train_step(model, forward, copy.deepcopy(data), wrapper)
                      for _ in range(2)]
    for eager_log, compiled_log in zip(runs['eager'], runs['compiled']):
        for key in ('loss', 'loss_kpt', 'loss_spatial', 'loss_feature'):
            torch.testing.assert_close(compiled_log[key], eager_log[key], rtol=1e-4, atol=1e-6)
