"""The subset rule of the paper's protocols (families, species, image percentage, shots).

Used by the registered datasets in :mod:`.subset_dataset` (``subset=dict(...)``) and by the
command ``python -m clamp_mmpose.datasets.subset``, which writes a selection as a standalone
annotation file. A subset is a dict with these keys, all optional:

``families`` (str or list of str)
    Keep instances whose category's ``supercategory`` is one of these (AP-10K: the family,
    e.g. ``'Bovidae'``). Names are read from the annotation file itself and matched without
    regard to case.
``species`` (str or list of str)
    Keep instances whose category ``name`` is one of these (AP-10K: the species, e.g.
    ``'argali sheep'``). With ``families`` too, an instance is kept when either matches.
``image_percent`` (number in (0, 100])
    Keep the instances of a random ``image_percent`` % of the images that hold at least one
    annotated instance (after the family/species filter); ``max(1, round(n * k / 100))``
    images. For one seed the selections are nested: 1 % is part of 2 %, and so on.
``shots_per_species`` / ``shots_per_family`` (int > 0, not both)
    Keep N random annotated instances of each species (category) / family; a species or
    family with fewer keeps all of its own (the dataset logs which). For one seed the
    selections are nested (5 shots are part of 10), and a species' shots do not depend on
    which other species are selected.
``seed`` (int >= 0, default 0)
    Seed of the random choices above.

The steps run in this order: family/species filter, image percentage, shots. "Annotated"
means what MMPose trains on: not crowd, ``num_keypoints > 0``, a box of positive size.
Instances that are not annotated are dropped by the shot rule; the other rules keep them along
with their image (top-down datasets drop them anyway). Unknown family or species names and a
selection without any annotated instance raise ``ValueError``.
"""
import math
import zlib
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ['SUBSET_KEYS', 'normalize_subset', 'select_instances', 'describe_subset']

SUBSET_KEYS = ('families', 'species', 'image_percent', 'shots_per_species', 'shots_per_family',
               'seed')


def _name_list(value, key: str) -> List[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'subset {key} must be a name or a list of names, got {value!r}')
    if not value:
        raise ValueError(f'subset {key} is an empty list; leave the key out to keep all')
    return list(value)


def normalize_subset(subset: Optional[dict]) -> dict:
    """Check a subset dict and return it with lists for names and ``seed`` filled in.

    An empty or ``None`` subset gives ``{}`` (no selection).
    """
    if not subset:
        return {}
    if not isinstance(subset, dict):
        raise ValueError(f'subset must be a dict, got {type(subset).__name__}')
    unknown = sorted(set(subset) - set(SUBSET_KEYS))
    if unknown:
        raise ValueError(f'unknown subset keys {unknown}; valid keys: {list(SUBSET_KEYS)}')
    out = {}
    for key in ('families', 'species'):
        if subset.get(key) is not None:
            out[key] = _name_list(subset[key], key)
    if subset.get('image_percent') is not None:
        k = subset['image_percent']
        if isinstance(k, bool) or not isinstance(k, (int, float)) or not 0 < k <= 100:
            raise ValueError(f'subset image_percent must be a number in (0, 100], got {k!r}')
        out['image_percent'] = k
    shots = [key for key in ('shots_per_species', 'shots_per_family')
             if subset.get(key) is not None]
    if len(shots) == 2:
        raise ValueError('give shots_per_species or shots_per_family, not both')
    for key in shots:
        n = subset[key]
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f'subset {key} must be a positive integer, got {n!r}')
        out[key] = n
    seed = subset.get('seed', 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f'subset seed must be an integer >= 0, got {seed!r}')
    out['seed'] = seed
    return out


def describe_subset(subset: dict) -> str:
    """A short text of a (normalised) subset, e.g. ``families=Bovidae, seed=0``."""
    parts = []
    for key in SUBSET_KEYS:
        if key in subset:
            value = subset[key]
            if isinstance(value, list):
                value = '+'.join(value)
            parts.append(f'{key}={value}')
    return ', '.join(parts) if parts else 'everything'


