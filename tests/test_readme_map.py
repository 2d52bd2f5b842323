"""The "Where things live" map (docs/data_path.md, linked from the README) names every folder of
the package."""
import glob
import os.path as osp
import re

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _package_folders():
    """Every folder under clamp_mmpose/ that holds Python files (not __pycache__ or .mim)."""
    folders = set()
    for path in glob.glob(osp.join(REPO, 'clamp_mmpose', '**', '*.py'), recursive=True):
        folder = osp.relpath(osp.dirname(path), REPO)
        parts = folder.split(osp.sep)
        if len(parts) > 1 and '__pycache__' not in parts and '.mim' not in parts:
            folders.add('/'.join(parts) + '/')
    return sorted(folders)


MAP_PAGE = osp.join(REPO, 'docs', 'data_path.md')


def _map_section():
    with open(MAP_PAGE) as f:
        text = f.read()
    start = text.index('**Where things live.**')
    end = text.find('\n## ', start)
    return text[start:] if end < 0 else text[start:end]


def test_every_package_folder_is_in_the_map():
    named = set(re.findall(r'^- `(clamp_mmpose/[^`]*)`', _map_section(), flags=re.M))
    assert [f for f in _package_folders() if f not in named] == []
    # and the map names no folder that is gone
    assert [f for f in sorted(named) if not osp.isdir(osp.join(REPO, f))] == []
