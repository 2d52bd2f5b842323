"""Synthetic four-legged animals annotated in AP-10K's exact format.

No AP-10K images can be downloaded on the machines this project is developed and tested on, so
tests, demos and smoke trainings use procedurally drawn animals instead. The output is laid out
like the real data set, so MMPose's ``AP10KDataset`` and ``CocoMetric`` (and every AP-10K config)
read it unchanged::

    out_dir/
        annotations/ap10k-train-split1.json
        annotations/ap10k-val-split1.json
        annotations/ap10k-test-split1.json
        data/000000000001.jpg ...   (all splits share one image folder, as in AP-10K)

Each annotation file is COCO keypoint JSON as AP-10K writes it:

* ``info`` (marked ``"synthetic": true``) and ``licenses``;
* ``images``: ``license``, ``id``, ``file_name``, ``width``, ``height`` and ``background`` (AP-10K
  files carry a background-type code; here it names the kind of generated background, 1-5);
* ``annotations``: ``id``, ``image_id``, ``category_id``, ``bbox`` ``[x, y, w, h]`` (integers, the
  visible extent of the animal clipped to the image), ``area`` (``w * h``, as in AP-10K),
  ``iscrowd`` 0, ``num_keypoints`` and ``keypoints``, a flat list of 17 ``x, y, v`` integer
  triplets where ``v`` is 2 for a labelled keypoint and ``(0, 0, 0)`` marks an unlabelled one
  (occluded or outside the image), the only two states AP-10K uses;
* ``categories``: the 54 AP-10K species with their family as ``supercategory``, each carrying the
  17 keypoint names and the 1-based skeleton.

Image and annotation ids are unique across the three splits, as in AP-10K, whose splits are
subsets of one image pool.

The animals are side views drawn with OpenCV polygons: body, neck, head with snout, ears, eyes,
tail, four two-segment legs with paws, plus family traits (horns, antlers, trunk, mane, wings).
The body plan comes from the species' family and the colours and coat pattern (stripes, spots,
rosettes, patches ...) from the species, with per-individual jitter; both are data, in
``species.json``. Poses (standing, walking, trotting, galloping, grazing, lying, sitting; a
flying pose for bats), scale, rotation, facing direction and the background vary per image. Left
and right follow from the facing direction: an animal facing right shows its right side.

A keypoint is labelled only when what it belongs to is visible at its place: the far eye only in
three-quarter head views, far-side elbows, knees and paws only where that limb is not hidden
behind the near limbs or the body (or another animal), far shoulders and hips while a fair part
of their limb is visible (annotators infer the joint from the limb, as AP-10K's do), and nothing
outside the image.

Generation is deterministic: every image has its own ``numpy`` generator seeded from
``(seed, split, index)``, JSON is written with fixed key order and JPEGs with fixed parameters, so
the same seed gives byte-identical files.

Modules, in the order a picture is made: ``plans`` (species table -> an individual's body plan
and coat), ``poses`` (gait and joint angles), ``geometry`` (shapes in canonical space),
``anatomy`` (part codes, keypoint names, the :class:`~.anatomy.Animal` record), ``body`` and
``head`` (the parts), ``animal`` (assembling one animal), ``coats`` (pattern and fur texture),
``render`` (drawing, keypoint visibility), ``scene`` (background, placement, camera),
``ap10k_files`` (files) and ``command`` (the command line).

Video (``--video``): ``footage_plan`` lays out animals walking across a scene, crossing each
other and entering and leaving the picture, with their tracks and boxes per frame (no pixels
drawn); ``footage`` draws the plan and writes ``<name>.mp4``, MOT-challenge ground truth
``<name>.gt.txt`` and ``<name>.coco.json`` (AP-10K format, one image per frame, annotations
with ``track_id``).

Command line::

    python -m clamp_mmpose.datasets.synthetic --out data/synthetic_ap10k \\
        --train 300 --val 60 --test 60 --seed 0 --size 256
    python -m clamp_mmpose.datasets.synthetic --video data/footage \\
        --frames 100 --video-size 640 480 --animals 3 --fps 25 --seed 0
"""
from .ap10k_files import (ANN_FILE_PATTERN, DEFAULT_CATEGORIES_FILE, DEFAULT_NUM_IMAGES, SPLITS,
                          generate_synthetic_ap10k, image_rng, load_categories)
from .command import main
from .footage import write_footage
from .footage_plan import AnimalPath, FootagePlan, plan_footage
from .scene import render_sample

__all__ = [
    'generate_synthetic_ap10k', 'load_categories', 'render_sample', 'image_rng', 'main',
    'write_footage', 'plan_footage', 'FootagePlan', 'AnimalPath', 'ANN_FILE_PATTERN',
    'DEFAULT_CATEGORIES_FILE', 'DEFAULT_NUM_IMAGES', 'SPLITS'
]
