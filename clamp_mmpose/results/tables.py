"""The tables as markdown: our figure, the reported one, the difference, missing runs."""
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

from .metafiles import DETAIL, METRICS, TABLES, build_tables
from .work_dirs import collect


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

    from ..export.complexity import model_complexity
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
