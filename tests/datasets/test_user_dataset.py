"""The walk-through for a user's own data set (docs/datasets.md), run as written on generated
data."""
import math
import re
import uuid

from mmengine.config import Config
from mmengine.runner import Runner
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from tests.helpers.keypoint_data import write_keypoint_dataset
from tests.helpers import REPO, use_tiny_clip


def readme_block(marker: str) -> str:
    """The fenced code block right after ``<!-- marker -->`` in docs/datasets.md."""
    with open(f'{REPO}/docs/datasets.md') as f:
        text = f.read()
    found = re.search(rf'<!-- {marker} -->\n```python\n(.*?)```', text, re.S)
    assert found, f'docs/datasets.md has no python block after <!-- {marker} -->'
    return found.group(1)


def test_the_readme_walk_through_trains_and_evaluates_a_new_data_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the blocks use paths relative to the working directory
    (tmp_path / 'configs/_base_/datasets').mkdir(parents=True)
    (tmp_path / 'configs/_base_/datasets/my_lizards.py').write_text(
        readme_block('user-metainfo'))
    (tmp_path / 'configs/my_lizards').mkdir()
    config = tmp_path / 'configs/my_lizards/clamp_clip-rn50_my-lizards-256x256.py'
    config.write_text(readme_block('user-config'))

    metainfo = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/my_lizards.py'))
    for split, seed in (('train', 0), ('val', 1)):
        write_keypoint_dataset('data/my_lizards', f'annotations/{split}.json', metainfo,
                               num_images=6, image_size=(96, 96), seed=seed, category='lizard')

    cfg = Config.fromfile(str(config))
    use_tiny_clip(cfg.model)
    from clamp_mmpose.models.heads import CLAMPHead
    head = CLAMPHead(**{k: v for k, v in cfg.model.head.items() if k != 'type'})
    assert head.keypoint_words == ['snout tip', 'left front foot', 'right front foot',
                                   'base of tail', 'left hind foot', 'right hind foot',
                                   'tail tip']
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
    cfg.train_cfg.update(max_epochs=1, val_interval=10)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex[:8]}'
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert math.isfinite(runner.message_hub.get_scalar('train/loss').current())
    metrics = runner.val()
    assert 0 <= metrics['coco/AP'] <= 1
