"""The generator's output, pinned: SHA-256 of every annotation file and of every image's pixels.

``tests/data/synthetic_hashes.json`` holds, per case below, the hash of each JSON file as
written and of each image's raw BGR array as handed to the JPEG encoder. Raw pixels rather
than JPEG bytes, so that the check does not depend on the encoder that OpenCV bundles.

To record them again after an intended change of the output::

    python -m tests.datasets.synthetic.test_output_hashes --write
"""
import argparse
import hashlib
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from clamp_mmpose.datasets.synthetic import DEFAULT_CATEGORIES_FILE, generate_synthetic_ap10k

HASHES_FILE = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'data',
                       'synthetic_hashes.json')

# name -> generate_synthetic_ap10k arguments. They cover the sizes and seeds the demo (256),
# the tests (128, 96) and the minimum size (32, where retried pictures are common) use, an odd
# size, and species the generator has no plan for (``categories``: 'unplanned').
CASES = {
    'tests_128_seed0': dict(num_images=dict(train=12, val=12, test=4), image_size=128, seed=0),
    'protocol_96_seed1': dict(num_images=dict(train=24, val=8, test=8), image_size=96, seed=1),
    'demo_256_seed0': dict(num_images=dict(train=6, val=2, test=2), image_size=256, seed=0),
    'min_32_seed5': dict(num_images=dict(train=10), image_size=32, seed=5),
    'odd_77_seed2': dict(num_images=dict(train=12, test=4), image_size=77, seed=2),
    'unplanned_128_seed0': dict(num_images=dict(train=6), image_size=128, seed=0,
                                categories='unplanned'),
}


def _unplanned_categories_file(tmp_dir):
    """A category file with a species of a known family and one of an unknown family."""
    with open(DEFAULT_CATEGORIES_FILE) as f:
        meta = json.load(f)
    meta['categories'] = [dict(id=1, name='okapi', supercategory='Giraffidae'),
                          dict(id=7, name='quokka', supercategory='Macropodidae')]
    path = osp.join(tmp_dir, 'unplanned_categories.json')
    with open(path, 'w') as f:
        json.dump(meta, f)
    return path


def output_hashes(out_dir, case, generate=generate_synthetic_ap10k):
    """Run one case into ``out_dir``: ``{relative path: sha256}`` of JSON files and pixels."""
    os.makedirs(out_dir, exist_ok=True)
    kwargs = dict(case)
    if kwargs.pop('categories', None) == 'unplanned':
        kwargs['categories_file'] = _unplanned_categories_file(out_dir)
    pixels = {}
    imwrite = cv2.imwrite

    def recording_imwrite(path, img, *args):
        rel = osp.relpath(path, out_dir).replace(os.sep, '/')
        pixels[rel] = hashlib.sha256(np.ascontiguousarray(img).tobytes()).hexdigest()
        return imwrite(path, img, *args)

    cv2.imwrite = recording_imwrite
    try:
        generate(osp.join(out_dir, 'out'), progress=False, **kwargs)
    finally:
        cv2.imwrite = imwrite
    hashes = {rel[len('out/'):]: h for rel, h in pixels.items()}
    ann_dir = osp.join(out_dir, 'out', 'annotations')
    for name in sorted(os.listdir(ann_dir)):
        with open(osp.join(ann_dir, name), 'rb') as f:
            hashes['annotations/' + name] = hashlib.sha256(f.read()).hexdigest()
    return dict(sorted(hashes.items()))


def _recorded():
    with open(HASHES_FILE) as f:
        return json.load(f)


def test_recorded_cases_are_the_cases():
    assert sorted(_recorded()['cases']) == sorted(CASES)


@pytest.mark.parametrize('name', sorted(CASES))
def test_output_is_unchanged(name, tmp_path):
    expected = _recorded()['cases'][name]
    got = output_hashes(str(tmp_path), CASES[name])
    assert sorted(got) == sorted(expected)
    changed = [path for path in expected if got[path] != expected[path]]
    assert changed == [], f'{name}: output differs from the recorded one in {changed}'


def main(argv=None):
    parser = argparse.ArgumentParser(description='record the hashes in ' + HASHES_FILE)
    parser.add_argument('--write', action='store_true', help='overwrite the file')
    args = parser.parse_args(argv)
    import tempfile
    recorded = _recorded() if osp.isfile(HASHES_FILE) else {}
    with tempfile.TemporaryDirectory() as tmp:
        cases = {name: output_hashes(osp.join(tmp, name), case) for name, case in CASES.items()}
    if not args.write:
        print(json.dumps(cases, indent=1))
        return
    recorded['cases'] = cases
    recorded['made_with'] = dict(numpy=np.__version__, opencv=cv2.__version__)
    with open(HASHES_FILE, 'w') as f:
        json.dump(recorded, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
