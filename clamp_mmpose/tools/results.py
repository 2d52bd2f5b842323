"""Gather the paper's tables (S1-S5 and the few-shot figure) from MMEngine work directories.

Where runs live
    One folder per run under ``--work-dirs`` (default ``work_dirs``), named after the config
    file without ``.py``: what ``mim train mmpose configs/<group>/<name>.py`` does by default
    (``work_dirs/<name>``). Protocols with several random subsets (COCO low-data, few-shot)
    put seed S in ``work_dirs/<name>_seed<S>``
    (``--cfg-options train_dataloader.dataset.subset.seed=S --work-dir work_dirs/<name>_seedS``);
    seed 0, the configs' own, may also stay in ``work_dirs/<name>``. ``mim test`` of a
    checkpoint goes to the same folder (``--work-dir``).

What is read
    Every session MMEngine leaves in a run folder, ``<timestamp>/``:

    * training: ``<timestamp>/vis_data/scalars.json``, one JSON record per line; validation
      records carry ``coco/AP`` etc. and the epoch as ``step``;
    * testing: ``<timestamp>/<timestamp>.json``, one JSON dict of the test metrics;
    * ``<timestamp>/vis_data/config.py``, the config of the session: the seed of a training
      session's ``train_dataloader.dataset.subset`` is taken from there (the folder suffix
      only when it is missing), so a seed trained into the wrong folder is still counted as
      what it was. Test sessions count for the seed of their folder.

    Our figure is, by default, the best validation AP of the run (the epoch MMPose's
    ``save_best='coco/AP'`` keeps; the paper reports AP-10K val and COCO val2017);
    ``--val-pick last`` takes the last validation instead, ``--split test`` the latest
    ``mim test`` result. With several seeds a cell shows mean +- sample std and the number of
    seeds found. Missing runs are marked *missing* and listed under each table.

Where the paper's figures come from
    The metafiles beside the configs (``configs/<folder>/*.yml``, OpenMMLab's model-index
    schema, gathered by ``model-index.yml``; the schema is described at the top of
    ``configs/ap10k/clamp_ap10k.yml``). A paper table's rows are the entries whose
    ``Metadata: Paper Tables`` name it, in the metafiles' order. The entries in no paper
    table (MMPose's model-zoo models, configs the paper gives no figure for) make one more
    table per evaluation dataset, printed on request (``--tables ap10k``, ``--tables all``).

Command line::

    python -m clamp_mmpose.tools.results --work-dirs work_dirs
    python -m clamp_mmpose.tools.results --tables S4 S5 --split test
"""
import argparse
import glob
import json
import math
import os.path as osp
import re
import sys
import warnings
from typing import Dict, List, Optional, Sequence

__all__ = ['TABLES', 'METRICS', 'model_index_file', 'load_model_index', 'build_tables',
           'find_sessions', 'run_metrics', 'collect', 'render_table', 'render_tables', 'main']

# Paper metric name -> MMPose CocoMetric key.
METRICS = {
    'AP': 'coco/AP',
    'AP50': 'coco/AP .5',
    'AP75': 'coco/AP .75',
    'APM': 'coco/AP (M)',
    'APL': 'coco/AP (L)',
    'AR': 'coco/AR',
}
# Paper metric name -> metric name in OpenMMLab metafiles (``Results: Metrics:``).
METAFILE_METRICS = {
    'AP': 'AP',
    'AP50': 'AP@0.5',
    'AP75': 'AP@0.75',
    'APM': 'AP (M)',
    'APL': 'AP (L)',
    'AR': 'AR',
}
DETAIL = ('AP50', 'AP75', 'APM', 'APL', 'AR')
SEEDS = (0, 1, 2)

# The layout of the paper's tables. Their rows, and every figure, come from the metafiles: the
# entries whose ``Metadata: Paper Tables`` names the table, in the metafiles' order.
TABLES = {
    'S1': dict(title='Table S1. Complexity (inference form, 256x256) and AP on AP-10K val',
               kind='complexity'),
    'S2': dict(title='Table S2. Prompt embeddings vs a trainable matrix (AP-10K val, ViT-B/16)',
               kind='ap'),
    'S3': dict(title='Table S3. ViT-L/14 on AP-10K val (224x224)', kind='detail'),
    'S4': dict(title='Table S4. Zero-shot across families (AP-10K, RN50; train family → test '
               'family)', kind='detail'),
    'FS': dict(title='Few-shot AP-10K (N annotated instances per species, ViT-B/16, val; the '
               'paper reports 61.2 AP with 20 shots without the exact protocol)', kind='ap',
               seeds=SEEDS),
    'S5': dict(title='Table S5. COCO low-data regimes (ViT-B/16, val2017; mean of three '
               'samplings)', kind='ap', seeds=SEEDS),
}
# A Config of MMPose's own model zoo, as MMEngine writes a config of another package.
MMPOSE_PREFIX = 'mmpose::'


