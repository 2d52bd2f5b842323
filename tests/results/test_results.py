"""The paper's tables (:mod:`clamp_mmpose.results`, `clamp-mmpose results`) from the work
directories MMEngine leaves: a real short zero-shot run (trained, validated and tested on the
CPU) plus hand-made run folders for other tables."""
import json
import re
import os
import os.path as osp
import shutil

import pytest

from clamp_mmpose import results
from clamp_mmpose.tools.results import main as results_main
from tests.helpers.protocol import ZEROSHOT_NAME, zeroshot_run

COCO1 = 'clamp_clip-vit-b16_4xb32-210e_coco-1pct-256x192'
COCO1_BASE = 'simplebaseline_clip-vit-b16_4xb32-210e_coco-1pct-256x192'
VITB = 'clamp_clip-vit-b16_4xb32-210e_ap10k-256x256'


def _fake_session(run_dir, ts, val_aps=(), seed=None, test_ap=None):
    """A session folder as MMEngine writes it: vis_data/scalars.json (training log lines and
    validation records), vis_data/config.py, and <ts>.json for a test."""
    vis = osp.join(run_dir, ts, 'vis_data')
    os.makedirs(vis, exist_ok=True)
    with open(osp.join(vis, 'scalars.json'), 'w') as f:
        for epoch, ap in enumerate(val_aps, 1):
            f.write(json.dumps(dict(lr=1e-3, loss=0.1, epoch=epoch, iter=epoch, step=epoch))
                    + '\n')
            f.write(json.dumps({'coco/AP': ap, 'coco/AP .5': min(1.0, ap + 0.2),
                                'coco/AP .75': ap, 'coco/AP (M)': ap, 'coco/AP (L)': ap,
                                'coco/AR': ap + 0.05, 'step': epoch * 10}) + '\n')
    subset = '' if seed is None else f'dict(image_percent=1, seed={seed})'
    with open(osp.join(vis, 'config.py'), 'w') as f:
        f.write(f"train_dataloader = dict(dataset=dict(type='X', subset={subset or None}))\n")
    if test_ap is not None:
        with open(osp.join(run_dir, ts, f'{ts}.json'), 'w') as f:
            json.dump({'coco/AP': test_ap, 'coco/AR': test_ap, 'data_time': 0.1}, f)


@pytest.fixture(scope='module')
def work_dirs(tmp_path_factory):
    run = zeroshot_run(tmp_path_factory)
    root = str(tmp_path_factory.mktemp('results_work_dirs'))
    shutil.copytree(run['work_dir'], osp.join(root, ZEROSHOT_NAME),
                    ignore=shutil.ignore_patterns('*.pth'))
    # COCO 1%: CLAMP with three seeds (seed 0 in the plain folder), the baseline with two.
    _fake_session(osp.join(root, COCO1), '20250101_000000', (0.40, 0.53), seed=0)
    _fake_session(osp.join(root, COCO1 + '_seed1'), '20250101_000000', (0.54, 0.50), seed=1)
    _fake_session(osp.join(root, COCO1 + '_seed2'), '20250101_000000', (0.52, ), seed=2)
    _fake_session(osp.join(root, COCO1_BASE), '20250101_000000', (0.49, ), seed=0)
    _fake_session(osp.join(root, COCO1_BASE + '_seed1'), '20250101_000000', (0.50, ), seed=1)
    # AP-10K ViT-B: best epoch 74.5, last 74.0; a later test session 73.9.
    _fake_session(osp.join(root, VITB), '20250101_000000', (0.70, 0.745, 0.74))
    _fake_session(osp.join(root, VITB), '20250102_000000', test_ap=0.739)
    return dict(root=root, run=run)


def _rows(text, *cells):
    """Table rows whose cells start with the given texts."""
    out = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.strip('|').split('|')]
        if len(parts) >= len(cells) and all(p.startswith(c) for p, c in zip(parts, cells)):
            out.append(parts)
    return out


