"""Body plans and coats of individual animals, from the species table ``species.json``.

A plan is a flat dict of proportions and part kinds in canonical units (see the table's
``fields`` entry); a look is one of the species' coats with its base colour varied per
individual.
"""
import functools
import json
import os.path as osp

import numpy as np

SPECIES_FILE = osp.join(osp.dirname(osp.abspath(__file__)), 'species.json')

# Proportions that vary between individuals of one species.
_JITTERED = ('body_h', 'neck_len', 'head_r', 'head_h', 'snout_len', 'leg_len', 'leg_w',
             'tail_len', 'ear_size', 'horn_len')


@functools.lru_cache(maxsize=None)
def species_table():
    """The parsed ``species.json``: ``base_plan``, ``families``, ``species``, ``default_coat``.

    Read once per process; callers copy what they change.
    """
    with open(SPECIES_FILE) as f:
        return json.load(f)


def _jitter(rng, v, sd=0.08):
    """``v`` times a normal factor of spread ``sd``, clipped to two spreads."""
    return v * float(np.clip(1 + sd * rng.standard_normal(), 1 - 2 * sd, 1 + 2 * sd))


def individual_plan(species, family, rng):
    """Draw one individual: its body plan and its look.

    Args:
        species (str): AP-10K category name, e.g. ``'zebra'``.
        family (str): its supercategory, e.g. ``'Equidae'``.
        rng (numpy.random.Generator): the image's generator.

    Returns:
        tuple: ``(plan, look)``. ``look`` has ``base`` (RGB float array ``(3,)``) and
        optionally ``belly``, ``mane``, ``pattern``, ``second``, ``style``.
    """
    table = species_table()
    plan = dict(table['base_plan'])
    plan.update(table['families'].get(family, {}))
    spec = table['species'].get(species, {})
    plan.update(spec.get('shape', {}))
    coats = spec.get('coats') or [dict(table['default_coat'],
                                       base=tuple(int(v) for v in rng.integers(40, 230, 3)))]
    look = dict(coats[int(rng.integers(len(coats)))])
    # Individuals differ: proportions by a few per cent, colours by a little more.
    for k in _JITTERED:
        plan[k] = _jitter(rng, plan[k])
    gain = rng.uniform(0.85, 1.12) * rng.uniform(0.94, 1.06, 3)
    look['base'] = np.clip(np.array(look['base'], float) * gain, 0, 255)
    if 'ear_choice' in plan:
        plan['ear'] = plan['ear_choice'][int(rng.integers(len(plan['ear_choice'])))]
    if plan['horns'] and rng.random() > plan['horn_p']:
        plan['horns'] = None
    if plan['mane'] == 'lion' and rng.random() > plan['horn_p']:
        plan['mane'] = None  # lionesses
    return plan, look
