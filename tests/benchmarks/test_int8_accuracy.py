"""benchmarks/int8_accuracy.py runs end to end (its figures are not asserted: they are the point
of running it on a trained model)."""
import json
import sys

from tests.deploy.test_runtime import _demo_checkpoint
from tests.helpers import REPO


def test_int8_accuracy_scores_both_exports_with_the_configs_metric(synthetic_ap10k, tmp_path,
                                                                   capsys):
    sys.path.insert(0, REPO)
    from benchmarks.int8_accuracy import main
    config, checkpoint = _demo_checkpoint(tmp_path)
    out = tmp_path / 'int8.json'
    results = main([config, checkpoint, '--data-root', synthetic_ap10k, '--out', str(out)])
    table = capsys.readouterr().out
    assert set(results) == {'float32', 'int8'}
    assert set(results['float32']) == set(results['int8'])
    for precision in ('float32', 'int8'):
        assert 0 <= results[precision]['coco/AP'] <= 1
        assert results[precision]['seconds'] > 0
    with open(f'{synthetic_ap10k}/annotations/ap10k-val-split1.json') as f:
        boxes = len(json.load(f)['annotations'])
    assert f'{boxes} boxes' in table and '| coco/AP |' in table
    assert json.load(open(out))['results']['int8']['coco/AP'] == results['int8']['coco/AP']
