"""clamp_mmpose: CLAMP (CVPR 2023) as MMPose 1.x components."""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version():
    scope = {}
    with open(osp.join(HERE, 'clamp_mmpose', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def _link_into_mim(name):
    """Make ``<repository>/<name>`` reachable as ``clamp_mmpose/.mim/<name>``: a symlink for an
    editable install, a copy where symlinks fail (a wheel or sdist build copies either)."""
    mim_dir = osp.join(HERE, 'clamp_mmpose', '.mim')
    source, target = osp.join(HERE, name), osp.join(mim_dir, name)
    os.makedirs(mim_dir, exist_ok=True)
    if osp.islink(target) or osp.isfile(target):
        os.remove(target)
    elif osp.isdir(target):
        shutil.rmtree(target)
    try:
        os.symlink(osp.relpath(source, mim_dir), target)
    except OSError:  # file systems without symlinks
        if osp.isdir(source):
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)


def link_configs_into_package():
    """Make ``configs/`` and ``model-index.yml`` reachable under ``clamp_mmpose/.mim``.

    The same layout as MMPose's own ``.mim`` folder: an installed copy finds its configs
    through :func:`clamp_mmpose.utils.config_path` and through ``mim``, and ``mim search
    clamp_mmpose`` reads ``.mim/model-index.yml``, whose ``Import`` lines name the metafiles
    beside the configs (``configs/<folder>/*.yml``).
    """
    for name in ('configs', 'model-index.yml'):
        _link_into_mim(name)


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [ln.split('#')[0].strip() for ln in f if ln.split('#')[0].strip()]


if __name__ == '__main__':
    link_configs_into_package()
    setup(
        name='clamp_mmpose',
        version=read_version(),
        description='CLAMP: prompt-based contrastive learning connecting CLIP and animal '
        'pose, for MMPose 1.x',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools', 'benchmarks',
                                        'benchmarks.*')),
        include_package_data=True,
        package_data={
            'clamp_mmpose': [
                '.mim/configs/**/*.py', '.mim/configs/*/*.py', '.mim/configs/*/*.yml',
                '.mim/model-index.yml', 'datasets/*.json', 'datasets/synthetic/*.json',
                'keypoints/*.json'
            ]
        },
        python_requires='>=3.8',
        # torch, torchvision, mmcv and mmpose come from the user's OpenMMLab environment (see
        # README); mmpose is not declared because its `chumpy` requirement fails to build.
        install_requires=read_requirements('runtime.txt'),
        extras_require={
            'tests': read_requirements('tests.txt'),
            'mim': read_requirements('mim.txt'),
            'deploy': read_requirements('deploy.txt')
        },
        entry_points={'console_scripts': ['clamp-mmpose=clamp_mmpose.tools.cli:main']},
        zip_safe=False,
    )