# ---------------------------------------------------------------------------------------------
# Reading the metafiles
# ---------------------------------------------------------------------------------------------
def model_index_file() -> str:
    """``model-index.yml``: the repository's, else the installed package's ``.mim`` copy."""
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    for path in (osp.join(osp.dirname(package), 'model-index.yml'),
                 osp.join(package, '.mim', 'model-index.yml')):
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'model-index.yml found neither beside nor inside {package}')


def load_model_index(index_file: Optional[str] = None) -> List[dict]:
    """The ``Models`` entries of every metafile that ``index_file`` imports (default:
    :func:`model_index_file`), in import order; each entry gains ``Metafile``, the path of its
    metafile relative to the index."""
    import yaml
    index_file = index_file or model_index_file()
    root = osp.dirname(index_file)
    with open(index_file) as f:
        imports = yaml.safe_load(f).get('Import', [])
    entries = []
    for metafile in imports:
        with open(osp.join(root, metafile)) as f:
            models = yaml.safe_load(f).get('Models') or []
        entries += [dict(entry, Metafile=metafile) for entry in models]
    return entries


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _reported(entry: dict, dataset: Optional[str] = None) -> Dict[str, float]:
    """The entry's reported figures in AP points, by paper metric name: its Result on
    ``dataset``, or its first Result."""
    for result in entry.get('Results') or []:
        if dataset is None or result['Dataset'] == dataset:
            metrics = result['Metrics']
            # Metafiles hold fractions; rounding undoes the float noise of the x100.
            return {name: round(100 * metrics[key], 4)
                    for name, key in METAFILE_METRICS.items() if key in metrics}
    return {}


def _entry_row(entry: dict, dataset: Optional[str] = None) -> dict:
    """One table row (label, setting, config without ``.py``, reported figures) of an entry."""
    meta = entry.get('Metadata') or {}
    row = dict(method=entry['In Collection'], backbone=meta.get('Backbone', ''),
               setting=meta.get('Setting', ''), config=osp.splitext(entry['Config'])[0],
               paper=_reported(entry, dataset), mmpose=entry['Config'].startswith(MMPOSE_PREFIX))
    if 'Parameters' in meta:
        row['params'] = meta['Parameters'] / 1e6
    if 'FLOPs' in meta:
        row['gflops'] = meta['FLOPs'] / 1e9
    return row


def _evaluation_datasets(entry: dict) -> List[str]:
    """Where the entry is evaluated: its Results' datasets, else its training data."""
    datasets = [r['Dataset'] for r in entry.get('Results') or []]
    return datasets or _as_list((entry.get('Metadata') or {}).get('Training Data'))


def table_id(dataset: str) -> str:
    """The ``--tables`` name of a dataset's table: 'Animal-Pose' -> 'animalpose'."""
    return re.sub(r'[^a-z0-9]', '', dataset.lower())


def build_tables(entries: Optional[Sequence[dict]] = None) -> Dict[str, dict]:
    """Every table ``clamp-mmpose results`` can print, with its rows.

    The paper's tables (:data:`TABLES`) first; then, for every evaluation dataset, one table
    of the entries that no paper table shows (MMPose's model-zoo references, configs without a
    figure in the paper), if any of them has a reported figure.
    """
    entries = load_model_index() if entries is None else entries
    tables = {key: dict(spec, rows=[]) for key, spec in TABLES.items()}
    by_dataset: Dict[str, List[dict]] = {}
    for entry in entries:
        paper_tables = _as_list((entry.get('Metadata') or {}).get('Paper Tables'))
        for key in paper_tables:
            tables[key]['rows'].append(_entry_row(entry))
        if not paper_tables:
            for dataset in _evaluation_datasets(entry):
                by_dataset.setdefault(dataset, []).append(_entry_row(entry, dataset))
    for dataset, rows in by_dataset.items():
        if any(row['paper'] for row in rows):
            tables[table_id(dataset)] = dict(
                title=f'{dataset}: models outside the paper\'s tables (reported: the paper, or '
                'MMPose\'s model zoo)', kind='reported', rows=rows)
    return tables


_TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')
_SEED_SUFFIX = re.compile(r'^(?P<name>.+)_seed(?P<seed>\d+)$')