def test_tables_side_by_side(work_dirs, capsys):
    assert results_main(['--work-dirs', work_dirs['root'], '--no-complexity']) == 0
    text = capsys.readouterr().out
    for title in ('Table S1', 'Table S2', 'Table S3', 'Table S4', 'Few-shot', 'Table S5'):
        assert f'### {title}' in text
    # The real zero-shot run: ours next to the paper's 28.7 (and the details next to theirs).
    (row, ) = _rows(text, 'CLAMP RN50', 'Bovidae → Felidae')
    # Our figure next to the paper's 28.7, the difference, and where it was read from.
    ours = float(row[2])
    assert row[3] == '28.7' and row[4] == f'{ours - 28.7:+.1f}' and 0 <= ours <= 100
    assert row[5].endswith('/ 67.6') and re.fullmatch(r'val best \(epoch \d+\)', row[-1])
    # Runs not made are marked and listed with their folder.
    (row, ) = _rows(text, 'SimpleBaseline RN50', 'Bovidae → Felidae')
    assert row[2] == '*missing*' and row[3] == '22.0' and row[4] == '–'
    assert osp.join(work_dirs['root'], ZEROSHOT_NAME.replace('clamp_', 'simplebaseline_')) in text
    # Seeds: mean ± std (best epoch of each seed: 53, 54, 52), or how many seeds were found.
    (row, ) = _rows(text, 'CLAMP ViT-B/16', 'AP@1%')
    assert row[2:6] == ['53.0 ± 1.0', '53.1', '-0.1', 'seeds 0, 1, 2']
    (row, ) = _rows(text, 'SimpleBaseline ViT-B/16', 'AP@1%')
    assert row[2] == '49.5 ± 0.7 (2/3 seeds)' and row[4] == '+0.0'
    assert f'{osp.join(work_dirs["root"], COCO1_BASE)}[_seed<S>] ' in text
    assert f'{COCO1_BASE}.py): seed 2\n' in text
    (row, ) = _rows(text, 'CLAMP ViT-B/16', 'AP@2%')
    assert row[2] == '*missing*'
    # The same run in S1 and S2.
    (row, ) = _rows(text, 'CLAMP ViT-B/16', 'prompt embedding')
    assert row[2:5] == ['74.5', '74.3', '+0.2']
    (row, ) = _rows(text, 'CLAMP ViT-B/16', 'not computed')
    assert row[7:10] == ['74.5', '74.3', '+0.2']


def test_last_validation_and_test_split(work_dirs, capsys):
    results_main(['--work-dirs', work_dirs['root'], '--tables', 'S2', 'S4', '--val-pick',
                  'last'])
    (row, ) = _rows(capsys.readouterr().out, 'CLAMP ViT-B/16', 'prompt embedding')
    assert row[2:5] == ['74.0', '74.3', '-0.3'] and row[5] == 'val last (epoch 30)'
    results_main(['--work-dirs', work_dirs['root'], '--tables', 'S2', 'S4', '--split', 'test'])
    text = capsys.readouterr().out
    (row, ) = _rows(text, 'CLAMP ViT-B/16', 'prompt embedding')
    assert row[2:5] == ['73.9', '74.3', '-0.4'] and row[5].startswith('test 20250102_000000')
    # The zero-shot run's `runner.test()` (what `mim test` runs) wrote <ts>/<ts>.json.
    (row, ) = _rows(text, 'CLAMP RN50', 'Bovidae → Felidae')
    assert row[2] == f'{100 * work_dirs["run"]["test_metrics"]["coco/AP"]:.1f}'
    assert row[-1].startswith('test ')


def test_seed_comes_from_the_session_config(tmp_path, capsys):
    """A seed-2 run put in the _seed1 folder counts as seed 2, with a warning."""
    _fake_session(str(tmp_path / COCO1), '20250101_000000', (0.50, ), seed=0)
    _fake_session(str(tmp_path / (COCO1 + '_seed1')), '20250101_000000', (0.52, ), seed=2)
    got = results.collect(str(tmp_path), 'configs/coco/' + COCO1, seeds=(0, 1, 2))
    assert sorted(got) == [0, 2]
    assert 'counted as seed 2, not 1' in capsys.readouterr().err
    # A test session counts for its folder's seed, whatever its config says.
    _fake_session(str(tmp_path / (COCO1 + '_seed1')), '20250103_000000', seed=0, test_ap=0.5)
    assert sorted(results.collect(str(tmp_path), 'configs/coco/' + COCO1, seeds=(0, 1, 2),
                                  split='test')) == [1]
    # Without a dumped config the folder's suffix decides.
    os.remove(str(tmp_path / (COCO1 + '_seed1') / '20250101_000000/vis_data/config.py'))
    assert sorted(results.collect(str(tmp_path), 'configs/coco/' + COCO1,
                                  seeds=(0, 1, 2))) == [0, 1]


