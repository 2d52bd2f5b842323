"""The species table (species.json), individual plans, poses and the animals built from them."""
import copy
import fnmatch
import json

import numpy as np
import pytest

from clamp_mmpose.datasets.synthetic import DEFAULT_CATEGORIES_FILE
from clamp_mmpose.datasets.synthetic.anatomy import KEYPOINTS_NEAR_FAR
from clamp_mmpose.datasets.synthetic.animal import build_animal
from clamp_mmpose.datasets.synthetic.plans import individual_plan, species_table
from clamp_mmpose.datasets.synthetic.poses import _GAITS, sample_pose


def _ap10k_categories():
    with open(DEFAULT_CATEGORIES_FILE) as f:
        return json.load(f)['categories']


def test_every_ap10k_species_and_family_has_a_plan():
    table = species_table()
    cats = _ap10k_categories()
    assert len(cats) == 54
    assert [c['name'] for c in cats if c['name'] not in table['species']] == []
    assert sorted({c['supercategory'] for c in cats} - set(table['families'])) == []


def test_every_plan_field_is_documented_and_every_gait_known():
    table = species_table()
    documented = [name for key in table['fields'] for name in key.split(', ')]
    keys = set(table['base_plan']) | {'coats'}
    for plan in list(table['families'].values()) + [s.get('shape', {})
                                                    for s in table['species'].values()]:
        keys |= set(plan)
        assert set(plan.get('gaits', {})) <= set(_GAITS)
    undocumented = [k for k in keys if not any(fnmatch.fnmatch(k, d) for d in documented)]
    assert undocumented == []


def test_individual_plan_is_drawn_from_rng_and_leaves_the_table_alone():
    before = copy.deepcopy(species_table())
    a = individual_plan('zebra', 'Equidae', np.random.default_rng(1))
    b = individual_plan('zebra', 'Equidae', np.random.default_rng(1))
    c = individual_plan('zebra', 'Equidae', np.random.default_rng(2))
    assert a[0] == b[0] and a[1]['base'].tolist() == b[1]['base'].tolist()
    assert a[0]['body_h'] != c[0]['body_h']
    assert a[0]['mane'] == 'erect' and a[1]['pattern'] == 'stripes'
    assert species_table() == before


def test_unplanned_species_get_the_base_plan_and_a_random_coat():
    plan, look = individual_plan('quokka', 'Macropodidae', np.random.default_rng(0))
    base = species_table()['base_plan']
    assert plan['ear'] == base['ear'] and plan['gaits'] == base['gaits']
    assert look['belly'] == species_table()['default_coat']['belly']
    assert 0 <= look['base'].min() and look['base'].max() <= 255


@pytest.mark.parametrize('gait', sorted(_GAITS))
def test_every_gait_gives_all_four_legs(gait):
    plan = dict(species_table()['base_plan'], gaits={gait: 1})
    pose = sample_pose(np.random.default_rng(0), plan)
    assert pose['gait'] == gait
    assert sorted(pose['legs']) == ['ff', 'fn', 'hf', 'hn']


def test_every_species_builds_with_all_keypoints_and_rules():
    names = {t.replace('{L}', s).replace('{R}', s) for t in KEYPOINTS_NEAR_FAR for s in 'nf'}
    for i, cat in enumerate(_ap10k_categories()):
        an = build_animal(np.random.default_rng(i), cat, cat['supercategory'])
        assert set(an.keypoints) == names and set(an.visibility) == names
        assert an.category_id == cat['id'] and len(an.parts) > 10
        assert all(p['pts'] is not None or p['disc'] is not None for p in an.parts)