def _match_names(wanted: Sequence[str], available: Dict[str, set], what: str,
                 source: str) -> set:
    """Category ids for the wanted names (case-insensitive); ValueError on unknown names."""
    lower = {name.lower(): name for name in available}
    unknown = [w for w in wanted if w.strip().lower() not in lower]
    if unknown:
        raise ValueError(
            f'unknown {what} {unknown} in subset of {source}; the {what} there are: '
            f'{sorted(available)}')
    ids = set()
    for w in wanted:
        ids |= available[lower[w.strip().lower()]]
    return ids


def _group_rng(seed: int, key) -> np.random.Generator:
    """A generator per (seed, group): a group's draw does not depend on the other groups."""
    if isinstance(key, str):
        key = zlib.crc32(key.encode('utf-8'))
    return np.random.default_rng([int(seed), int(key)])


def select_instances(instances: Sequence[dict], categories: Sequence[dict], subset: dict,
                     source: str = 'the annotation file') -> Tuple[List[int], dict]:
    """Apply the subset rule.

    Args:
        instances: one dict per instance with ``id`` (annotation id), ``img_id``,
            ``category_id`` and ``valid`` (annotated: usable as a training sample).
        categories: the annotation file's categories (``id``, ``name``, ``supercategory``).
        subset: a subset dict (see the module docstring); normalised here.
        source: names the annotation file in error messages.

    Returns:
        ``(kept, summary)``: positions in ``instances`` to keep, in their original order, and
        counts of what was kept.
    """
    spec = normalize_subset(subset)
    seed = spec.get('seed', 0)
    n_valid_all = sum(1 for inst in instances if inst['valid'])
    cat_by_id = {int(c['id']): c for c in categories}

    # 1. families / species
    if 'families' in spec or 'species' in spec:
        by_family, by_species = defaultdict(set), defaultdict(set)
        for c in categories:
            by_family[str(c.get('supercategory', ''))].add(int(c['id']))
            by_species[str(c['name'])].add(int(c['id']))
        wanted = set()
        if 'families' in spec:
            wanted |= _match_names(spec['families'], by_family, 'families', source)
        if 'species' in spec:
            wanted |= _match_names(spec['species'], by_species, 'species', source)
        positions = [i for i, inst in enumerate(instances) if int(inst['category_id']) in wanted]
    else:
        positions = list(range(len(instances)))

    # 2. a random k% of the images with an annotated instance
    if 'image_percent' in spec:
        images = sorted({instances[i]['img_id'] for i in positions if instances[i]['valid']})
        n = max(1, int(math.floor(len(images) * spec['image_percent'] / 100 + 0.5)))
        order = np.random.default_rng(seed).permutation(len(images))
        chosen = {images[j] for j in order[:n]} if images else set()
        positions = [i for i in positions if instances[i]['img_id'] in chosen]

    # 3. N annotated instances per species / family
    short = {}
    shot_key = next((k for k in ('shots_per_species', 'shots_per_family') if k in spec), None)
    if shot_key is not None:
        n_shots = spec[shot_key]
        groups = defaultdict(list)
        for i in positions:
            if not instances[i]['valid']:
                continue
            cid = int(instances[i]['category_id'])
            if shot_key == 'shots_per_species':
                key = cid
            else:
                key = str(cat_by_id.get(cid, {}).get('supercategory', ''))
            groups[key].append(i)
        keep = set()
        for key in sorted(groups, key=str):
            members = sorted(groups[key], key=lambda i: instances[i]['id'])
            order = _group_rng(seed, key).permutation(len(members))
            keep.update(members[j] for j in order[:n_shots])
            if len(members) < n_shots:
                name = cat_by_id[key]['name'] if isinstance(key, int) and key in cat_by_id \
                    else key
                short[str(name)] = len(members)
        positions = [i for i in positions if i in keep]

    n_valid = sum(1 for i in positions if instances[i]['valid'])
    if n_valid == 0:
        raise ValueError(
            f'subset ({describe_subset(spec)}) of {source} selects no annotated instance '
            f'(the file has {n_valid_all} annotated instances); an empty set would evaluate '
            'as 0 AP or train on nothing')
    summary = dict(
        instances=n_valid,
        images=len({instances[i]['img_id'] for i in positions if instances[i]['valid']}),
        instances_before=n_valid_all,
        images_before=len({inst['img_id'] for inst in instances if inst['valid']}),
        short_groups=short)
    return positions, summary