def test_table_s1_complexity(work_dirs, monkeypatch):
    from clamp_mmpose.export import complexity
    seen = []

    def fake(model_cfg, input_size):
        seen.append((model_cfg['head']['type'], tuple(input_size)))
        return dict(params_m=52.8, gflops=10.0)

    monkeypatch.setattr(complexity, 'model_complexity', fake)
    text = results.render_table('S1', work_dirs=work_dirs['root'])
    (row, ) = _rows(text, 'CLAMP RN50')
    assert row[1:7] == ['52.8', '68', '-15.2', '10.00', '9.2', '+0.80']
    assert len(seen) == 4 and all(size == (256, 256) for _, size in seen)


def test_a_missing_work_dirs_folder_is_named(tmp_path, capsys):
    assert results_main(['--work-dirs', str(tmp_path / 'typo'), '--tables', 'S2',
                         '--no-complexity']) == 0
    captured = capsys.readouterr()
    assert 'typo is not a folder, so every run below shows as missing' in captured.err
    assert '| CLAMP' in captured.out  # the paper's figures are still printed


def test_help():
    with pytest.raises(SystemExit) as exit_:
        results_main(['--help'])
    assert exit_.value.code == 0


def _index_with(tmp_path, metafile_text):
    """A model index of this project's metafiles plus one more (``configs/extra/extra.yml``)."""
    with open(results.model_index_file()) as f:
        imports = [ln.strip()[2:] for ln in f if ln.startswith('- ')]
    root = osp.dirname(results.model_index_file())
    for path in imports:
        os.makedirs(tmp_path / osp.dirname(path), exist_ok=True)
        shutil.copy(osp.join(root, path), tmp_path / path)
    os.makedirs(tmp_path / 'configs' / 'extra')
    (tmp_path / 'configs' / 'extra' / 'extra.yml').write_text(metafile_text)
    (tmp_path / 'model-index.yml').write_text(
        'Import:\n' + ''.join(f'- {p}\n' for p in imports + ['configs/extra/extra.yml']))
    return results.load_model_index(str(tmp_path / 'model-index.yml'))


def test_paper_figures_come_from_the_metafiles(tmp_path):
    entries = _index_with(tmp_path, 'Models: []\n')
    (vitb, ) = [e for e in entries if e['Name'] == VITB]
    vitb['Results'][0]['Metrics']['AP'] = 0.801
    vitb['Metadata']['Setting'] = 'edited'
    text = results.render_table('S2', work_dirs=str(tmp_path),
                                tables=results.build_tables(entries))
    (row, ) = _rows(text, 'CLAMP ViT-B/16', 'edited')
    assert row[3] == '80.1'


def test_a_collection_with_only_mmpose_figures(tmp_path):
    """A dataset the paper does not report on: our configs without a figure, MMPose's model-zoo
    models with theirs."""
    entries = _index_with(tmp_path, '''
Models:
- Name: clamp_x
  In Collection: CLAMP
  Config: configs/extra/clamp_x.py
  Metadata: {Backbone: RN50, Training Data: Test-Set}
- Name: td-hm_res50_8xb64-210e_testset-256x256
  In Collection: SimpleBaseline
  Config: mmpose::animal_2d_keypoint/topdown_heatmap/testset/td-hm_res50_8xb64-210e_testset-256x256.py
  Metadata: {Backbone: ResNet-50, Training Data: Test-Set}
  Results:
  - {Task: Animal 2D Keypoint, Dataset: Test-Set, Metrics: {AP: 0.691}}
''')
    tables = results.build_tables(entries)
    assert list(tables)[:len(results.TABLES)] == list(results.TABLES)
    _fake_session(str(tmp_path / 'work' / 'clamp_x'), '20250101_000000', (0.70, ))
    text = results.render_table('testset', work_dirs=str(tmp_path / 'work'), tables=tables)
    assert text.startswith('### Test-Set: ')
    (row, ) = _rows(text, 'CLAMP RN50')
    assert row[2:6] == ['70.0', '–', '–', '–']
    (row, ) = _rows(text, 'SimpleBaseline ResNet-50')
    assert row[2:6] == ['*missing*', '69.1', '–', 'MMPose model zoo']
    assert 'td-hm_res50_8xb64-210e_testset-256x256 (mmpose::animal_2d_keypoint/' in text
