import logging

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from tests.helpers import AP10K_CONFIGS, shrink_config


class _Records(logging.Handler):

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append((record.levelno, record.getMessage()))


@pytest.mark.parametrize('constructor', ['DefaultOptimWrapperConstructor',
                                         'CLAMPOptimWrapperConstructor'])
def test_frozen_text_tower_left_out_with_one_log_line(tmp_path, constructor):
    cfg = shrink_config(Config.fromfile(
        f'{AP10K_CONFIGS}/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py'), tmp_path, tmp_path)
    cfg.optim_wrapper.constructor = constructor
    init_default_scope('mmpose')  # as MMPose's runner sets it
    model = MODELS.build(cfg.model)
    frozen = {id(p) for p in model.head.text_encoder.clip_text.parameters()}
    records = _Records()
    logger = MMLogger.get_current_instance()
    logger.addHandler(records)
    # An earlier test of the process (a benchmark) may have quietened the current logger.
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)

    optimised = {id(p) for group in optim.optimizer.param_groups for p in group['params']}
    assert optimised.isdisjoint(frozen)
    assert id(model.head.text_encoder.context) in optimised
    assert len(optimised) == sum(1 for p in model.parameters() if p.requires_grad)
    warnings = [m for level, m in records.messages if 'is skipped since' in m]
    if constructor == 'DefaultOptimWrapperConstructor':  # what the constructor is for
        assert len(warnings) == len(frozen)
    else:
        assert warnings == []
        assert (logging.INFO, f'{len(frozen)} frozen parameter tensors (requires_grad=False) '
                'are not optimised') in records.messages


# The authors' paramwise_cfg (their CLAMP configs): MMCV 1.x matches custom keys as substrings
# of the parameter name, the longest key first.
AUTHORS_CUSTOM_KEYS = {
    'rn50': {'text_encoder': dict(lr_mult=0.0), 'bias': dict(decay_mult=0.0),
             'norm': dict(decay_mult=0.0)},
    'vit_b16': {'text_encoder': dict(lr_mult=0.0), 'backbone': dict(lr_mult=0.1),
                'norm': dict(decay_mult=0.0)},
}


def _authors_multipliers(name, custom_keys):
    for key in sorted(sorted(custom_keys), key=len, reverse=True):
        if key in name:
            return (custom_keys[key].get('lr_mult', 1.0), custom_keys[key].get('decay_mult', 1.0))
    return 1.0, 1.0


@pytest.mark.parametrize('arch, config', [
    ('rn50', 'clamp_clip-rn50_4xb32-210e_ap10k-256x256.py'),
    ('vit_b16', 'clamp_clip-vit-b16_4xb32-210e_ap10k-256x256.py'),
])
def test_paper_configs_optimise_each_parameter_as_the_authors(arch, config):
    """Learning rate and weight decay of every parameter, under its authors' name."""
    from clamp_mmpose.converters.official import (describe_official_model, official_key,
                                                  official_model_config)
    from tests.helpers.models import authors_state_dict, load_reference

    state = authors_state_dict(load_reference(arch))
    cfg = Config.fromfile(f'{AP10K_CONFIGS}/{config}')
    # The same modules and names as the paper's model, at the reference's small widths.
    cfg.model.update(official_model_config(describe_official_model(state)))
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    base_lr, base_decay = 5e-4, 1e-4
    group = {id(p): g for g in optim.optimizer.param_groups for p in g['params']}
    authors_name = {official_key(k): k for k in state if official_key(k)}
    checked = 0
    for name, param in model.named_parameters():
        theirs = authors_name[name]
        lr_mult, decay_mult = _authors_multipliers(theirs, AUTHORS_CUSTOM_KEYS[arch])
        if lr_mult == 0.0:  # the authors' frozen text encoder: ours is not optimised at all
            assert not param.requires_grad and id(param) not in group, name
            continue
        assert group[id(param)]['lr'] == pytest.approx(base_lr * lr_mult), (name, theirs)
        assert group[id(param)]['weight_decay'] == pytest.approx(base_decay * decay_mult), \
            (name, theirs)
        checked += 1
    assert checked > 50


def test_groups_with_the_same_settings_are_merged_and_updates_do_not_change(tmp_path):
    """One group per setting instead of one per tensor (foreach optimizers launch kernels per
    group); two AdamW steps move every parameter exactly as with the default constructor's
    groups."""
    import copy

    import torch
    cfg = shrink_config(Config.fromfile(
        f'{AP10K_CONFIGS}/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py'), tmp_path, tmp_path)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    twin = copy.deepcopy(model)
    merged = build_optim_wrapper(model, cfg.optim_wrapper).optimizer
    default_cfg = copy.deepcopy(cfg.optim_wrapper)
    default_cfg.constructor = 'DefaultOptimWrapperConstructor'
    per_tensor = build_optim_wrapper(twin, default_cfg).optimizer
    assert len(per_tensor.param_groups) > 100
    settings = {(g['lr'], g['weight_decay']) for g in per_tensor.param_groups}
    assert len(merged.param_groups) == len(settings) <= 4
    for step in range(2):
        for m, optimizer in ((model, merged), (twin, per_tensor)):
            optimizer.zero_grad()
            torch.manual_seed(step)
            for p in m.parameters():
                if p.requires_grad:
                    p.grad = torch.randn_like(p)
            optimizer.step()
    for (name, a), b in zip(model.named_parameters(), twin.parameters()):
        assert torch.equal(a, b), name