# ---------------------------------------------------------------------------------------------
# Reading work directories
# ---------------------------------------------------------------------------------------------
def _read_json_lines(path: str) -> List[dict]:
    records = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # a line cut by a killed run
    return records


def _session_seed(config_file: str) -> Optional[int]:
    """``train_dataloader.dataset.subset.seed`` of a dumped config (None if absent)."""
    if not osp.isfile(config_file):
        return None
    try:
        from mmengine.config import Config
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            cfg = Config.fromfile(config_file, import_custom_modules=False)
        subset = cfg.get('train_dataloader', {}).get('dataset', {}).get('subset')
    except Exception:  # an unreadable dump says nothing about the seed
        return None
    if not subset:
        return None
    return int(subset.get('seed', 0))


def find_sessions(run_dir: str) -> List[dict]:
    """The MMEngine sessions of one run folder, oldest first.

    Each is a dict: ``timestamp``, ``seed`` (from the session's config, or None), ``val``
    (validation records, each with the ``coco/...`` metrics and ``step``) and ``test`` (the
    test metrics dict, or None).
    """
    sessions = []
    for ts_dir in sorted(glob.glob(osp.join(run_dir, '*'))):
        ts = osp.basename(ts_dir)
        if not (osp.isdir(ts_dir) and _TIMESTAMP.match(ts)):
            continue
        vis = osp.join(ts_dir, 'vis_data')
        scalars = osp.join(vis, 'scalars.json')
        if not osp.isfile(scalars):
            scalars = osp.join(vis, f'{ts}.json')
        val = []
        if osp.isfile(scalars):
            val = [r for r in _read_json_lines(scalars) if METRICS['AP'] in r]
        test = None
        test_file = osp.join(ts_dir, f'{ts}.json')
        if osp.isfile(test_file):
            try:
                with open(test_file) as f:
                    data = json.load(f)
                if isinstance(data, dict) and METRICS['AP'] in data:
                    test = data
            except (json.JSONDecodeError, OSError):
                pass
        if not val and test is None:
            continue
        sessions.append(dict(timestamp=ts, seed=_session_seed(osp.join(vis, 'config.py')),
                             val=val, test=test))
    return sessions


def run_metrics(sessions: Sequence[dict], split: str = 'val',
                val_pick: str = 'best') -> Optional[dict]:
    """One run's metrics (fractions as MMPose logs them) from its sessions, or None.

    ``split='val'``: the validation record with the highest ``coco/AP`` (``val_pick='best'``)
    or the last one (``'last'``) over all sessions; ``split='test'``: the latest test session.
    The result has the ``coco/...`` keys plus ``source`` (a short text).
    """
    if split == 'test':
        tests = [s for s in sessions if s['test'] is not None]
        if not tests:
            return None
        last = tests[-1]
        return dict(last['test'], source=f'test {last["timestamp"]}')
    records = [(s['timestamp'], i, r) for s in sessions for i, r in enumerate(s['val'])]
    if not records:
        return None
    if val_pick == 'last':
        ts, _, rec = max(records, key=lambda t: (t[0], t[1]))
    else:
        ts, _, rec = max(records, key=lambda t: (t[2][METRICS['AP']], t[0], t[1]))
    return dict(rec, source=f'val {val_pick} (epoch {rec.get("step", "?")})')


def collect(work_dirs: str, config: str, seeds: Optional[Sequence[int]] = None,
            split: str = 'val', val_pick: str = 'best') -> Dict[Optional[int], dict]:
    """Metrics of one config: ``{None: metrics}`` for single-run protocols, ``{seed: metrics}``
    for seeded ones (only the seeds found)."""
    name = osp.basename(config)
    if seeds is None:
        sessions = find_sessions(osp.join(work_dirs, name))
        m = run_metrics(sessions, split, val_pick)
        return {} if m is None else {None: m}
    by_seed: Dict[int, List[dict]] = {}
    for run_dir in sorted(glob.glob(osp.join(work_dirs, name + '*'))):
        base = osp.basename(run_dir)
        match = _SEED_SUFFIX.match(base)
        if base == name:
            dir_seed = None
        elif match and match.group('name') == name:
            dir_seed = int(match.group('seed'))
        else:
            continue
        for s in find_sessions(run_dir):
            # A training session's config holds the seed it trained with; a test session's
            # config need not (the subset seed does not matter to testing): folder decides.
            seed = s['seed'] if s['val'] else None
            if seed is None:
                seed = 0 if dir_seed is None else dir_seed
            elif dir_seed is not None and seed != dir_seed:
                print(f'warning: {run_dir}/{s["timestamp"]} trained with subset seed {seed}; '
                      f'counted as seed {seed}, not {dir_seed}', file=sys.stderr)
            by_seed.setdefault(seed, []).append(s)
    out = {}
    for seed, sessions in sorted(by_seed.items()):
        sessions = sorted(sessions, key=lambda s: s['timestamp'])
        m = run_metrics(sessions, split, val_pick)
        if m is not None:
            out[seed] = m
    return out


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------
def _fmt(v: Optional[float], digits: int = 1) -> str:
    return '–' if v is None else f'{v:.{digits}f}'


