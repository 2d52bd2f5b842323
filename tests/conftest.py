"""Shared fixtures: reduced CLIP architectures and weight files made from random open_clip
models, in the same formats users have on disk."""
import copy

import open_clip
import pytest
import torch

import clamp_mmpose  # noqa: F401  (registers the components)

_TEXT = dict(context_length=77, vocab_size=49408, width=64, heads=2, layers=1)
# A modified ResNet (4 stages of 1 block, 512 output channels) and a 2-layer ViT/16.
TINY_RN = dict(
    embed_dim=64,
    vision_cfg=dict(layers=[1, 1, 1, 1], width=16, image_size=64),
    text_cfg=_TEXT)
TINY_VIT = dict(
    embed_dim=64,
    vision_cfg=dict(layers=2, width=64, head_width=32, patch_size=16, image_size=64),
    text_cfg=_TEXT)


@pytest.fixture(params=['rn', 'vit'])
def tiny_arch(request):
    return copy.deepcopy(TINY_RN if request.param == 'rn' else TINY_VIT)


def random_clip(arch: dict, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    cfg = copy.deepcopy(arch)
    model = open_clip.model.CLIP(
        embed_dim=cfg['embed_dim'], vision_cfg=cfg['vision_cfg'], text_cfg=cfg['text_cfg'],
        quick_gelu=cfg.get('quick_gelu', False))
    # open_clip zero-initialises some norms; give every parameter a non-trivial value so that
    # a weight that fails to load cannot go unnoticed.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return model.eval()


@pytest.fixture
def clip_state_dict_file(tmp_path):
    """Writes an open_clip state-dict checkpoint of a random model; returns (path, model)."""

    def make(arch: dict, name: str = 'open_clip.pt', seed: int = 0, wrap: bool = True):
        model = random_clip(arch, seed)
        path = tmp_path / name
        state = model.state_dict()
        # open_clip's training script saves {'state_dict': ...} with DDP's 'module.' prefix.
        torch.save({'epoch': 1, 'state_dict': {'module.' + k: v for k, v in state.items()}}
                   if wrap else state, path)
        return str(path), model

    return make


@pytest.fixture
def clip_torchscript_file(tmp_path):
    """Writes a TorchScript archive of a random model, as OpenAI ships CLIP; returns (path,
    model)."""

    def make(arch: dict, name: str = 'clip_jit.pt', seed: int = 0):
        model = random_clip(arch, seed)
        path = tmp_path / name
        torch.jit.save(torch.jit.script(model), str(path))
        return str(path), model

    return make


@pytest.fixture(scope='session')
def synthetic_ap10k(tmp_path_factory):
    """A small generated dataset in AP-10K's layout: <root>/annotations, <root>/data."""
    from clamp_mmpose.datasets import generate_synthetic_ap10k
    root = tmp_path_factory.mktemp('synthetic_ap10k')
    generate_synthetic_ap10k(
        str(root), num_images=dict(train=48, val=16, test=16), image_size=128, seed=0,
        progress=False)
    return str(root)
