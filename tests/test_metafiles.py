"""The metafiles (configs/<folder>/*.yml, gathered by model-index.yml): one entry per config,
every entry naming a config that exists, and readable by mim as it reads MMPose's."""
import glob
import os.path as osp

import pytest
import yaml

from clamp_mmpose.results import MMPOSE_PREFIX, load_model_index

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
INDEX = osp.join(REPO, 'model-index.yml')


def _project_configs():
    """Every config of the project, as ``configs/<folder>/<name>.py``."""
    paths = glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    return sorted(osp.relpath(p, REPO) for p in paths
                  if '_base_' not in osp.relpath(p, REPO).split(osp.sep))


def _config_exists(config: str) -> bool:
    if config.startswith(MMPOSE_PREFIX):
        import mmpose
        return osp.isfile(osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                                   config[len(MMPOSE_PREFIX):]))
    return osp.isfile(osp.join(REPO, config))


@pytest.fixture(scope='module')
def entries():
    return load_model_index(INDEX)


def test_every_config_has_an_entry(entries):
    named = {e['Config'] for e in entries}
    assert [c for c in _project_configs() if c not in named] == []


def test_every_entry_names_an_existing_config(entries):
    assert [e['Config'] for e in entries if not _config_exists(e['Config'])] == []
    for e in entries:
        # OpenMMLab's convention: the entry is called after its config file.
        assert e['Name'] == osp.splitext(osp.basename(e['Config']))[0]
        # An entry lives in the metafile of its config's folder.
        if not e['Config'].startswith(MMPOSE_PREFIX):
            assert osp.dirname(e['Config']) == osp.dirname(e['Metafile'])
    names = [e['Name'] for e in entries]
    assert len(names) == len(set(names))


def test_index_imports_every_metafile():
    with open(INDEX) as f:
        imports = yaml.safe_load(f)['Import']
    metafiles = sorted(osp.relpath(p, REPO)
                       for p in glob.glob(osp.join(REPO, 'configs', '*', '*.yml')))
    assert sorted(imports) == metafiles


def test_entries_follow_the_schema(entries):
    for e in entries:
        assert {'Name', 'In Collection', 'Config', 'Metadata'} <= set(e), e['Name']
        meta = e['Metadata']
        assert meta.get('Backbone') and meta.get('Training Data'), e['Name']
        for result in e.get('Results') or []:
            assert set(result) == {'Task', 'Dataset', 'Metrics'}, e['Name']
            # Fractions, as MMPose's metafiles and CocoMetric.
            assert all(0 < v < 1 for v in result['Metrics'].values()), e['Name']
    tables = {t for e in entries for t in e['Metadata'].get('Paper Tables', [])}
    assert tables == {'S1', 'S2', 'S3', 'S4', 'FS', 'S5'}


def test_mim_reads_the_index(entries):
    """What `mim search clamp_mmpose` does with the index, once mim has found it."""
    search = pytest.importorskip('mim.commands.search')
    from modelindex.load_model_index import load
    table = search.convert2df(load(INDEX))
    assert sorted(table.index) == sorted(e['Name'] for e in entries)
    assert table.loc['clamp_clip-vit-b16_4xb32-210e_ap10k-256x256', 'ap-10k/ap'] == 0.743
    assert table.loc['clamp_clip-vit-b16_4xb32-210e_ap10k-256x256', 'model'] == 'clamp'


def test_the_package_exposes_the_index_where_mim_looks():
    """setup.py links model-index.yml into clamp_mmpose/.mim, as MMPose ships its own."""
    mim_index = osp.join(REPO, 'clamp_mmpose', '.mim', 'model-index.yml')
    if not osp.exists(mim_index):
        pytest.skip('clamp_mmpose is not installed from this checkout')
    assert load_model_index(mim_index) == load_model_index(INDEX)