def _diff(ours: Optional[float], paper: Optional[float], digits: int = 1) -> str:
    if ours is None or paper is None:
        return '–'
    return f'{ours - paper:+.{digits}f}'


def _mean_std(values: Sequence[float]):
    n = len(values)
    if n == 0:
        return None, None
    mean = sum(values) / n
    if n < 2:
        return mean, None
    return mean, math.sqrt(sum((v - mean)**2 for v in values) / (n - 1))


def _cell(results: Dict[Optional[int], dict], metric: str, expected: Optional[Sequence[int]]):
    """(text, value) of one metric of one config in AP points; value None if missing."""
    key = METRICS[metric]
    # COCOeval reports -1 where a metric has no instances (e.g. no large animals).
    values = [100.0 * r[key] for r in results.values()
              if r.get(key) is not None and r[key] >= 0]
    if results and not values:
        return 'n/a', None
    if not values:
        return '*missing*', None
    if expected is None:
        return f'{values[0]:.1f}', values[0]
    mean, std = _mean_std(values)
    text = f'{mean:.1f}' + (f' ± {std:.1f}' if std is not None else '')
    n_exp = len(expected)
    if len(values) != n_exp:
        text += f' ({len(values)}/{n_exp} seeds)'
    return text, mean


def _label(row: dict) -> str:
    return ' '.join(x for x in (row['method'], row.get('backbone', '')) if x)


def _header(kind: str) -> List[str]:
    """The markdown header rows of a table of this kind."""
    if kind == 'complexity':
        return ['| model | params ours (M) | params paper | Δ | GFLOPs ours | GFLOPs paper | Δ '
                '| AP ours | AP paper | Δ AP | from |',
                '|---|---|---|---|---|---|---|---|---|---|---|']
    if kind == 'detail':
        return ['| model | setting | AP ours | AP paper | Δ AP | '
                + ' | '.join(f'{m} ours / paper' for m in DETAIL) + ' | from |',
                '|---|---|---|---|---|' + '---|' * len(DETAIL) + '---|']
    if kind == 'reported':
        return ['| model | setting | AP ours | AP reported | Δ AP | reported by | from |',
                '|---|---|---|---|---|---|---|']
    return ['| model | setting | AP ours | AP paper | Δ AP | from |', '|---|---|---|---|---|---|']


def _reporter(row: dict) -> str:
    """Whose figure a row of a ``reported`` table shows."""
    if not row['paper']:
        return '–'
    return 'MMPose model zoo' if row['mmpose'] else 'paper'


