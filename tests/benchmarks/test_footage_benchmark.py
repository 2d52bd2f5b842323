"""The footage benchmark runs end to end in its reduced mode (no thresholds: timings are not
tests), both paths on the same boxes."""
import json

import numpy as np


def test_footage_benchmark_smoke_run(tmp_path, capsys):
    from benchmarks.footage import main
    out = tmp_path / 'footage.json'
    main(['--smoke', '--frames', '3', '--out', str(out)])
    table = capsys.readouterr().out
    assert '| PyTorch: MMPoseInferencer |' in table and 'torch-free, int8 pose model' in table
    results = json.load(open(out))
    for name in ('pytorch_mmpose_inferencer', 'torch_free_float32', 'torch_free_int8'):
        assert results[name]['fps'] > 0, name
    assert results['torch_free_float32']['speedup_vs_pytorch'] > 0
    # The same detections reach the pose model in both paths; MMPose adds the whole frame
    # where there is none.
    assert results['torch_free_float32']['boxes_per_frame'] <= \
        results['pytorch_mmpose_inferencer']['boxes_per_frame']
    # The PyTorch row flushes denormal floats (a process-wide processor flag): undone after,
    # or numpy in the rest of the process would lose them too.
    assert np.float32(1e-39) != 0
