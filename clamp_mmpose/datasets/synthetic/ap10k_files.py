"""Writing the generated images and their AP-10K-format annotation files."""
import json
import os
import os.path as osp

import cv2
import numpy as np
from tqdm import tqdm

from .scene import render_sample

SPLITS = ('train', 'val', 'test')
DEFAULT_NUM_IMAGES = {'train': 300, 'val': 60, 'test': 60}
ANN_FILE_PATTERN = 'ap10k-{split}-split1.json'
DEFAULT_CATEGORIES_FILE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                                   'ap10k_categories.json')
JPEG_QUALITY = 92
# Written into every file's ``info.generator``. It names the module the generator first lived
# in and stays so, because the same seed must keep giving byte-identical files.
GENERATOR_NAME = 'clamp_mmpose.datasets.synthetic_animals'


def load_categories(categories_file=None):
    """Read the AP-10K category list: keypoint names, skeleton and the species.

    Args:
        categories_file (str, optional): a JSON file with ``keypoints`` (17 names),
            ``skeleton`` (1-based pairs) and ``categories`` (``id``, ``name``,
            ``supercategory``). Defaults to the copy shipped with this package.

    Returns:
        dict: the parsed file.
    """
    path = categories_file or DEFAULT_CATEGORIES_FILE
    with open(path) as f:
        meta = json.load(f)
    if len(meta.get('keypoints', ())) != 17:
        raise ValueError(f'{path}: expected 17 keypoint names, got {meta.get("keypoints")}')
    if not meta.get('categories'):
        raise ValueError(f'{path}: no categories')
    return meta


def category_entries(meta):
    """The ``categories`` of an annotation file: each species with the 17 keypoint names and
    the 1-based skeleton, as AP-10K writes them; ``meta`` as :func:`load_categories` gives."""
    return [dict(id=c['id'], name=c['name'], supercategory=c['supercategory'],
                 keypoints=list(meta['keypoints']), skeleton=meta['skeleton'])
            for c in meta['categories']]


def image_rng(seed, split, index):
    """The generator of image ``index`` of ``split``: images do not depend on each other."""
    return np.random.default_rng([int(seed), SPLITS.index(split), int(index)])


def _checked_counts(num_images, seed, image_size):
    if num_images is None:
        num_images = DEFAULT_NUM_IMAGES
    unknown = set(num_images) - set(SPLITS)
    if unknown:
        raise ValueError(f'unknown splits {sorted(unknown)}; expected {SPLITS}')
    counts = {s: int(num_images.get(s, 0)) for s in SPLITS}
    if any(v < 0 for v in counts.values()):
        raise ValueError(f'negative image count in {num_images}')
    if int(seed) < 0:
        raise ValueError('seed must be >= 0')
    if int(image_size) < 32:
        raise ValueError('image_size must be at least 32')
    return counts


def _annotation_entry(ann_id, image_id, a):
    """COCO keypoint annotation as AP-10K writes it, from a :func:`render_sample` one."""
    x, y, w, h = a['bbox']
    return dict(id=ann_id, image_id=image_id, category_id=a['category_id'], bbox=[x, y, w, h],
                area=int(w * h), iscrowd=0,
                num_keypoints=sum(1 for k in a['keypoints'] if k[2] > 0),
                keypoints=[int(v) for k in a['keypoints'] for v in k])


def _write_annotation_file(path, split, seed, image_size, images, annotations, cat_entries):
    data = dict(
        info=dict(description='Synthetic animal poses in the AP-10K format (procedurally '
                  'drawn, not AP-10K images)', synthetic=True, generator=GENERATOR_NAME,
                  version='1.0', split=split, seed=int(seed), image_size=image_size),
        licenses=[dict(id=1, name='CC0 1.0 (generated data)',
                       url='https://creativecommons.org/publicdomain/zero/1.0/')],
        images=images, annotations=annotations, categories=cat_entries)
    with open(path, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')


def generate_synthetic_ap10k(out_dir, num_images=None, image_size=256, seed=0,
                             categories_file=None, progress=True):
    """Write a synthetic data set in AP-10K's layout and annotation format.

    Args:
        out_dir (str): data root to create: ``annotations/ap10k-{split}-split1.json`` and
            ``data/<file_name>`` go below it (``data_prefix=dict(img='data/')`` in MMPose).
        num_images (dict, optional): images per split, keys ``train``, ``val``, ``test``.
            Defaults to ``{'train': 300, 'val': 60, 'test': 60}``; a missing split gets 0 images
            (its annotation file is still written).
        image_size (int): side of the square images in pixels.
        seed (int): non-negative seed; the same seed gives byte-identical files.
        categories_file (str, optional): JSON with ``keypoints``, ``skeleton`` and
            ``categories`` (see :func:`load_categories`); defaults to the 54 AP-10K species.
        progress (bool): show a tqdm progress bar.

    Returns:
        dict: split name -> path of its annotation file.
    """
    counts = _checked_counts(num_images, seed, image_size)
    image_size = int(image_size)
    meta = load_categories(categories_file)
    categories = meta['categories']
    cat_entries = category_entries(meta)
    ann_dir = osp.join(out_dir, 'annotations')
    img_dir = osp.join(out_dir, 'data')
    os.makedirs(ann_dir, exist_ok=True)
    os.makedirs(img_dir, exist_ok=True)

    bar = tqdm(total=sum(counts.values()), desc='synthetic AP-10K', unit='img',
               disable=not progress)
    # Ids run on across the splits: AP-10K's splits are subsets of one image pool.
    image_id = ann_id = 0
    paths = {}
    for split in SPLITS:
        images, annotations = [], []
        for index in range(counts[split]):
            image_id += 1
            img, bg_code, anns = render_sample(image_rng(seed, split, index), categories,
                                               image_size)
            file_name = f'{image_id:012d}.jpg'
            if not cv2.imwrite(osp.join(img_dir, file_name), img,
                               [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
                raise OSError(f'could not write {osp.join(img_dir, file_name)}')
            images.append(dict(license=1, id=image_id, file_name=file_name, width=image_size,
                               height=image_size, background=bg_code))
            for a in anns:
                ann_id += 1
                annotations.append(_annotation_entry(ann_id, image_id, a))
            bar.update(1)
        paths[split] = osp.join(ann_dir, ANN_FILE_PATTERN.format(split=split))
        _write_annotation_file(paths[split], split, seed, image_size, images, annotations,
                               cat_entries)
    bar.close()
    return paths
