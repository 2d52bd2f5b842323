"""Where this project's configs are: a repository checkout or an installed package."""
import os.path as osp

_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def project_config(relative_path: str) -> str:
    """Path of ``configs/<relative_path>``, from a checkout or from the package's ``.mim``."""
    candidates = [osp.join(osp.dirname(_PACKAGE_DIR), 'configs', relative_path),
                  osp.join(_PACKAGE_DIR, '.mim', 'configs', relative_path)]
    for path in candidates:
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'config {relative_path} not found; looked in {candidates}')
