"""`clamp-mmpose results`: the paper's tables (S1-S5 and the few-shot figure) from MMEngine work
directories, as markdown. Where runs live and what is read: :mod:`clamp_mmpose.results`.

Command line::

    python -m clamp_mmpose.tools.results --work-dirs work_dirs
    python -m clamp_mmpose.tools.results --tables S4 S5 --split test
"""
import argparse
import os.path as osp
import sys

from ..results import (METRICS, MMPOSE_PREFIX, TABLES, build_tables, collect, find_sessions,
                       load_model_index, model_index_file, render_table, render_tables,
                       run_metrics)

__all__ = ['TABLES', 'METRICS', 'MMPOSE_PREFIX', 'model_index_file', 'load_model_index',
           'build_tables', 'find_sessions', 'run_metrics', 'collect', 'render_table',
           'render_tables', 'main']


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose results',
        description='Print the paper\'s tables (S1-S5, and the few-shot figure as FS) as '
        'markdown from MMEngine work directories: our figure, the paper\'s (read from the '
        'metafiles, configs/*/*.yml), the difference; '
        'mean ± std over seeds where the protocol has several; missing runs marked. Each run '
        'lives in <work-dirs>/<config name> (mim\'s default), seed S of a seeded protocol in '
        '<work-dirs>/<config name>_seed<S>.')
    parser.add_argument('--work-dirs', default='work_dirs',
                        help='folder holding the run folders (default: %(default)s)')
    tables = build_tables()
    parser.add_argument('--tables', nargs='+', choices=list(tables) + ['all'],
                        default=list(TABLES), metavar='TABLE',
                        help=f'tables to print: the paper\'s {list(TABLES)}, one per dataset '
                        f'for the models outside them {[k for k in tables if k not in TABLES]}, '
                        'or all (default: the paper\'s)')
    parser.add_argument('--split', choices=('val', 'test'), default='val',
                        help='val: validation during training; test: latest `mim test` run '
                        '(default: %(default)s)')
    parser.add_argument('--val-pick', choices=('best', 'last'), default='best',
                        help='with --split val: best validation AP of the run, or the last '
                        '(default: %(default)s)')
    parser.add_argument('--no-complexity', action='store_true',
                        help='do not build the Table S1 models to count parameters and GFLOPs')
    parser.add_argument('--configs-root', default=None,
                        help='folder holding configs/ (default: this repository)')
    args = parser.parse_args(argv)
    if not osp.isdir(args.work_dirs):
        # Still print the tables: the paper's figures are worth seeing before any run.
        print(f'warning: {args.work_dirs} is not a folder, so every run below shows as missing; '
              f'give --work-dirs the folder that holds the runs\' work directories',
              file=sys.stderr)
    keys = list(tables) if 'all' in args.tables else args.tables
    print(render_tables(keys, work_dirs=args.work_dirs, split=args.split,
                        val_pick=args.val_pick, complexity=not args.no_complexity,
                        configs_root=args.configs_root, tables=tables))
    return 0


if __name__ == '__main__':
    sys.exit(main())
