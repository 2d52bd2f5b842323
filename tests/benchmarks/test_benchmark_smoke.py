"""The benchmark runs end to end in its reduced mode (no thresholds: timings are not tests)."""
import json

import pytest
import torch

from clamp_mmpose.utils.torch_version import torch_version
from tests.helpers import OLD_DYNAMO


def test_benchmark_smoke_run(tmp_path, capsys):
    from benchmarks.benchmark import main
    out = tmp_path / 'bench.json'
    main(['--smoke', '--archs', 'rn50', '--repeats', '1', '--out', str(out)])
    table = capsys.readouterr().out
    assert '| rn50 | infer_b8 (ms) |' in table and 'train_step' in table
    results = json.load(open(out))['results']
    rn50 = results['rn50']
    for key in ('infer_b1', 'infer_b1_flip', 'infer_b8', 'infer_b8_flip', 'train_step',
                'peak_memory_mb'):
        assert rn50[key]['baseline'] > 0 and rn50[key]['clamp'] > 0, key
    assert rn50['text_encoder_calls_per_step']['clamp'] == 1
    # CLAMP adds the text side, the dense attention pool and the spatial upsampler.
    assert rn50['train_step_gflop']['clamp'] > rn50['train_step_gflop']['baseline'] > 0
    assert (rn50['infer_gflop_per_image']['clamp'] > rn50['infer_gflop_per_image']['baseline']
            > 0)
    assert results['pipeline_images_per_s'] > 0
    # ONNX Runtime rows beside PyTorch's, and CLAMP's speed-up over the PyTorch baseline.
    for batch in (1, 8):
        onnx = rn50[f'infer_onnx_b{batch}']
        assert onnx['baseline'] > 0 and onnx['clamp'] > 0
        assert onnx['clamp_int8'] > 0
        speedup = rn50[f'onnx_clamp_speedup_b{batch}']
        assert speedup['vs_pytorch_baseline'] > 0 and speedup['int8_vs_pytorch_baseline'] > 0
    assert 'CLAMP in ONNX Runtime vs the PyTorch baseline, batch 8' in table
    assert 'CLAMP int8 in ONNX Runtime vs the PyTorch baseline, batch 8' in table
    # What the steps issue: CLAMP's extra modules make more operator calls, and each head
    # module's CPU time is listed (CLAMP's own modules for CLAMP only).
    calls = rn50['train_step_aten_calls']
    assert calls['clamp'] > calls['baseline'] > 0
    assert rn50['cpu_ms head.text_encoder (fwd)']['clamp'] > 0
    assert rn50['cpu_ms head.text_encoder (fwd)']['baseline'] is None
    assert rn50['cpu_ms backbone (fwd)']['baseline'] > 0
    assert '| rn50 | CPU time in head.context_decoder (fwd) (ms) | – |' in table
    # Who issues the calls: the text encoder is CLAMP's alone, both models step an optimizer.
    assert rn50['calls head.text_encoder']['clamp'] > 0
    assert rn50['calls head.text_encoder']['baseline'] is None
    assert rn50['calls optimizer step']['baseline'] > 0
    assert '| rn50 | aten calls in head.context_decoder (per step) | – |' in table


def test_benchmark_compiled_training_steps(tmp_path, capsys):
    from benchmarks.benchmark import main
    out = tmp_path / 'bench.json'
    argv = ['--smoke', '--archs', 'rn50', '--repeats', '1', '--train-only', '--compile',
            '--compile-backend', 'aot_eager', '--out', str(out)]
    if OLD_DYNAMO:  # torch < 2.4: refused up front, with the reason
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2 and 'compiling needs torch >= 2.4' in capsys.readouterr().err
        return
    main(argv)
    printed = capsys.readouterr().out
    assert 'rn50 clamp: compiled in' in printed
    assert 'training steps compiled (aot_eager)' in printed
    saved = json.load(open(out))
    rn50 = saved['results']['rn50']
    assert rn50['train_step']['clamp'] > 0 and rn50['train_step_aten_calls']['baseline'] > 0
    # The training rows only; no module times (a compiled model runs no module hooks).
    assert not [k for k in rn50 if k.startswith(('infer', 'cpu_ms', 'peak_memory'))]
    assert 'pipeline_images_per_s' not in saved['results']
    # The baseline's accuracy ran outside the graph only inside the benchmark's steps.
    import mmpose.models.heads.heatmap_heads.heatmap_head as heatmap_head
    from mmpose.evaluation.functional import pose_pck_accuracy
    assert heatmap_head.pose_pck_accuracy is pose_pck_accuracy