def render_table(key: str, work_dirs: str = 'work_dirs', split: str = 'val',
                 val_pick: str = 'best', complexity: bool = True,
                 configs_root: Optional[str] = None,
                 tables: Optional[Dict[str, dict]] = None) -> str:
    """One table of :func:`build_tables` (default: from this project's model index) as
    markdown: title, table, missing runs."""
    spec = (tables or build_tables())[key]
    seeds = spec.get('seeds')
    kind = spec['kind']
    lines = [f'### {spec["title"]}', '']
    missing = []
    if split == 'val':
        what = f'{"best" if val_pick == "best" else "last"} validation AP of each run'
    else:
        what = 'AP of the latest `mim test` of each run'
    if seeds:
        what += f'; mean ± sample std over subset seeds {", ".join(map(str, seeds))}'
    reference = 'reported' if kind == 'reported' else 'paper'
    lines += [f'Ours: {what}, in {work_dirs}. Δ = ours − {reference}.', '']
    lines += _header(kind)
    for row in spec['rows']:
        results = collect(work_dirs, row['config'], seeds, split, val_pick)
        if seeds:
            absent = [s for s in seeds if s not in results]
            if absent:
                missing.append(
                    f'{osp.join(work_dirs, osp.basename(row["config"]))}[_seed<S>] '
                    f'({row["config"]}.py): seed {", ".join(map(str, absent))}')
        elif not results:
            missing.append(f'{osp.join(work_dirs, osp.basename(row["config"]))} '
                           f'({row["config"]}.py)')
        ap_text, ap = _cell(results, 'AP', seeds)
        paper_ap = row['paper'].get('AP')
        if not results:
            source = '–'
        elif seeds:
            source = 'seeds ' + ', '.join(str(s) for s in sorted(results))
        else:
            source = results[None]['source']
        if kind == 'complexity':
            params = gflops = None
            if complexity:
                params, gflops = _complexity(row['config'], configs_root)
            lines.append(
                f'| {_label(row)} | {_fmt(params) if complexity else "not computed"} | '
                f'{_fmt(row["params"], 0)} | {_diff(params, row["params"])} | '
                f'{_fmt(gflops, 2) if complexity else "not computed"} | '
                f'{_fmt(row["gflops"])} | '
                f'{_diff(gflops, row["gflops"], 2)} | {ap_text} | {_fmt(paper_ap)} | '
                f'{_diff(ap, paper_ap)} | {source} |')
        elif kind == 'detail':
            details = []
            for m in DETAIL:
                text, _ = _cell(results, m, seeds)
                details.append(f'{text if results else "–"} / {_fmt(row["paper"].get(m))}')
            lines.append(f'| {_label(row)} | {row.get("setting", "")} | {ap_text} | '
                         f'{_fmt(paper_ap)} | {_diff(ap, paper_ap)} | ' + ' | '.join(details)
                         + f' | {source} |')
        elif kind == 'reported':
            lines.append(f'| {_label(row)} | {row.get("setting", "")} | {ap_text} | '
                         f'{_fmt(paper_ap)} | {_diff(ap, paper_ap)} | {_reporter(row)} | '
                         f'{source} |')
        else:
            lines.append(f'| {_label(row)} | {row.get("setting", "")} | {ap_text} | '
                         f'{_fmt(paper_ap)} | {_diff(ap, paper_ap)} | {source} |')
    if missing:
        lines += ['', 'Missing runs (work dir, config):'] + [f'- {m}' for m in missing]
    return '\n'.join(lines)


def _complexity(config: str, configs_root: Optional[str]):
    from mmengine.config import Config

    from .complexity import model_complexity
    path = osp.join(configs_root or _repo_root(), config + '.py')
    if not osp.isfile(path):
        return None, None
    cfg = Config.fromfile(path)
    stats = model_complexity(cfg.model, tuple(cfg.codec['input_size']))
    return stats['params_m'], stats['gflops']


def _repo_root() -> str:
    """The folder holding ``configs/``: the repository of this package, else the cwd."""
    here = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    return here if osp.isdir(osp.join(here, 'configs')) else '.'


def render_tables(keys: Sequence[str] = tuple(TABLES), **kwargs) -> str:
    """Several tables of :func:`build_tables`, blank-line separated."""
    tables = kwargs.pop('tables', None) or build_tables()
    return '\n\n'.join(render_table(k, tables=tables, **kwargs) for k in keys)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose results',
        description='Print the paper\'s tables (S1-S5, and the few-shot figure as FS) as '
        'markdown from MMEngine work directories: our figure, the paper\'s (read from the '
        'metafiles, configs/*/*.yml), the difference; '
        'mean ± std over seeds where the protocol has several; missing runs marked. Each run '
        'lives in <work-dirs>/<config name> (mim\'s default), seed S of a seeded protocol in '
        '<work-dirs>/<config name>_seed<S>.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--work-dirs', default='work_dirs', help='folder holding the run folders')
    tables = build_tables()
    parser.add_argument('--tables', nargs='+', choices=list(tables) + ['all'],
                        default=list(TABLES), metavar='TABLE',
                        help=f'tables to print: the paper\'s {list(TABLES)}, one per dataset '
                        f'for the models outside them {[k for k in tables if k not in TABLES]}, '
                        'or all')
    parser.add_argument('--split', choices=('val', 'test'), default='val',
                        help='val: validation during training; test: latest `mim test` run')
    parser.add_argument('--val-pick', choices=('best', 'last'), default='best',
                        help='with --split val: best validation AP of the run, or the last')
    parser.add_argument('--no-complexity', action='store_true',
                        help='do not build the Table S1 models to count parameters and GFLOPs')
    parser.add_argument('--configs-root', default=None,
                        help='folder holding configs/ (default: this repository)')
    args = parser.parse_args(argv)
    keys = list(tables) if 'all' in args.tables else args.tables
    print(render_tables(keys, work_dirs=args.work_dirs, split=args.split,
                        val_pick=args.val_pick, complexity=not args.no_complexity,
                        configs_root=args.configs_root, tables=tables))
    return 0


if __name__ == '__main__':
    sys.exit(main())
