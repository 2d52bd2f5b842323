"""``compile=...`` in a config: MMEngine's runner compiles the whole training step
(``train_step``) with ``torch.compile``, through ``CompileTrainStepHook``.

On the CPU the backend is ``aot_eager``: Dynamo's graph capture and AOTAutograd's forward and
backward graphs, which is where model code can fail to compile or break the graph. Inductor's
code generation on top takes minutes on a 2-core CPU, too long for a test: it is tested on
CUDA (``benchmarks/gpu_run.sh compile-tests`` runs this file on the GPU machine), and
``benchmarks/benchmark.py --compile`` measures it on either device.
"""
import copy
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from tests.helpers import BASELINE_RN50, CLAMP_RN50, OLD_DYNAMO, shrink_config

ITERS = 3

# Where the compiled step may leave the graph (Dynamo's graph-break reasons, matched against
# the start of each). Both models: the backward call in MMEngine's update_params, and the
# graph_break() torch.optim places around every optimizer step (so that AOTAutograd sees the
# update as no-grad code; clamp_mmpose calls none). CLAMP: its
# acc_pose, run outside the graph on purpose (one break). The SimpleBaseline: MMPose's
# HeatmapHead traces the same numpy accuracy (pose_pck_accuracy), which Dynamo breaks into
# pieces (np.unravel_index, nonzero, data-dependent branches). Nothing in a backbone, in
# CLAMP's head before its losses, or in the losses.
STEP_BREAKS = [r'Unsupported Tensor\.backward\(\) call',
               r'Call to `torch\._dynamo\.graph_break\(\)`']
ALLOWED_BREAKS = {
    'clamp': STEP_BREAKS + [r'Skip calling `torch\.compiler\.disable'],
    'baseline': STEP_BREAKS + [
        r'attempted to trace numpy function unsupported',
        r'Dynamic shape operator', r'Data-dependent branching',
        r'generic_jump NumpyNdarrayVariable'],
}


class LossRecorder(Hook):

    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append({k: float(v) for k, v in outputs.items() if k.startswith('loss')})


def train(config: str, data_root: str, work_dir: str, compile_cfg) -> LossRecorder:
    cfg = shrink_config(Config.fromfile(config), data_root, work_dir, max_epochs=1)
    cfg.train_cfg = dict(by_epoch=False, max_iters=ITERS, val_interval=ITERS + 1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=ITERS + 1)
    if cfg.model.head.type == 'CLAMPHead':
        # Dropout draws differ between eager and compiled code: off, so the losses can match.
        cfg.model.head.context_decoder['dropout'] = 0.0
    if compile_cfg is not None:
        cfg.compile = compile_cfg
    recorder = LossRecorder()
    runner = Runner.from_cfg(cfg)
    runner.register_hook(recorder)
    runner.train()
    return recorder


@pytest.mark.timeout(600)
@pytest.mark.skipif(OLD_DYNAMO, reason='torch < 2.4: Dynamo fails inside the model')
@pytest.mark.parametrize('backend', [
    'aot_eager',
    # Generated kernels: on CUDA only (the runner trains there when a GPU is present), where
    # they compile in about a minute; the CPU's C++ code generation takes several.
    pytest.param('inductor', marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                      reason='inductor is tested on CUDA'))])
@pytest.mark.parametrize('model', ['clamp', 'baseline'])
def test_compile_in_the_config_trains_as_eager_does(model, backend, synthetic_ap10k, tmp_path):
    config = CLAMP_RN50 if model == 'clamp' else BASELINE_RN50
    eager = train(config, synthetic_ap10k, str(tmp_path / 'eager'), None)
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    compiled = train(config, synthetic_ap10k, str(tmp_path / 'compiled'), dict(backend=backend))
    counters = torch._dynamo.utils.counters
    assert counters['stats']['unique_graphs'] >= 2  # the loss forward, the optimizer step
    breaks = list(counters['graph_break'])
    unexpected = [r for r in breaks
                  if not any(re.match(p, r) for p in ALLOWED_BREAKS[model])]
    assert not unexpected, f'the compiled {model} step breaks its graph at: {unexpected}'
    # The same data, weights and updates: the same losses, the later iterations after AdamW
    # steps taken with the compiled backward.
    assert len(eager.losses) == len(compiled.losses) == ITERS
    for eager_step, compiled_step in zip(eager.losses, compiled.losses):
        assert eager_step.keys() == compiled_step.keys()
        for key, value in eager_step.items():
            # Generated kernels sum in other orders (and cuDNN may pick other algorithms).
            rel = 1e-4 if backend == 'aot_eager' else 2e-3
            assert compiled_step[key] == pytest.approx(value, rel=rel, abs=1e-6), key
    torch._dynamo.reset()


def test_the_hook_leaves_an_uncompiled_run_alone(synthetic_ap10k, tmp_path):
    from clamp_mmpose.engine import CompileTrainStepHook
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, str(tmp_path))
    assert {'type': 'CompileTrainStepHook'} in cfg.custom_hooks
    runner = Runner.from_cfg(cfg)
    forward = runner.model.data_preprocessor.forward
    CompileTrainStepHook().before_run(runner)
    assert runner.model.data_preprocessor.forward == forward

    runner.cfg.compile = True
    CompileTrainStepHook().before_run(runner)
    CompileTrainStepHook().before_run(runner)  # a second call does not wrap again
    wrapped = runner.model.data_preprocessor.forward
    assert wrapped != forward and getattr(wrapped, '_clamp_eager', False)
    assert wrapped._torchdynamo_disable
    # Still the preprocessor's own method: a deep copy of the model calls its own copy.
    copied = copy.deepcopy(runner.model)
    assert copied.data_preprocessor.forward.__self__ is copied.data_preprocessor
    from mmpose.structures import PoseDataSample
    data = dict(inputs=[torch.zeros(3, 8, 8, dtype=torch.uint8)],
                data_samples=[PoseDataSample()])
    assert copied.data_preprocessor(data)['inputs'].shape == (1, 3, 8, 8)


def test_the_hook_warns_on_a_torch_that_cannot_compile_the_model(synthetic_ap10k, tmp_path,
                                                                 monkeypatch):
    from clamp_mmpose.engine import CompileTrainStepHook
    from clamp_mmpose.engine.hooks import compile_train_step_hook
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), synthetic_ap10k, str(tmp_path))
    cfg.compile = True
    runner = Runner.from_cfg(cfg)
    logged = []
    monkeypatch.setattr(compile_train_step_hook, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    monkeypatch.setattr(torch, '__version__', '2.1.2+cu121')
    CompileTrainStepHook().before_run(runner)
    assert len(logged) == 1
    assert 'torch is 2.1.2+cu121' in logged[0] and 'upgrade torch or drop compile' in logged[0]
    monkeypatch.setattr(torch, '__version__', '2.14.1+cu130')
    CompileTrainStepHook().before_run(runner)
    assert len(logged) == 1
