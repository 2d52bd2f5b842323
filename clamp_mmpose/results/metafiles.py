"""The paper's tables and their reported figures, read from the metafiles (``configs/*/*.yml``,
OpenMMLab's model-index schema, gathered by ``model-index.yml``)."""
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

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
