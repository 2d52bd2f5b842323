"""Write a subset of a keypoint annotation file as a standalone COCO annotation file.

The selection is the one the configs' ``AP10KSubsetDataset`` / ``CocoSubsetDataset`` make
(the rule is in :mod:`clamp_mmpose.datasets.subset_rule`): the command builds that dataset on
the file and writes the instances it kept, with their images; ``info``, ``licenses`` and
``categories`` are copied and ``info.subset`` records the rule and the source file.

Command line::

    python -m clamp_mmpose.datasets.subset data/ap10k/annotations/ap10k-train-split1.json \\
        --families Bovidae --out bovidae-train.json
    python -m clamp_mmpose.datasets.subset ANN.json --shots-per-species 20 --seed 1 --out f.json
    python -m clamp_mmpose.datasets.subset ANN.json --list       # families and species
"""
import argparse
import json
import os
import os.path as osp
import sys
from collections import defaultdict

from .subset_rule import normalize_subset

__all__ = ['write_subset', 'list_names', 'main']

DATASET_TYPES = {'ap10k': 'AP10KSubsetDataset', 'coco': 'CocoSubsetDataset'}


def _load_selection(ann_file: str, subset: dict, dataset: str):
    """Build the registered dataset on ``ann_file`` and return it (its selection is the one
    training and evaluation use)."""
    import clamp_mmpose  # noqa: F401  (registers the datasets)
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    return DATASETS.build(dict(type=DATASET_TYPES[dataset], ann_file=osp.abspath(ann_file),
                               subset=subset, data_prefix=dict(img=''), pipeline=[],
                               serialize_data=False, test_mode=False))


def write_subset(ann_file: str, subset: dict, out: str, dataset: str = 'ap10k') -> dict:
    """Write the selected images and instances of ``ann_file`` as a COCO annotation file.

    ``info``, ``licenses`` and ``categories`` are copied; ``info.subset`` records the rule and
    the source file. Returns the selection summary.
    """
    spec = normalize_subset(subset)
    if not spec or set(spec) == {'seed'}:
        raise ValueError('no subset rule given (families, species, image_percent or shots)')
    ds = _load_selection(ann_file, spec, dataset)
    with open(ann_file) as f:
        data = json.load(f)
    keep_ann = set(ds.subset_ann_ids)
    annotations = [a for a in data.get('annotations', []) if a['id'] in keep_ann]
    keep_img = {a['image_id'] for a in annotations}
    images = [im for im in data.get('images', []) if im['id'] in keep_img]
    info = dict(data.get('info') or {})
    info['subset'] = dict(rule=spec, source=osp.abspath(ann_file),
                          generator='clamp_mmpose.datasets.subset')
    out_data = dict(info=info, licenses=data.get('licenses', []), images=images,
                    annotations=annotations, categories=data.get('categories', []))
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(out_data, f, separators=(',', ':'))
        f.write('\n')
    return dict(ds.subset_summary, written_images=len(images),
                written_annotations=len(annotations))


def list_names(ann_file: str) -> str:
    """Families and species of an annotation file with their annotated-instance counts."""
    with open(ann_file) as f:
        data = json.load(f)
    counts = defaultdict(int)
    for a in data.get('annotations', []):
        if a.get('num_keypoints', 1) > 0 and not a.get('iscrowd', 0):
            counts[a['category_id']] += 1
    families = defaultdict(list)
    for c in data.get('categories', []):
        families[str(c.get('supercategory', ''))].append(c)
    lines = []
    for fam in sorted(families):
        cats = families[fam]
        lines.append(f'{fam}: {sum(counts[c["id"]] for c in cats)} annotated instances')
        for c in sorted(cats, key=lambda c: c['name']):
            lines.append(f'    {c["name"]} (id {c["id"]}): {counts[c["id"]]}')
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose subset',
        description='Write a subset of a COCO-style keypoint annotation file (AP-10K, COCO) as '
        'a standalone annotation file, selected by the same rule as the configs\' '
        'AP10KSubsetDataset / CocoSubsetDataset (subset=dict(...)): family/species filter, '
        'then a random percentage of images, then N annotated instances per species or '
        'family. Unknown names and empty selections are errors.')
    parser.add_argument('ann_file', help='source annotation file (COCO keypoint JSON)')
    parser.add_argument('--out', help='output annotation file (required unless --list)')
    parser.add_argument('--list', action='store_true',
                        help='print the families and species of ann_file with their '
                        'annotated-instance counts, and exit')
    parser.add_argument('--families', nargs='+', metavar='NAME',
                        help='keep these families (category supercategory), e.g. Bovidae')
    parser.add_argument('--species', nargs='+', metavar='NAME',
                        help='keep these species (category name), e.g. "argali sheep"')
    parser.add_argument('--image-percent', type=float, metavar='K',
                        help='keep a random K%% of the images with an annotated instance')
    shots = parser.add_mutually_exclusive_group()
    shots.add_argument('--shots-per-species', type=int, metavar='N',
                       help='keep N random annotated instances per species')
    shots.add_argument('--shots-per-family', type=int, metavar='N',
                       help='keep N random annotated instances per family')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random choices (default: %(default)s)')
    parser.add_argument('--dataset', choices=sorted(DATASET_TYPES), default='ap10k',
                        help='keypoint definition the file follows (default: %(default)s)')
    args = parser.parse_args(argv)
    if args.list:
        print(list_names(args.ann_file))
        return 0
    if not args.out:
        parser.error('--out is required (or --list)')
    k = args.image_percent
    if k is not None and float(k).is_integer():
        k = int(k)
    subset = dict(families=args.families, species=args.species, image_percent=k,
                  shots_per_species=args.shots_per_species,
                  shots_per_family=args.shots_per_family, seed=args.seed)
    subset = {key: v for key, v in subset.items() if v is not None}
    try:
        summary = write_subset(args.ann_file, subset, args.out, args.dataset)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'wrote {summary["written_annotations"]} annotations ({summary["instances"]} '
          f'annotated instances of {summary["instances_before"]}) in '
          f'{summary["written_images"]} images to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