def test_benchmark_fused_adamw_issues_fewer_calls(tmp_path, capsys):
    from benchmarks.benchmark import main
    calls = {}
    for fused in (False, True):
        out = tmp_path / f'fused_{fused}.json'
        argv = ['--smoke', '--archs', 'rn50', '--repeats', '1', '--train-only',
                '--out', str(out)] + (['--fused-adamw'] if fused else [])
        if fused and torch_version() < (2, 4):  # no fused AdamW on the CPU: refused
            with pytest.raises(SystemExit) as exc:
                main(argv)
            assert exc.value.code == 2 and 'no fused AdamW on the CPU' in capsys.readouterr().err
            return
        main(argv)
        assert ('fused AdamW' in capsys.readouterr().out) == fused
        calls[fused] = json.load(open(out))['results']['rn50']['train_step_aten_calls']
    # One fused kernel per update in place of foreach's few per stage, in both models.
    for model in ('baseline', 'clamp'):
        assert calls[True][model] < calls[False][model], model


def test_profile_smoke_run(capsys):
    from benchmarks.profile_step import main
    main(['--smoke', '--steps', '1', '--top', '5', '--modules'])
    out = capsys.readouterr().out
    assert '## rn50 baseline:' in out and '## rn50 clamp:' in out
    assert 'aten::' in out  # the profiler's operator table
    assert 'head.spatial_upsampler (fwd)' in out and 'head.text_encoder (fwd)' in out


def test_profile_inference_smoke_run(capsys):
    from benchmarks.profile_step import main
    main(['--smoke', '--inference', '--shapes', '--steps', '1', '--top', '5', '--batch', '2'])
    out = capsys.readouterr().out
    assert 'ms per inference (predict, no flip) (batch 2, cpu)' in out
    assert 'Input Shapes' in out


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a machine without CUDA')
@pytest.mark.parametrize('argv, message', [
    (['--device', 'cuda'], 'torch sees no CUDA device here'),
    (['--amp'], '--amp measures fp16 autocast on CUDA'),
    (['--compile-mode', 'reduce-overhead'], '--compile-mode / --compile-backend go with'),
    (['--compile', '--inference-only'], '--compile compiles the training step'),
    (['--fused-adamw', '--inference-only'], '--fused-adamw changes the training step'),
])
def test_bad_device_options_are_named(argv, message, capsys):
    from benchmarks.benchmark import main
    with pytest.raises(SystemExit) as exc:
        main(['--smoke'] + argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_benchmark_inference_only(tmp_path, capsys):
    from benchmarks.benchmark import main
    out = tmp_path / 'bench.json'
    main(['--smoke', '--archs', 'vitb16', '--repeats', '1', '--inference-only', '--no-flip',
          '--out', str(out)])
    results = json.load(open(out))['results']
    assert set(results) == {'vitb16'}
    assert 'infer_b1_flip' not in results['vitb16']
    assert 'train_step' not in results['vitb16'] and 'infer_onnx_b1' in results['vitb16']
    assert 'data pipeline' not in capsys.readouterr().out


def test_profile_count_ops_smoke_run(capsys):
    from benchmarks.profile_step import main
    counts = main(['--smoke', '--count-ops', '--steps', '1', '--batch', '2'])
    out = capsys.readouterr().out
    assert 'rn50 clamp:' in out and 'top-level aten calls per training step (batch 2)' in out
    assert 'top-level aten calls, CLAMP / baseline:' in out
    # CLAMP adds the text side, the decoders and two losses to the same backbone.
    assert counts['clamp'] > counts['baseline'] > 0
    assert counts['clamp'] == int(counts['clamp'])  # whole calls per step


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a machine without CUDA')
@pytest.mark.parametrize('argv, message', [
    (['--device', 'cuda'], 'torch sees no CUDA device here'),
    (['--amp'], '--amp profiles an fp16-autocast training step on CUDA'),
])
def test_profile_bad_device_options_are_named(argv, message, capsys):
    from benchmarks.profile_step import main
    with pytest.raises(SystemExit) as exc:
        main(['--smoke'] + argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err
