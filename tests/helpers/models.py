"""Models with random weights for the tests: reduced repository configs and the authors'
reference models (``tests/data/authors_reference``) converted into this plugin."""
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from tests.helpers import REPO, shrink_config

REFERENCE = osp.join(REPO, 'tests', 'data', 'authors_reference')
# Reference name -> the authors' architecture family.
FAMILY = dict(rn50='RN50', vit_b16='ViT-B-16', vit_l14='ViT-L-14')


def config_and_checkpoint(path, data_root, tmp, name):
    """(config, checkpoint) in folder ``tmp`` of the config at ``path`` reduced to the data at
    ``data_root``, with random (seeded) weights."""
    cfg = shrink_config(Config.fromfile(path), data_root, str(tmp))
    config = str(tmp / f'{name}.py')
    cfg.dump(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = str(tmp / f'{name}.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    return config, checkpoint


def load_reference(arch):
    """The arrays of one reference model (``rn50``, ``vit_b16``, ``vit_l14``), floats as
    float32."""
    with np.load(osp.join(REFERENCE, f'{arch}.npz')) as data:
        arrays = {k: torch.from_numpy(data[k]) for k in data.files}
    return {k: v.float() if v.is_floating_point() else v for k, v in arrays.items()}


def authors_state_dict(ref):
    """The authors' ``state_dict`` of a reference model."""
    return {k[len('state_dict/'):]: v for k, v in ref.items() if k.startswith('state_dict/')}


def write_authors_checkpoint(path, state):
    """As MMCV 1.x's runner saves: meta (with plain objects), state_dict, optimizer."""
    torch.save({'meta': {'mmcv_version': '1.4.0', 'epoch': 210, 'config': 'model = dict()'},
                'state_dict': state, 'optimizer': {}}, path)
    return str(path)


def convert_reference(arch, tmp):
    """(arch, the authors' state dict, converted config, converted checkpoint) of one reference
    model, written as the authors' checkpoint into ``tmp`` and converted there."""
    from clamp_mmpose.converters.official import convert_official_checkpoint
    state = authors_state_dict(load_reference(arch))
    checkpoint = write_authors_checkpoint(tmp / 'epoch_210.pth', state)
    config, weights = convert_official_checkpoint(checkpoint, str(tmp / 'out'))
    return arch, state, config, weights


def exported_pose_model(tmp):
    """(config, folder) of a small RN CLAMP model (the authors' layout, random weights)
    exported with ``clamp-mmpose export --onnx`` into ``tmp``."""
    from clamp_mmpose.tools import export
    _, _, config, checkpoint = convert_reference('rn50', tmp)
    out_dir = str(tmp / 'deploy')
    assert export.main([config, checkpoint, osp.join(out_dir, 'clamp'), '--onnx']) == 0
    return config, out_dir
