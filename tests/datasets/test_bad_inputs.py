"""Bad data gets errors that name the file and the fix."""
import json
import os
import os.path as osp
import shutil

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

from tests.helpers import CLAMP_RN50, shrink_config


@pytest.fixture
def data_copy(synthetic_ap10k, tmp_path):
    root = str(tmp_path / 'data_copy')
    shutil.copytree(synthetic_ap10k, root)
    return root


def _train_dataset(root, tmp_path):
    init_default_scope('mmpose')
    cfg = shrink_config(Config.fromfile(CLAMP_RN50), root, str(tmp_path / 'work'))
    return DATASETS.build(cfg.train_dataloader.dataset)


def test_annotation_with_wrong_keypoint_count(data_copy, tmp_path):
    ann_file = osp.join(data_copy, 'annotations', 'ap10k-train-split1.json')
    ann = json.load(open(ann_file))
    bad = ann['annotations'][3]
    bad['keypoints'] = bad['keypoints'][:16 * 3]
    json.dump(ann, open(ann_file, 'w'))
    with pytest.raises(ValueError, match=rf'ap10k-train-split1.json: annotation {bad["id"]} '
                       rf'\(image {bad["image_id"]}\) has 48 keypoint values, but ap10k has 17 '
                       r'keypoints'):
        _train_dataset(data_copy, tmp_path)


@pytest.mark.parametrize('damage', ['missing', 'corrupt'])
def test_missing_or_corrupt_image_is_named(data_copy, tmp_path, damage):
    dataset = _train_dataset(data_copy, tmp_path)
    path = dataset.get_data_info(0)['img_path']
    if damage == 'missing':
        os.remove(path)
    else:
        with open(path, 'wb') as f:
            f.write(b'\xff\xd8 not a jpeg')
    with pytest.raises(Exception) as err:
        dataset[0]
    assert path in str(err.value)
