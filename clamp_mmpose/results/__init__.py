"""The paper's tables (S1-S5 and the few-shot figure) from MMEngine work directories.

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

Command line: ``clamp-mmpose results`` (:mod:`clamp_mmpose.tools.results`).
"""
from .metafiles import (DETAIL, MMPOSE_PREFIX, METAFILE_METRICS, METRICS, SEEDS, TABLES,
                        build_tables, load_model_index, model_index_file, table_id)
from .tables import render_table, render_tables
from .work_dirs import collect, find_sessions, run_metrics

__all__ = ['DETAIL', 'MMPOSE_PREFIX', 'METAFILE_METRICS', 'METRICS', 'SEEDS', 'TABLES',
           'build_tables', 'collect', 'find_sessions', 'load_model_index', 'model_index_file',
           'render_table', 'render_tables', 'run_metrics', 'table_id']
