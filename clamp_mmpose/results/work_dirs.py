"""Our figures, read from MMEngine work directories: one run folder per config (seed S of a
seeded protocol in ``<name>_seed<S>``), one ``<timestamp>/`` folder per session."""
import glob
import json
import os.path as osp
import re
import sys
import warnings
from typing import Dict, List, Optional, Sequence

from .metafiles import METRICS

_TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')
_SEED_SUFFIX = re.compile(r'^(?P<name>.+)_seed(?P<seed>\d+)$')


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
