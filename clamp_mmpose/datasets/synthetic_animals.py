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
rosettes, patches ...) from the species, with per-individual jitter. Poses (standing, walking,
trotting, galloping, grazing, lying, sitting; a flying pose for bats), scale, rotation, facing
direction and the background vary per image. The keypoints are computed from the same geometry
that is drawn, so they sit at the anatomical places. Left and right follow from the facing
direction: an animal facing right shows its right side. Far-side limbs are drawn darker and
attached slightly higher (seen from a little above), so left/right can be learnt.

A keypoint is labelled only when what it belongs to is visible at its place: the far eye only in
three-quarter head views, far-side elbows, knees and paws only where that limb is not hidden
behind the near limbs or the body (or another animal), far shoulders and hips while a fair part
of their limb is visible (annotators infer the joint from the limb, as AP-10K's do), and nothing
outside the image.

Generation is deterministic: every image has its own ``numpy`` generator seeded from
``(seed, split, index)``, JSON is written with fixed key order and JPEGs with fixed parameters, so
the same seed gives byte-identical files.

Command line::

    python -m clamp_mmpose.datasets.synthetic_animals --out data/synthetic_ap10k \\
        --train 300 --val 60 --test 60 --seed 0 --size 256
"""
import argparse
import json
import math
import os
import os.path as osp
import sys
import time

import cv2
import numpy as np
from tqdm import tqdm

__all__ = ['generate_synthetic_ap10k', 'load_categories', 'render_sample', 'main']

SPLITS = ('train', 'val', 'test')
DEFAULT_NUM_IMAGES = {'train': 300, 'val': 60, 'test': 60}
ANN_FILE_PATTERN = 'ap10k-{split}-split1.json'
DEFAULT_CATEGORIES_FILE = osp.join(osp.dirname(osp.abspath(__file__)), 'ap10k_categories.json')
JPEG_QUALITY = 92

# ---------------------------------------------------------------------------------------------
# Part codes. The label map stores ``slot * _SLOT + code`` per pixel (slot = animal index in the
# image), which is how visibility and the visible extent are decided.
# ---------------------------------------------------------------------------------------------
_SLOT = 40
(BODY, NECK, HEAD, SNOUT, NOSE, TAIL, EAR_N, EAR_F, EYE_N, EYE_F, HORN_N, HORN_F, MANE, FACE,
 WING_N, WING_F) = range(1, 17)
# Legs: front/hind x near/far, each with an upper segment, a lower segment and a paw.
_LEG_CODES = {}
_c = 17
for _leg in ('fn', 'ff', 'hn', 'hf'):
    _LEG_CODES[_leg] = (_c, _c + 1, _c + 2)
    _c += 3
del _c, _leg

# AP-10K keypoint order, written with near/far instead of left/right; the mapping is decided
# by the facing direction when the animal is placed.
_KPT_NEAR_FAR = ('eye_{L}', 'eye_{R}', 'nose', 'neck', 'tail', 'sh_{L}', 'el_{L}', 'fp_{L}',
                 'sh_{R}', 'el_{R}', 'fp_{R}', 'hip_{L}', 'kn_{L}', 'bp_{L}', 'hip_{R}', 'kn_{R}',
                 'bp_{R}')


# ---------------------------------------------------------------------------------------------
# Body plans per family. Units: the body's half-length is 1, x points to the head, y down.
# ---------------------------------------------------------------------------------------------
_BASE_PLAN = dict(
    body_h=0.36, belly=1.0, chest=0.12, e=0.8, hump=0.0, wool=False,
    neck_x=0.72, neck_len=0.3, neck_w=0.32, neck_ang=30.0,
    head_r=0.2, head_h=0.16, snout_len=0.16, snout_w=0.13, head_down=15.0, trunk=False,
    eye_scale=1.0, ear='pointed', ear_size=0.13,
    leg_len=0.8, leg_w=0.13, front_scale=1.0, hind_w=1.0, paw='paw',
    tail='thin', tail_len=0.8, tail_w=0.07, tail_droop=45.0, tail_curl=0.0,
    horns=None, horn_len=0.25, horn_p=1.0, mane=None, tq=0.3, tilt=0.0, sit_tilt=(25, 45),
    gaits=dict(stand=3, walk=3, trot=2, gallop=1, lie=1, sit=1),
)

_FAMILY_PLANS = {
    'Bovidae': dict(body_h=0.42, chest=0.08, e=0.75, neck_len=0.4, neck_w=0.42, neck_ang=25,
                    head_r=0.2, head_h=0.16, snout_len=0.2, snout_w=0.19, head_down=50,
                    ear='side', ear_size=0.15, leg_len=0.9, leg_w=0.15, paw='hoof',
                    tail='tuft', tail_len=0.75, tail_w=0.05, tail_droop=75, horns='curved',
                    tq=0.25, gaits=dict(stand=3, walk=3, trot=1, lie=1, graze=2)),
    'Canidae': dict(body_h=0.32, chest=0.25, e=0.85, neck_len=0.3, neck_w=0.32, neck_ang=35,
                    head_r=0.19, head_h=0.15, snout_len=0.22, snout_w=0.11, head_down=12,
                    ear='pointed', ear_size=0.16, leg_len=0.85, leg_w=0.12, tail='bushy',
                    tail_len=0.75, tail_w=0.14, tail_droop=35, tq=0.35),
    'Castoridae': dict(body_h=0.45, e=0.9, chest=0.0, neck_len=0.08, neck_w=0.5, neck_ang=15,
                       head_r=0.25, head_h=0.2, snout_len=0.1, snout_w=0.16, head_down=15,
                       ear='round', ear_size=0.07, leg_len=0.35, leg_w=0.14, tail='flat',
                       tail_len=0.7, tail_w=0.1, tail_droop=10, tq=0.3,
                       gaits=dict(stand=3, walk=3, lie=1, sit=1)),
    'Cercopithecidae': dict(body_h=0.3, chest=0.1, neck_len=0.12, neck_w=0.3, neck_ang=30,
                            head_r=0.21, head_h=0.2, snout_len=0.08, snout_w=0.15, head_down=5,
                            ear='round', ear_size=0.08, leg_len=1.0, front_scale=1.05,
                            leg_w=0.11, paw='hand', tail='thin', tail_len=1.3, tail_w=0.06,
                            tail_droop=-30, tail_curl=12, tq=0.6, tilt=4, sit_tilt=(40, 60),
                            gaits=dict(stand=3, walk=3, gallop=1, sit=2)),
    'Cervidae': dict(body_h=0.38, chest=0.15, neck_len=0.55, neck_w=0.3, neck_ang=50,
                     head_r=0.18, head_h=0.13, snout_len=0.2, snout_w=0.11, head_down=45,
                     ear='side', ear_size=0.17, leg_len=1.15, leg_w=0.11, paw='hoof',
                     tail='stub', tail_len=0.18, tail_w=0.1, tail_droop=30, horns='antlers',
                     horn_len=0.5, horn_p=0.5, tq=0.3,
                     gaits=dict(stand=3, walk=3, trot=1, gallop=2, lie=1, graze=2)),
    'Cricetidae': dict(body_h=0.6, e=1.0, chest=0.0, neck_len=0.02, neck_w=0.6, neck_ang=10,
                       head_r=0.3, head_h=0.27, snout_len=0.08, snout_w=0.18, head_down=10,
                       ear='round', ear_size=0.1, leg_len=0.22, leg_w=0.12, tail='stub',
                       tail_len=0.06, tail_w=0.06, tail_droop=20, tq=0.45,
                       gaits=dict(stand=3, walk=2, sit=2, lie=1)),
    'Elephantidae': dict(body_h=0.55, e=0.8, chest=0.0, neck_len=0.1, neck_w=0.65, neck_ang=15,
                         head_r=0.32, head_h=0.3, snout_len=0.9, snout_w=0.16, head_down=20,
                         trunk=True, ear='elephant', ear_size=0.45, leg_len=0.85, leg_w=0.3,
                         hind_w=0.9, paw='foot', tail='tuft', tail_len=0.5, tail_w=0.04,
                         tail_droop=80, horns='tusks', horn_len=0.3, horn_p=0.6, tq=0.2,
                         gaits=dict(stand=3, walk=3, lie=1)),
    'Equidae': dict(body_h=0.37, chest=0.15, e=0.8, neck_len=0.6, neck_w=0.36, neck_ang=50,
                    head_r=0.2, head_h=0.14, snout_len=0.3, snout_w=0.13, head_down=55,
                    ear='pointed', ear_size=0.12, leg_len=1.1, leg_w=0.12, paw='hoof',
                    tail='hair', tail_len=0.9, tail_w=0.12, tail_droop=70, mane='neck', tq=0.2,
                    gaits=dict(stand=3, walk=3, trot=2, gallop=2, lie=1, graze=2)),
    'Felidae': dict(body_h=0.3, chest=0.15, e=0.85, neck_len=0.22, neck_w=0.32, neck_ang=25,
                    head_r=0.18, head_h=0.16, snout_len=0.08, snout_w=0.14, head_down=5,
                    ear='pointed', ear_size=0.1, leg_len=0.8, leg_w=0.13, tail='thin',
                    tail_len=1.0, tail_w=0.07, tail_droop=50, tail_curl=-8, tq=0.4),
    'Giraffidae': dict(body_h=0.4, chest=0.3, hump=0.25, neck_len=1.5, neck_w=0.28,
                       neck_ang=68, head_r=0.16, head_h=0.12, snout_len=0.18, snout_w=0.1,
                       head_down=55, ear='side', ear_size=0.1, leg_len=1.5, front_scale=1.1,
                       leg_w=0.1, paw='hoof', tail='tuft', tail_len=0.6, tail_w=0.04,
                       tail_droop=75, horns='ossicones', horn_len=0.12, mane='neck', tq=0.25,
                       gaits=dict(stand=3, walk=3, gallop=1, graze=1)),
    'Hippopotamidae': dict(body_h=0.55, belly=1.1, e=0.7, chest=0.0, neck_len=0.1,
                           neck_w=0.7, neck_ang=10, head_r=0.32, head_h=0.26, snout_len=0.25,
                           snout_w=0.3, head_down=15, ear='round', ear_size=0.05, leg_len=0.45,
                           leg_w=0.24, paw='foot', tail='stub', tail_len=0.15, tail_w=0.06,
                           tail_droop=60, tq=0.25, gaits=dict(stand=3, walk=3, lie=1)),
    'Hominidae': dict(body_h=0.38, e=0.85, chest=0.25, neck_len=0.08, neck_w=0.38, neck_ang=20,
                      head_r=0.24, head_h=0.24, snout_len=0.07, snout_w=0.18, head_down=5,
                      ear='round', ear_size=0.06, leg_len=0.95, front_scale=1.25, leg_w=0.17,
                      paw='hand', tail=None, tq=0.6, tilt=12, sit_tilt=(40, 60),
                      gaits=dict(stand=3, walk=3, sit=2)),
    'Leporidae': dict(body_h=0.5, e=0.95, chest=0.0, neck_len=0.05, neck_w=0.4, neck_ang=25,
                      head_r=0.25, head_h=0.2, snout_len=0.1, snout_w=0.14, head_down=15,
                      ear='long', ear_size=0.45, leg_len=0.5, front_scale=0.7, hind_w=1.8,
                      leg_w=0.12, tail='puff', tail_len=0.1, tail_w=0.16, tail_droop=-20,
                      tq=0.35, tilt=-8, gaits=dict(stand=3, walk=2, gallop=2, sit=2, lie=1)),
    'Mephitidae': dict(body_h=0.42, e=0.9, chest=0.0, neck_len=0.1, neck_w=0.4, neck_ang=20,
                       head_r=0.2, head_h=0.16, snout_len=0.13, snout_w=0.1, head_down=20,
                       ear='round', ear_size=0.06, leg_len=0.38, leg_w=0.12, tail='bushy',
                       tail_len=0.85, tail_w=0.3, tail_droop=-60, tail_curl=10, tq=0.3,
                       gaits=dict(stand=3, walk=3, sit=1)),
    'Muridae': dict(body_h=0.4, e=0.95, chest=0.0, neck_len=0.05, neck_w=0.4, neck_ang=15,
                    head_r=0.22, head_h=0.17, snout_len=0.16, snout_w=0.1, head_down=12,
                    ear='round', ear_size=0.13, leg_len=0.3, leg_w=0.08, tail='thin',
                    tail_len=1.4, tail_w=0.045, tail_droop=15, tail_curl=8, tq=0.3,
                    gaits=dict(stand=3, walk=3, sit=2, lie=1)),
    'Mustelidae': dict(body_h=0.26, e=0.9, chest=0.0, neck_len=0.25, neck_w=0.26, neck_ang=20,
                       head_r=0.17, head_h=0.14, snout_len=0.1, snout_w=0.1, head_down=10,
                       ear='round', ear_size=0.05, leg_len=0.36, leg_w=0.1, tail='thin',
                       tail_len=0.8, tail_w=0.14, tail_droop=20, tq=0.35,
                       gaits=dict(stand=3, walk=3, gallop=2, lie=1, sit=1)),
    'Procyonidae': dict(body_h=0.42, e=0.9, chest=0.0, neck_len=0.12, neck_w=0.38, neck_ang=20,
                        head_r=0.2, head_h=0.16, snout_len=0.15, snout_w=0.1, head_down=15,
                        ear='pointed', ear_size=0.09, leg_len=0.45, leg_w=0.13, paw='hand',
                        tail='bushy', tail_len=0.7, tail_w=0.17, tail_droop=40, tq=0.4,
                        gaits=dict(stand=3, walk=3, sit=1, lie=1)),
    'Rhinocerotidae': dict(body_h=0.5, e=0.75, chest=0.0, hump=0.1, neck_len=0.15, neck_w=0.55,
                           neck_ang=15, head_r=0.3, head_h=0.2, snout_len=0.3, snout_w=0.24,
                           head_down=35, ear='pointed', ear_size=0.1, leg_len=0.6, leg_w=0.25,
                           paw='foot', tail='tuft', tail_len=0.4, tail_w=0.04, tail_droop=75,
                           horns='rhino', horn_len=0.3, tq=0.25,
                           gaits=dict(stand=3, walk=3, trot=1, lie=1, graze=1)),
    'Sciuridae': dict(body_h=0.38, e=0.9, chest=0.0, neck_len=0.1, neck_w=0.34, neck_ang=25,
                      head_r=0.21, head_h=0.17, snout_len=0.08, snout_w=0.12, head_down=15,
                      ear='pointed', ear_size=0.08, leg_len=0.45, front_scale=0.85, hind_w=1.5,
                      leg_w=0.11, paw='hand', tail='bushy', tail_len=1.1, tail_w=0.3,
                      tail_droop=-70, tail_curl=18, tq=0.4, gaits=dict(stand=3, walk=2, sit=2)),
    'Suidae': dict(body_h=0.48, e=0.75, chest=0.0, neck_len=0.1, neck_w=0.55, neck_ang=15,
                   head_r=0.24, head_h=0.2, snout_len=0.22, snout_w=0.16, head_down=20,
                   ear='pointed', ear_size=0.12, leg_len=0.45, leg_w=0.14, paw='hoof',
                   tail='curly', tail_len=0.3, tail_w=0.04, tail_droop=-10, tail_curl=60,
                   tq=0.3, gaits=dict(stand=3, walk=3, trot=1, lie=1, graze=1)),
    'Talpidae': dict(body_h=0.42, e=1.0, chest=0.0, neck_len=0.02, neck_w=0.5, neck_ang=5,
                     head_r=0.22, head_h=0.18, snout_len=0.25, snout_w=0.09, head_down=10,
                     eye_scale=0.4, ear=None, leg_len=0.2, leg_w=0.12, paw='claw',
                     tail='thin', tail_len=0.18, tail_w=0.04, tail_droop=20, tq=0.2,
                     gaits=dict(stand=3, walk=3)),
    'Ursidae': dict(body_h=0.48, e=0.8, chest=0.1, neck_len=0.22, neck_w=0.45, neck_ang=10,
                    head_r=0.24, head_h=0.2, snout_len=0.14, snout_w=0.13, head_down=15,
                    ear='round', ear_size=0.08, leg_len=0.7, leg_w=0.22, tail='stub',
                    tail_len=0.08, tail_w=0.1, tail_droop=30, tq=0.35,
                    gaits=dict(stand=3, walk=3, trot=1, lie=1, sit=1)),
    'Vespertilionidae': dict(body_h=0.52, e=1.0, chest=0.0, neck_len=0.03, neck_w=0.5,
                             neck_ang=10, head_r=0.3, head_h=0.26, snout_len=0.1,
                             snout_w=0.13, head_down=10, ear='pointed', ear_size=0.32,
                             leg_len=1.7, front_scale=1.0, leg_w=0.06, paw='hand', tail='thin',
                             tail_len=0.35, tail_w=0.03, tail_droop=20, tq=0.5,
                             gaits=dict(fly=1)),
}

_WHITE = (240, 238, 232)
_BELLY = (238, 228, 210)
_BLACK = (28, 25, 23)

# Colours (RGB), coat patterns and shape overrides per species. ``coats`` lists alternatives.
_SPECIES = {
    'antelope': dict(coats=[dict(base=(196, 150, 100), belly=_BELLY)],
                     shape=dict(leg_len=1.1, body_h=0.36, horns='straight', horn_len=0.45,
                                horn_color=(55, 48, 42), neck_len=0.5, neck_ang=40,
                                tail='stub', tail_len=0.2, tail_w=0.08)),
    'argali sheep': dict(coats=[dict(base=(150, 122, 92), belly=_BELLY)],
                         shape=dict(horns='curl', horn_len=0.3, horn_color=(195, 180, 150),
                                    leg_len=0.85, tail='stub', tail_len=0.15, tail_w=0.08)),
    'bison': dict(coats=[dict(base=(95, 66, 42), pattern='front', second=(55, 38, 26))],
                  shape=dict(hump=0.45, body_h=0.5, chest=0.2, neck_len=0.2, neck_w=0.55,
                             neck_ang=0, head_down=70, head_r=0.24, head_h=0.21, snout_len=0.12,
                             snout_w=0.2, leg_len=0.7, horns='short', horn_len=0.12,
                             horn_color=(40, 36, 34))),
    'buffalo': dict(coats=[dict(base=(62, 60, 58))],
                    shape=dict(horns='wide', horn_len=0.42, horn_color=(45, 42, 40), leg_len=0.8,
                               body_h=0.46)),
    'cow': dict(coats=[dict(base=(30, 28, 27), pattern='blotches', second=_WHITE),
                       dict(base=_WHITE, pattern='blotches', second=(30, 28, 27)),
                       dict(base=(140, 85, 50)), dict(base=(200, 150, 100)),
                       dict(base=(140, 85, 50), pattern='blotches', second=_WHITE)],
                shape=dict(horn_p=0.5, horn_len=0.15, horn_color=(225, 215, 190),
                           muzzle_color=(210, 165, 155))),
    'sheep': dict(coats=[dict(base=(232, 226, 210), pattern='wool'),
                         dict(base=(205, 195, 175), pattern='wool')],
                  shape=dict(wool=True, body_h=0.52, leg_len=0.62, neck_len=0.25, horns=None,
                             tail='stub', tail_len=0.12, tail_w=0.12, head_down=40,
                             leg_color=(55, 48, 44), head_color=(60, 52, 46))),
    'arctic fox': dict(coats=[dict(base=(240, 240, 236)), dict(base=(125, 110, 95),
                                                                 belly=(200, 190, 175))],
                       shape=dict(ear_size=0.1, snout_len=0.18)),
    'dog': dict(coats=[dict(base=(200, 160, 100), belly=_BELLY), dict(base=(38, 34, 30)),
                       dict(base=(235, 226, 212)), dict(base=(150, 100, 60), belly=_BELLY),
                       dict(base=(112, 110, 108), belly=_BELLY),
                       dict(base=_WHITE, pattern='blotches', second=(60, 45, 35)),
                       dict(base=(38, 34, 30), belly=(190, 140, 90))],
                shape=dict(ear_choice=('pointed', 'floppy'))),
    'fox': dict(coats=[dict(base=(210, 112, 42), belly=(245, 240, 230))],
                shape=dict(sock_color=(45, 33, 27), tail_tip=(245, 242, 235), ear_size=0.15)),
    'wolf': dict(coats=[dict(base=(132, 126, 116), belly=(215, 210, 200)),
                        dict(base=(95, 90, 85), belly=(190, 185, 175))],
                 shape=dict(leg_len=0.95)),
    'beaver': dict(coats=[dict(base=(105, 70, 45))], shape=dict(tail_color=(62, 56, 52))),
    'alouatta': dict(coats=[dict(base=(110, 48, 22)), dict(base=(32, 27, 24))],
                     shape=dict(face_color=(45, 35, 32))),
    'monkey': dict(coats=[dict(base=(150, 128, 102)), dict(base=(120, 112, 100))],
                   shape=dict(face_color=(222, 152, 140), tail_len=0.5)),
    'noisy night monkey': dict(coats=[dict(base=(140, 130, 115), belly=(215, 160, 100))],
                               shape=dict(eye_scale=1.9, face_color=(225, 220, 210))),
    'spider monkey': dict(coats=[dict(base=(36, 31, 29)), dict(base=(120, 85, 50))],
                          shape=dict(face_color=(75, 58, 52), leg_len=1.3, front_scale=1.25,
                                     leg_w=0.08, tail_len=1.6, tail_droop=-60, tail_curl=20)),
    'uakari': dict(coats=[dict(base=(212, 138, 78)), dict(base=(225, 215, 200))],
                   shape=dict(face_color=(205, 60, 58), head_color=(205, 60, 58), tail='stub',
                              tail_len=0.3, tail_w=0.09)),
    'deer': dict(coats=[dict(base=(160, 110, 70), belly=_BELLY),
                        dict(base=(160, 110, 70), belly=_BELLY, pattern='spots',
                             second=(240, 232, 220))],
                 shape=dict(tail_color=(240, 235, 225))),
    'moose': dict(coats=[dict(base=(72, 52, 37))],
                  shape=dict(hump=0.3, leg_len=1.3, head_r=0.24, head_h=0.15, snout_len=0.32,
                             snout_w=0.14, horns='palmate', horn_p=0.6, horn_len=0.45,
                             horn_color=(185, 165, 130), sock_color=(150, 132, 112),
                             body_h=0.42, neck_len=0.35, neck_w=0.4, neck_ang=30)),
    'hamster': dict(coats=[dict(base=(215, 160, 92), belly=_WHITE), dict(base=(235, 230, 222)),
                           dict(base=(128, 120, 112), belly=_WHITE)]),
    'elephant': dict(coats=[dict(base=(130, 125, 121), pattern='mottled')],
                     shape=dict(horn_color=(236, 228, 205))),
    'horse': dict(coats=[dict(base=(122, 70, 40), mane=(30, 26, 24)),
                         dict(base=(160, 86, 45), mane=(140, 70, 35)),
                         dict(base=(32, 29, 27), mane=(20, 18, 17)),
                         dict(base=(220, 218, 212), mane=(150, 148, 145)),
                         dict(base=(226, 186, 112), mane=(240, 232, 210))],
                  shape=dict()),
    'zebra': dict(coats=[dict(base=(242, 240, 234), pattern='stripes', second=(22, 20, 20),
                              style='full')],
                  shape=dict(mane='erect', body_h=0.39, leg_len=0.95)),
    'bobcat': dict(coats=[dict(base=(185, 145, 105), belly=_BELLY, pattern='spots',
                               second=(105, 78, 55))],
                   shape=dict(tail='stub', tail_len=0.25, tail_w=0.1, tail_droop=20,
                              ear_size=0.12, tail_tip=(30, 26, 24))),
    'cat': dict(coats=[dict(base=(222, 140, 62), pattern='tabby', second=(165, 88, 35)),
                       dict(base=(140, 135, 130), pattern='tabby', second=(62, 57, 52)),
                       dict(base=(30, 28, 27)), dict(base=(238, 236, 230)),
                       dict(base=_WHITE, pattern='blotches', second=(40, 36, 34))],
                shape=dict(ear_size=0.13, body_h=0.28, leg_len=0.7)),
    'cheetah': dict(coats=[dict(base=(218, 176, 102), belly=_BELLY, pattern='spots',
                                second=(30, 26, 22))],
                    shape=dict(head_r=0.16, head_h=0.14, leg_len=0.95, body_h=0.27,
                               leg_w=0.11)),
    'jaguar': dict(coats=[dict(base=(200, 150, 70), belly=_BELLY, pattern='rosettes',
                               second=(28, 24, 20))],
                   shape=dict(body_h=0.34, leg_len=0.7, leg_w=0.15, head_r=0.21,
                              tail_len=0.7)),
    'king cheetah': dict(coats=[dict(base=(218, 176, 102), belly=_BELLY, pattern='kingstripes',
                                     second=(30, 26, 22))],
                         shape=dict(head_r=0.16, head_h=0.14, leg_len=0.95, body_h=0.27)),
    'leopard': dict(coats=[dict(base=(216, 166, 86), belly=_BELLY, pattern='rosettes',
                                second=(30, 26, 22))]),
    'lion': dict(coats=[dict(base=(200, 155, 92), belly=(225, 200, 160))],
                 shape=dict(mane='lion', horn_p=0.5, tail='tuft', tail_len=0.9,
                            mane_color=(125, 78, 40), body_h=0.33, leg_w=0.15)),
    'panther': dict(coats=[dict(base=(26, 23, 21), pattern='rosettes', second=(14, 12, 11))]),
    'snow leopard': dict(coats=[dict(base=(205, 200, 190), belly=_WHITE, pattern='rosettes',
                                     second=(75, 74, 72))],
                         shape=dict(tail_len=1.2, tail_w=0.13)),
    'tiger': dict(coats=[dict(base=(226, 122, 40), belly=_WHITE, pattern='stripes',
                              second=(25, 20, 16))],
                  shape=dict(body_h=0.32, leg_w=0.15)),
    'giraffe': dict(coats=[dict(base=(236, 222, 184), pattern='patches', second=(172, 100, 45))]),
    'hippo': dict(coats=[dict(base=(122, 102, 106), belly=(195, 142, 136), pattern='mottled')]),
    'chimpanzee': dict(coats=[dict(base=(36, 31, 29))], shape=dict(face_color=(185, 152, 132))),
    'gorilla': dict(coats=[dict(base=(32, 32, 34)), dict(base=(32, 32, 34), pattern='saddle',
                                                          second=(150, 150, 150))],
                    shape=dict(face_color=(28, 28, 28), body_h=0.45, head_r=0.26)),
    'orangutan': dict(coats=[dict(base=(172, 82, 32))],
                      shape=dict(face_color=(95, 75, 62), front_scale=1.45)),
    'rabbit': dict(coats=[dict(base=(150, 122, 92), belly=_BELLY), dict(base=(240, 240, 235)),
                          dict(base=(102, 92, 82)), dict(base=(92, 62, 42))],
                   shape=dict(tail_color=_WHITE)),
    'skunk': dict(coats=[dict(base=(26, 26, 29), pattern='skunk', second=_WHITE)]),
    'mouse': dict(coats=[dict(base=(140, 130, 120)), dict(base=(236, 236, 231)),
                         dict(base=(122, 96, 70), belly=_BELLY)],
                  shape=dict(tail_color=(195, 152, 147), ear_size=0.15)),
    'rat': dict(coats=[dict(base=(112, 102, 92)), dict(base=(230, 230, 225))],
                shape=dict(tail_color=(190, 150, 145), ear_size=0.1, body_h=0.36,
                           head_r=0.2, snout_len=0.2)),
    'otter': dict(coats=[dict(base=(90, 65, 45), belly=(170, 150, 125))]),
    'weasel': dict(coats=[dict(base=(152, 102, 56), belly=_WHITE)],
                   shape=dict(body_h=0.22, tail_w=0.08, tail_len=0.55)),
    'raccoon': dict(coats=[dict(base=(132, 127, 122))],
                    shape=dict(mask=True, tail_rings=(40, 36, 34))),
    'rhino': dict(coats=[dict(base=(122, 120, 112), pattern='mottled')],
                  shape=dict(horn_color=(95, 90, 82))),
    'marmot': dict(coats=[dict(base=(140, 105, 70), belly=(185, 160, 120))],
                   shape=dict(body_h=0.5, leg_len=0.35, tail_len=0.45, tail_w=0.16,
                              tail_droop=30, tail_curl=0, ear='round', ear_size=0.06)),
    'squirrel': dict(coats=[dict(base=(182, 96, 46), belly=_WHITE),
                            dict(base=(140, 135, 130), belly=_WHITE)]),
    'pig': dict(coats=[dict(base=(236, 182, 172)), dict(base=(40, 38, 36)),
                       dict(base=(236, 182, 172), pattern='blotches', second=(40, 38, 36)),
                       dict(base=(110, 85, 60))],
                shape=dict(nose_color=(215, 140, 135), ear_choice=('pointed', 'floppy'))),
    'mole': dict(coats=[dict(base=(46, 43, 46))],
                 shape=dict(nose_color=(225, 160, 160), paw_color=(225, 170, 165))),
    'black bear': dict(coats=[dict(base=(26, 24, 23))], shape=dict(muzzle_color=(170, 130, 92))),
    'brown bear': dict(coats=[dict(base=(112, 76, 46))], shape=dict(hump=0.25)),
    'panda': dict(coats=[dict(base=(236, 233, 226), pattern='panda', second=_BLACK)],
                  shape=dict(leg_color=_BLACK, ear_color=_BLACK, eye_patch=_BLACK)),
    'polar bear': dict(coats=[dict(base=(236, 229, 210))],
                       shape=dict(neck_len=0.35, head_r=0.21, head_h=0.16)),
    'bat': dict(coats=[dict(base=(88, 66, 50)), dict(base=(48, 42, 40))],
                shape=dict(wing_color=(62, 52, 48))),
}


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


# ---------------------------------------------------------------------------------------------
# Geometry helpers (canonical space)
# ---------------------------------------------------------------------------------------------
def _unit(deg):
    """Direction at ``deg`` degrees clockwise (screen) from +x."""
    r = math.radians(deg)
    return np.array([math.cos(r), math.sin(r)])


def _leg_dir(alpha):
    """Leg direction ``alpha`` degrees from straight down, positive towards the head."""
    r = math.radians(alpha)
    return np.array([math.sin(r), math.cos(r)])


def _ellipse(c, rx, ry, ang=0.0, n=20):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.stack([rx * np.cos(t), ry * np.sin(t)], 1)
    a = math.radians(ang)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return pts @ rot.T + np.asarray(c, float)


def _capsule(p0, p1, w0, w1, n=7):
    """Segment p0-p1 with round ends, width w0 at p0 and w1 at p1."""
    p0 = np.asarray(p0, float)
    p1 = np.asarray(p1, float)
    d = p1 - p0
    if np.hypot(*d) < 1e-6:
        return _ellipse(p0, max(w0, w1) / 2, max(w0, w1) / 2)
    a = math.atan2(d[1], d[0])
    t1 = a + np.linspace(-np.pi / 2, np.pi / 2, n)
    t0 = a + np.linspace(np.pi / 2, 3 * np.pi / 2, n)
    return np.concatenate([p1 + w1 / 2 * np.stack([np.cos(t1), np.sin(t1)], 1),
                           p0 + w0 / 2 * np.stack([np.cos(t0), np.sin(t0)], 1)])


def _chain(start, dir_deg, length, n, curl):
    """Polyline of n segments starting at ``start``, turning by ``curl`` degrees per segment."""
    pts = [np.asarray(start, float)]
    for i in range(n):
        pts.append(pts[-1] + _unit(dir_deg + curl * i) * (length / n))
    return np.array(pts)


def _blob(rng, c, r, n=10, rough=0.3):
    t = np.sort(rng.uniform(0, 2 * np.pi, n))
    rr = r * (1 + rough * rng.uniform(-1, 1, n))
    return np.stack([c[0] + rr * np.cos(t), c[1] + rr * np.sin(t)], 1)


class _Animal:
    """One animal in canonical space: parts to draw, coat ops and the 17 keypoints."""

    def __init__(self):
        self.parts = []  # dicts: code, pts | disc, src, shade, outline, alpha
        self.coat_ops = []
        self.kpts = {}  # near/far names -> canonical point
        self.rules = {}  # near/far names -> visibility rule
        self.base = None
        self.body_h = 1.0
        self.category_id = None
        self.pose = None

    def add(self, code, pts=None, src='coat', shade=1.0, outline=True, disc=None, alpha=1.0):
        self.parts.append(dict(code=code, pts=pts, disc=disc, src=src, shade=shade,
                               outline=outline, alpha=alpha))


def _jit(rng, v, sd=0.08):
    return v * float(np.clip(1 + sd * rng.standard_normal(), 1 - 2 * sd, 1 + 2 * sd))


def _plan_for(name, family, rng):
    plan = dict(_BASE_PLAN)
    plan.update(_FAMILY_PLANS.get(family, {}))
    spec = _SPECIES.get(name, {})
    plan.update(spec.get('shape', {}))
    coats = spec.get('coats') or [dict(base=tuple(int(v) for v in rng.integers(40, 230, 3)),
                                       belly=_BELLY)]
    look = dict(coats[int(rng.integers(len(coats)))])
    # Individuals differ: proportions by a few per cent, colours by a little more.
    for k in ('body_h', 'neck_len', 'head_r', 'head_h', 'snout_len', 'leg_len', 'leg_w',
              'tail_len', 'ear_size', 'horn_len'):
        plan[k] = _jit(rng, plan[k])
    gain = rng.uniform(0.85, 1.12) * rng.uniform(0.94, 1.06, 3)
    look['base'] = np.clip(np.array(look['base'], float) * gain, 0, 255)
    if 'ear_choice' in plan:
        plan['ear'] = plan['ear_choice'][int(rng.integers(len(plan['ear_choice'])))]
    if plan['horns'] and rng.random() > plan['horn_p']:
        plan['horns'] = None
    if plan['mane'] == 'lion' and rng.random() > plan['horn_p']:
        plan['mane'] = None  # lionesses
    return plan, look


def _sample_pose(rng, plan):
    gaits = plan['gaits']
    names = sorted(gaits)
    w = np.array([gaits[k] for k in names], float)
    gait = names[int(rng.choice(len(names), p=w / w.sum()))]
    n = rng.standard_normal
    pose = dict(gait=gait, tilt=plan['tilt'] + 4 * n(),
                neck=plan['neck_ang'] + 10 * n(), head=plan['head_down'] + 12 * n(),
                tail=plan['tail_droop'] + 15 * n(), curl=plan['tail_curl'] + 4 * n(),
                far_dx=rng.uniform(-0.06, 0.06), far_dy=rng.uniform(0.06, 0.15))
    legs = {}
    if gait in ('stand', 'graze'):
        fa = 2 + 5 * n()
        ha = -8 + 5 * n()
        legs['fn'] = (fa, fa - rng.uniform(0, 12))
        fa2 = fa + 7 * n()
        legs['ff'] = (fa2, fa2 - rng.uniform(0, 12))
        hf = 22 + 6 * n()
        legs['hn'] = (ha, ha + hf)
        ha2 = ha + 7 * n()
        legs['hf'] = (ha2, ha2 + 22 + 6 * n())
        if gait == 'graze':
            pose['neck'] = rng.uniform(-50, -15)
            pose['head'] = rng.uniform(70, 100)
    elif gait in ('walk', 'trot'):
        amp = 20 if gait == 'walk' else 30
        ph = rng.uniform(0, 2 * np.pi)
        # Walk: lateral sequence (hind leads front by a quarter cycle); trot: diagonal pairs.
        phases = dict(fn=ph, ff=ph + np.pi, hn=ph + (np.pi / 2 if gait == 'walk' else np.pi),
                      hf=ph + (3 * np.pi / 2 if gait == 'walk' else 0))
        for leg, p in phases.items():
            swing = max(0.0, math.cos(p))  # a leg swinging forward is lifted: more bend
            if leg[0] == 'f':
                a = 4 + amp * math.sin(p)
                legs[leg] = (a, a - (5 + 50 * swing))
            else:
                a = -8 + amp * math.sin(p)
                legs[leg] = (a, a + 18 + 40 * swing)
    elif gait == 'gallop':
        if rng.random() < 0.5:  # extended
            fa = rng.uniform(30, 60)
            ha = rng.uniform(-60, -35)
            legs['fn'] = (fa, fa - rng.uniform(0, 20))
            legs['ff'] = (fa - rng.uniform(5, 20), fa - rng.uniform(10, 40))
            legs['hn'] = (ha, ha + rng.uniform(10, 25))
            legs['hf'] = (ha + rng.uniform(5, 20), ha + rng.uniform(15, 40))
        else:  # gathered
            fa = rng.uniform(-35, -10)
            ha = rng.uniform(15, 40)
            legs['fn'] = (fa, fa - rng.uniform(40, 80))
            legs['ff'] = (fa + rng.uniform(5, 20), fa - rng.uniform(20, 60))
            legs['hn'] = (ha, ha + rng.uniform(20, 50))
            legs['hf'] = (ha - rng.uniform(5, 20), ha + rng.uniform(10, 40))
        pose['neck'] = plan['neck_ang'] * 0.6 + 8 * n()
        pose['tail'] = plan['tail_droop'] * 0.5 + 10 * n()
    elif gait == 'lie':
        for leg in ('fn', 'ff'):
            if rng.random() < 0.5:  # sphinx: forelegs stretched forward
                a = rng.uniform(70, 92)
                legs[leg] = (a, a + rng.uniform(-10, 5))
            else:  # tucked under the chest
                a = rng.uniform(40, 75)
                legs[leg] = (a, a - rng.uniform(120, 150))
        for leg in ('hn', 'hf'):
            legs[leg] = (rng.uniform(55, 85), rng.uniform(-110, -70))
        pose['tail'] = rng.uniform(40, 85)
    elif gait == 'sit':
        t = rng.uniform(*plan['sit_tilt'])
        pose['tilt'] = t
        for leg in ('fn', 'ff'):
            a = -t + 5 * n()
            legs[leg] = (a, a - rng.uniform(0, 10))
        for leg in ('hn', 'hf'):
            a = rng.uniform(60, 90) - t
            legs[leg] = (a, rng.uniform(-100, -60) - t)
        pose['neck'] = pose['neck'] - 0.7 * t
        pose['head'] = pose['head'] + 0.8 * t
        pose['tail'] = rng.uniform(10, 60) - t
    else:  # fly (bats): the front limbs are the wings
        fa = rng.uniform(120, 200)
        legs['fn'] = (fa, fa + rng.uniform(-30, 20))
        fa2 = fa + rng.uniform(-25, 25)
        legs['ff'] = (fa2, fa2 + rng.uniform(-30, 20))
        for leg in ('hn', 'hf'):
            a = rng.uniform(-50, -10)
            legs[leg] = (a, a + rng.uniform(-10, 20))
        pose['tilt'] = 10 * n()
    if gait != 'sit':
        # A tilted body keeps its legs, neck, head and tail as they are in the world.
        t = pose['tilt']
        legs = {k: (a - t, b - t) for k, (a, b) in legs.items()}
        pose['neck'] -= t
        pose['head'] += t
        pose['tail'] -= t
    pose['legs'] = legs
    pose['tq'] = rng.random() < plan['tq']
    return pose


def _build_animal(rng, category, family):
    """Canonical geometry, drawing list and keypoints of one individual of ``category``."""
    plan, look = _plan_for(category['name'], family, rng)
    pose = _sample_pose(rng, plan)
    an = _Animal()
    an.category_id = category['id']
    an.base = look['base']
    an.pose = pose
    base = look['base']
    dark_line = np.clip(base * 0.45, 0, 255)
    bh = plan['body_h']
    bl = bh * plan['belly']
    e = plan['e']
    an.body_h = bh

    def top(x):
        return bh * (1 + plan['hump'] * np.exp(-((x - 0.45) / 0.35) ** 2))

    def low(x):
        return bl * (1 + plan['chest'] * x)

    def edge(x, r):
        return r * max(0.0, 1 - abs(x) ** (2 / e)) ** (e / 2)

    # Body: a superellipse, deeper at the chest, with a hump where the family has one.
    t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    bx = np.sign(c) * np.abs(c) ** e
    by = np.sign(s) * np.abs(s) ** e * np.where(s > 0, low(bx), top(bx))
    body = np.stack([bx, by], 1)
    if plan['wool']:
        body = body * (1 + 0.05 * np.abs(np.sin(t * 9)))[:, None]

    neck_x = plan['neck_x']
    n0 = np.array([neck_x, -0.6 * edge(neck_x, top(neck_x))])
    rt = math.radians(35)
    tail_root = 0.93 * np.array([-abs(math.cos(rt)) ** e, -abs(math.sin(rt)) ** e * top(-0.85)])
    sh_x, hip_x = 0.58, -0.6
    shoulder = np.array([sh_x, 0.35 * edge(sh_x, low(sh_x))])
    hip = np.array([hip_x, 0.1 * bh])

    # Legs. The hind legs are lengthened so that all four paws stand level in a neutral pose.
    front_len = plan['leg_len'] * plan['front_scale']
    hind_len = (shoulder[1] + plan['leg_len'] - hip[1]) / 0.97
    if family == 'Vespertilionidae':
        hind_len = 0.35
    lw = plan['leg_w']
    far_off = np.array([pose['far_dx'], -pose['far_dy']])
    leg_color = plan.get('leg_color')
    sock = plan.get('sock_color')
    paw_color = plan.get('paw_color')
    legs = {}
    for leg, (alpha, beta) in pose['legs'].items():
        front = leg[0] == 'f'
        near = leg[1] == 'n'
        root = (shoulder if front else hip) + (0 if near else far_off)
        length = front_len if front else hind_len
        knee = root + _leg_dir(alpha) * length * 0.5
        paw = knee + _leg_dir(beta) * length * 0.5
        w_top = lw * (1.3 if front else 1.7 * plan['hind_w'])
        if family == 'Vespertilionidae' and front:
            w_top = lw * 1.6
        w_knee, w_paw = lw * 0.8, lw * 0.6
        legs[leg] = dict(root=root, knee=knee, paw=paw, w=(w_top, w_knee, w_paw), near=near)
        an.kpts[('sh_' if front else 'hip_') + ('n' if near else 'f')] = root
        an.kpts[('el_' if front else 'kn_') + ('n' if near else 'f')] = knee
        an.kpts[('fp_' if front else 'bp_') + ('n' if near else 'f')] = paw

    def wing(leg):
        # A bat's wing: a membrane spread by two fingers from the wrist back to the hind foot.
        # Both membranes lie behind the body (the wings are raised), the arm bones in front.
        g = legs[leg]
        code = WING_N if g['near'] else WING_F
        shade = 1.0 if g['near'] else 0.6
        hind = legs['h' + leg[1]]
        dl = g['paw'] - g['knee']
        a = math.degrees(math.atan2(dl[1], dl[0]))
        seg = front_len * 0.5
        f1 = g['paw'] + _unit(a - 40) * seg * 1.1
        f2 = g['paw'] + _unit(a - 95) * seg * 0.95
        memb = np.array([g['root'] + [0.05, -0.02], g['knee'], g['paw'], f1, f2, hind['paw'],
                         hind['root']])
        an.add(code, memb, plan['wing_color'], shade * 0.9, outline=True, alpha=0.9)
        for f in (f1, f2):
            an.add(code, _capsule(g['paw'], f, lw * 0.5, lw * 0.3, 5), 'coat', shade * 0.8,
                   outline=False)

    def leg_parts(leg):
        g = legs[leg]
        up, lo, pw = _LEG_CODES[leg]
        shade = 1.0 if g['near'] else 0.6
        src = leg_color if leg_color is not None else 'coat'
        w_top, w_knee, w_paw = g['w']
        an.add(up, _capsule(g['root'], g['knee'], w_top, w_knee), src, shade)
        lo_src = sock if sock is not None else src
        an.add(lo, _capsule(g['knee'], g['paw'], w_knee, w_paw), lo_src, shade)
        p = g['paw']
        kind = plan['paw']
        if kind == 'hoof':
            d = g['paw'] - g['knee']
            ang = math.degrees(math.atan2(d[1], d[0]))
            an.add(pw, _ellipse(p + d / np.hypot(*d) * w_paw * 0.2, w_paw * 0.55, w_paw * 0.62,
                                ang), (38, 32, 28), shade)
        elif kind == 'claw':
            an.add(pw, _ellipse(p + [w_paw * 0.5, 0], w_paw * 1.1, w_paw * 0.6),
                   paw_color or (200, 160, 150), shade)
        else:
            col = {'paw': lo_src, 'hand': (70, 58, 52) if plan.get('face_color') else lo_src,
                   'foot': lo_src}[kind]
            if paw_color is not None:
                col = paw_color
            an.add(pw, _ellipse(p + [w_paw * 0.3, w_paw * 0.15], w_paw * 0.8, w_paw * 0.48),
                   col, shade)
            if kind == 'foot':
                for k in (-1, 0, 1):
                    an.add(pw, disc=(p[0] + w_paw * (0.3 + 0.35 * k), p[1] + w_paw * 0.35,
                                     w_paw * 0.12, 0.6), src=(215, 210, 200), shade=shade,
                           outline=False)

    # Neck and head geometry.
    nd = _unit(-pose['neck'])
    head_c = n0 + nd * plan['neck_len']
    if plan['neck_len'] < 0.12:  # no visible neck: the head sits on the chest
        head_c = n0 + nd * plan['neck_len'] + np.array([plan['head_r'] * 0.35, 0.0])
    om = pose['head']
    d = _unit(om)
    u = np.array([d[1], -d[0]])  # the head's "up"
    hr, hh = plan['head_r'], plan['head_h']
    tq = pose['tq']
    snout_len = plan['snout_len'] * (0.75 if tq and not plan['trunk'] else 1.0)
    sw = plan['snout_w']
    snout0 = head_c + d * hr * 0.35 - u * hh * 0.25
    if plan['trunk']:
        trunk = _chain(head_c + d * hr * 0.6 - u * hh * 0.2, om + 25, snout_len, 8,
                       12 + 5 * rng.standard_normal())
        nose = trunk[-1]
    else:
        tip = head_c + d * (hr + snout_len) - u * hh * 0.25
        nose = tip + d * sw * 0.25
    an.kpts['nose'] = nose
    an.kpts['neck'] = n0
    an.kpts['tail'] = tail_root
    er = hh * 0.17 * plan['eye_scale']
    if tq:
        eye_n = head_c - d * hr * 0.05 + u * hh * 0.3
        eye_f = head_c + d * hr * 0.45 + u * hh * 0.5
    else:
        eye_n = head_c + d * hr * 0.12 + u * hh * 0.42
        eye_f = eye_n  # hidden: never drawn in profile
    an.kpts['eye_n'] = eye_n
    an.kpts['eye_f'] = eye_f
    ear_root = head_c - d * hr * 0.45 + u * hh * 0.75
    es = plan['ear_size']
    ear_color = plan.get('ear_color')
    # One irregular outline serves both of an elephant's ears, so the two sides match.
    flap = _blob(rng, (0.0, 0.0), 1.0, 12, 0.15)

    def ear(near):
        code = EAR_N if near else EAR_F
        shade = 1.0 if near else 0.65
        r = ear_root + (0 if near else d * hr * 0.25 + u * 0.02)
        src = ear_color if ear_color is not None else 'coat'
        kind = plan['ear']
        if kind == 'pointed':
            pts = np.array([r - d * es * 0.45, r + d * es * 0.4,
                            r + u * es * 1.3 - d * es * 0.25])
            an.add(code, pts, src, shade)
        elif kind == 'round':
            an.add(code, _ellipse(r + u * es * 0.25, es * 0.6, es * 0.6), src, shade)
            an.add(code, _ellipse(r + u * es * 0.25, es * 0.35, es * 0.35), (205, 150, 140),
                   shade, outline=False)
        elif kind == 'long':
            ax = _unit(om - 90 - 25)
            an.add(code, _ellipse(r + ax * es * 0.55, es * 0.55, es * 0.13,
                                  math.degrees(math.atan2(ax[1], ax[0]))), src, shade)
        elif kind == 'side':
            ax = _unit(om - 160)
            an.add(code, _ellipse(r + ax * es * 0.5, es * 0.55, es * 0.2,
                                  math.degrees(math.atan2(ax[1], ax[0]))), src, shade)
        elif kind == 'floppy':
            ax = _unit(om + 120)
            an.add(code, _ellipse(r + ax * es * 0.5, es * 0.6, es * 0.25,
                                  math.degrees(math.atan2(ax[1], ax[0]))), src, shade * 0.85)
        elif kind == 'elephant':
            c0 = head_c - d * hr * 0.55 + u * hh * 0.1
            an.add(code, c0 + flap * es * 0.7 + (0 if near else u * 0.06), src, shade * 0.92)

    def horns(near):
        kind = plan['horns']
        if not kind:
            return
        code = HORN_N if near else HORN_F
        shade = 1.0 if near else 0.7
        col = plan.get('horn_color', (228, 218, 192))
        hl = plan['horn_len']
        r0 = head_c - d * hr * 0.2 + u * hh * 0.8 + (0 if near else d * hr * 0.2)

        def band(pts, w0, w1):
            for i in range(len(pts) - 1):
                f0, f1 = i / (len(pts) - 1), (i + 1) / (len(pts) - 1)
                an.add(code, _capsule(pts[i], pts[i + 1], w0 + (w1 - w0) * f0,
                                      w0 + (w1 - w0) * f1, 5), col, shade, outline=False)

        back = -d
        if kind == 'curved':
            band(np.array([r0, r0 + u * hl * 0.6 + back * hl * 0.1,
                           r0 + u * hl * 0.95 + d * hl * 0.35]), 0.05, 0.02)
        elif kind == 'short':
            band(np.array([r0, r0 + u * hl * 0.6 + back * hl * 0.2, r0 + u * hl + d * hl * 0.2]),
                 0.05, 0.025)
        elif kind == 'wide':
            band(np.array([r0, r0 + back * hl * 0.5 - u * hl * 0.05,
                           r0 + back * hl * 0.7 + u * hl * 0.45]), 0.08, 0.025)
        elif kind == 'straight':
            band(np.array([r0, r0 + u * hl * 0.55 + back * hl * 0.3,
                           r0 + u * hl * 0.95 + back * hl * 0.55]), 0.045, 0.015)
        elif kind == 'curl':
            cc = r0 + back * hl * 0.35
            ang0 = math.degrees(math.atan2(-(u)[1], -(u)[0])) + 180  # start over the head
            pts = []
            for k in range(9):
                a = math.radians(ang0 - 40 * k)
                rr = hl * (0.55 - 0.03 * k)
                pts.append(cc + rr * np.array([math.cos(a), math.sin(a)]) * [1, 1])
            pts = np.array(pts)
            if om > 90:  # keep the spiral behind the head whichever way the head points
                pts = 2 * cc - pts
            band(np.concatenate([[r0], pts]), 0.1, 0.04)
        elif kind == 'antlers':
            beam = np.array([r0, r0 + u * hl * 0.5 + back * hl * 0.3,
                             r0 + u * hl * 0.95 + back * hl * 0.1,
                             r0 + u * hl * 1.1 + d * hl * 0.25])
            band(beam, 0.035, 0.018)
            for i in (1, 2):
                band(np.array([beam[i], beam[i] + d * hl * 0.3 + u * hl * 0.2]), 0.025, 0.012)
        elif kind == 'palmate':
            s0 = r0 + back * hl * 0.3 + u * hl * 0.2
            band(np.array([r0, s0]), 0.05, 0.045)
            palm = np.array([s0, s0 + back * hl * 0.45 + u * hl * 0.35,
                             s0 + back * hl * 0.2 + u * hl * 0.75,
                             s0 + d * hl * 0.15 + u * hl * 0.6, s0 + d * hl * 0.1 + u * hl * 0.15])
            an.add(code, palm, col, shade)
        elif kind == 'ossicones':
            for k in (0, 1):
                a0 = r0 + d * hr * 0.1 * k
                band(np.array([a0, a0 + u * hl - d * hl * 0.2]), 0.035, 0.03)
                an.add(code, disc=(*(a0 + u * hl - d * hl * 0.2), 0.03, 0.8), src=(40, 35, 30),
                       shade=shade, outline=False)
        elif kind == 'rhino' and near:
            s1 = tip - d * snout_len * 0.3 + u * sw * 0.4
            an.add(code, np.array([s1 - d * hl * 0.25, s1 + d * hl * 0.1,
                                   s1 + u * hl + d * hl * 0.05]), col, shade)
            s2 = s1 - d * hl * 0.45 + u * sw * 0.1
            an.add(code, np.array([s2 - d * hl * 0.15, s2 + d * hl * 0.07,
                                   s2 + u * hl * 0.45]), col, shade)
        elif kind == 'tusks' and near:
            t0 = head_c + d * hr * 0.7 - u * hh * 0.5
            band(np.array([t0, t0 + d * hl * 0.55 - u * hl * 0.35, t0 + d * hl + u * hl * 0.05]),
                 0.06, 0.025)

    # Tail.
    tail_pts = None
    if plan['tail']:
        tdir = 180 - pose['tail']  # pose['tail'] degrees below the backward horizontal
        nseg = 6
        tail_pts = _chain(tail_root, tdir, plan['tail_len'], nseg, -pose['curl'])

    # ---- draw list, back to front ----
    bat = family == 'Vespertilionidae'
    if bat:
        wing('ff')
    for leg in ('hf', 'ff'):
        leg_parts(leg)
    if bat:
        wing('fn')
    if tail_pts is not None:
        kind = plan['tail']
        tcol = plan.get('tail_color') or 'coat'
        tw = plan['tail_w']
        for i in range(len(tail_pts) - 1):
            f0, f1 = i / (len(tail_pts) - 1), (i + 1) / (len(tail_pts) - 1)
            if kind == 'bushy':
                w0, w1 = tw * (0.5 + 0.8 * math.sin(math.pi * f0 * 0.8 + 0.3)), \
                    tw * (0.5 + 0.8 * math.sin(math.pi * f1 * 0.8 + 0.3))
            elif kind == 'flat':
                w0 = w1 = tw * 0.6 if i < 2 else tw * 3
            elif kind == 'hair':
                w0, w1 = tw * (0.6 + f0), tw * (0.6 + f1)
            elif kind == 'puff':
                w0 = w1 = tw
            else:
                w0, w1 = tw * (1 - 0.6 * f0), tw * (1 - 0.6 * f1)
            col = tcol
            if kind == 'hair':
                col = look.get('mane', dark_line)
            an.add(TAIL, _capsule(tail_pts[i], tail_pts[i + 1], w0, w1, 5), col, 1.0,
                   outline=False)
            if plan.get('tail_rings') is not None and i % 2 == 1:
                an.add(TAIL, _capsule(tail_pts[i], tail_pts[i + 1], w0 * 1.02, w1 * 1.02, 5),
                       plan['tail_rings'], 1.0, outline=False)
        end = tail_pts[-1]
        if kind == 'tuft':
            an.add(TAIL, _ellipse(end, tw * 1.6, tw * 2.4, 180 - pose['tail'] + 90),
                   look.get('mane', dark_line), 1.0, outline=False)
        if plan.get('tail_tip') is not None:
            an.add(TAIL, _capsule(tail_pts[-2], end, tw * 0.9, tw * 0.6, 5), plan['tail_tip'],
                   1.0, outline=False)
    if plan['ear']:
        ear(False)
    horns(False)
    an.add(BODY, body, 'coat', 1.0)
    if plan['mane'] == 'lion':
        an.add(MANE, _blob(rng, head_c - d * hr * 0.3, hh * 1.8, 14, 0.15),
               plan['mane_color'], 1.0)
    neck_end_w = min(plan['neck_w'], hh * 1.7) * 0.9
    an.add(NECK, _capsule(n0, head_c, plan['neck_w'], neck_end_w), 'coat', 1.0, outline=False)
    if plan['mane'] in ('neck', 'erect'):
        perp = np.array([nd[1], -nd[0]])  # above the neck's centre line
        if perp[1] > 0:
            perp = -perp
        mane_w = 0.07 if plan['mane'] == 'neck' else 0.1
        m0 = n0 + perp * plan['neck_w'] * 0.45 - nd * 0.05
        m1 = head_c + perp * neck_end_w * 0.45 - d * hr * 0.4
        an.add(MANE, _capsule(m0, m1, mane_w, mane_w * 0.8), look.get('mane', dark_line), 1.0,
               outline=False)
    head_src = plan.get('head_color') or 'coat'
    an.add(HEAD, _ellipse(head_c, hr, hh, om), head_src, 1.0)
    if plan.get('face_color') is not None:
        an.add(FACE, _ellipse(head_c + d * hr * 0.35, hr * 0.62, hh * 0.7, om),
               plan['face_color'], 1.0, outline=False)
    muzzle = plan.get('muzzle_color') or plan.get('face_color') or head_src
    if plan['trunk']:
        for i in range(len(trunk) - 1):
            f0, f1 = i / (len(trunk) - 1), (i + 1) / (len(trunk) - 1)
            an.add(SNOUT, _capsule(trunk[i], trunk[i + 1], sw * (1.3 - 0.7 * f0),
                                   sw * (1.3 - 0.7 * f1), 5), 'coat', 1.0, outline=False)
    else:
        an.add(SNOUT, _capsule(snout0, tip, sw, sw * 0.8), muzzle, 1.0)
        ncol = plan.get('nose_color', (30, 25, 24))
        nr = sw * (0.45 if family == 'Suidae' else 0.28)
        an.add(NOSE, _ellipse(nose - d * nr * 0.5, nr * 0.7, nr, om), ncol, 1.0, outline=False)
    if plan.get('mask'):
        an.add(FACE, _ellipse(eye_n + d * hr * 0.1, hr * 0.55, hh * 0.22, om), _BLACK, 1.0,
               outline=False)
    if plan.get('eye_patch') is not None:
        for ep, on in ((eye_n, True), (eye_f, tq)):
            if on:
                an.add(FACE, _ellipse(ep - u * er * 0.3, er * 2.4, er * 1.8, om + 30),
                       plan['eye_patch'], 1.0, outline=False)
    if plan['ear']:
        ear(True)
    horns(True)
    if tq:
        an.add(EYE_F, disc=(eye_f[0], eye_f[1], er * 0.85, 1.0), src=(22, 18, 16), outline=False)
    an.add(EYE_N, disc=(eye_n[0], eye_n[1], er, 1.2), src=(22, 18, 16), outline=False)
    for leg in ('hn', 'fn'):
        leg_parts(leg)

    # Coat pattern, in canonical space; the renderer maps it to the image.
    pattern = look.get('pattern')
    sec = look.get('second')
    if look.get('belly') is not None:
        an.coat_ops.append(('poly', _ellipse((0.0, bl * 0.72), 0.72, bl * 0.32, 0, 24),
                            look['belly']))
    x_lo, x_hi, y_lo, y_hi = -2.6, 2.6, -2.8, 2.2
    if pattern in ('stripes', 'tabby', 'kingstripes'):
        full = look.get('style') == 'full'  # zebra: stripes all round; cats: from the back
        sp = {'stripes': 0.13, 'tabby': 0.16, 'kingstripes': 0.22}[pattern] * rng.uniform(0.85,
                                                                                        1.2)
        x = x_lo
        while x < x_hi:
            if full:
                ys = np.linspace(y_lo, y_hi, 16)
            elif pattern == 'kingstripes':
                ys = np.linspace(-bh * 1.3, -bh * rng.uniform(0.2, 0.6), 4)
            else:
                ys = np.linspace(-bh * 1.3, bh * rng.uniform(-0.2, 0.9), 7)
            xs = x + 0.03 * np.sin(ys * 7 + x * 3) + 0.12 * ys
            w = sp * (0.45 if full else 0.3)
            an.coat_ops.append(('line', np.stack([xs, ys], 1), w, sec))
            x += sp * rng.uniform(0.9, 1.1)
        # Rings round the legs: the lower region is mostly legs.
        if full:
            y = bl * 1.1
            while y < y_hi:
                an.coat_ops.append(('line', np.array([[x_lo, y], [x_hi, y + 0.05]]), sp * 0.3,
                                    sec))
                y += sp * 0.9
        if pattern == 'kingstripes':
            pattern = 'spots'
    if pattern == 'spots':
        r0 = 0.035 if sec[0] < 100 else 0.045
        for _ in range(int(220 * (0.035 / r0) ** 2)):
            c0 = (rng.uniform(x_lo, x_hi), rng.uniform(y_lo, y_hi))
            an.coat_ops.append(('disc', c0, r0 * rng.uniform(0.6, 1.2), sec))
    elif pattern == 'rosettes':
        for _ in range(130):
            c0 = np.array([rng.uniform(-1.6, 1.6), rng.uniform(-1.4, 1.4)])
            rr = rng.uniform(0.05, 0.08)
            an.coat_ops.append(('disc', c0, rr * 0.85, np.clip(an.base * 0.82, 0, 255)))
            # A rosette is a broken ring: three or four dark arcs round a darker centre.
            start = rng.uniform(0, 360)
            for k in range(int(rng.integers(3, 5))):
                a0 = start + k * 100 + rng.uniform(-10, 10)
                an.coat_ops.append(('arc', c0, rr, sec, a0, a0 + rng.uniform(50, 80)))
        for _ in range(150):  # small solid spots on the legs and head
            c0 = (rng.uniform(x_lo, x_hi), rng.uniform(y_lo, y_hi))
            an.coat_ops.append(('disc', c0, 0.03, sec))
    elif pattern == 'blotches':
        for _ in range(int(rng.integers(4, 9))):
            c0 = (rng.uniform(-1.2, 1.2), rng.uniform(-0.6, 1.2))
            an.coat_ops.append(('poly', _blob(rng, c0, rng.uniform(0.15, 0.4), 10, 0.35), sec))
    elif pattern == 'patches':
        step = 0.2
        for gy in np.arange(y_lo, y_hi, step * 0.87):
            for gx in np.arange(x_lo, x_hi, step):
                off = step / 2 if int(round((gy - y_lo) / (step * 0.87))) % 2 else 0
                c0 = (gx + off + rng.uniform(-0.02, 0.02), gy + rng.uniform(-0.02, 0.02))
                an.coat_ops.append(('poly', _blob(rng, c0, step * 0.43, 7, 0.15), sec))
    elif pattern == 'skunk':
        for sgn in (-1, 1):
            line = np.array([[-1.6, -bh * 0.55 + sgn * 0.06], [0.0, -bh * 0.8 + sgn * 0.07],
                             [0.9, -bh * 0.7]])
            an.coat_ops.append(('line', line, 0.09, sec))
        an.coat_ops.append(('line', np.array([[0.9, -bh * 0.7], [3.0, -bh * 0.2]]), 0.05, sec))
    elif pattern == 'panda':
        an.coat_ops.append(('line', np.array([[0.5, -bh * 1.2], [0.35, bh * 1.2]]), 0.35, sec))
    elif pattern == 'saddle':
        an.coat_ops.append(('poly', _ellipse((-0.3, -bh * 0.55), 0.55, bh * 0.4), sec))
    elif pattern == 'front':
        an.coat_ops.append(('poly', _ellipse((0.9, -0.1), 0.75, 1.0), sec))
    elif pattern == 'wool':
        for _ in range(160):
            c0 = (rng.uniform(-1.1, 1.1), rng.uniform(-bh * 1.1, bl * 1.1))
            an.coat_ops.append(('ring', c0, rng.uniform(0.03, 0.05),
                                np.clip(an.base * 0.82, 0, 255)))
    elif pattern == 'mottled':
        an.coat_ops.append(('mottle', 0.12))

    # Visibility rules: ('win', codes | None, radius) means "some pixel of these parts within
    # radius of the point is on top"; ('frac', codes, f) means "at least f of the pixels drawn
    # for these parts still show" (a far shoulder or hip is inferred from its visible limb).
    all_codes = None
    an.rules['eye_n'] = [('win', (EYE_N,), er)]
    an.rules['eye_f'] = [('win', (EYE_F,), er * 0.85)] if tq else [('never',)]
    an.rules['nose'] = [('win', (SNOUT, NOSE, HEAD), sw * 0.3)]
    an.rules['neck'] = [('win', all_codes, 0.04)]
    an.rules['tail'] = [('win', all_codes, 0.04)]
    for leg, g in legs.items():
        up, lo, pw = _LEG_CODES[leg]
        w_top, w_knee, w_paw = g['w']
        root_name = ('sh_' if leg[0] == 'f' else 'hip_') + leg[1]
        mid_name = ('el_' if leg[0] == 'f' else 'kn_') + leg[1]
        end_name = ('fp_' if leg[0] == 'f' else 'bp_') + leg[1]
        if g['near']:
            an.rules[root_name] = [('win', (up, BODY), w_top * 0.5)]
        else:
            an.rules[root_name] = [('win', (up,), w_top * 0.5), ('frac', (up, lo), 0.2)]
        an.rules[mid_name] = [('win', (up, lo), w_knee * 0.5)]
        an.rules[end_name] = [('win', (lo, pw), w_paw * 0.6)]
    return an


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------
def _paint(img, lab, pts, color_src, alpha, label, outline):
    """Alpha-composite one filled polygon (anti-aliased) and write its label where it covers."""
    h, w = lab.shape
    x0 = max(int(math.floor(pts[:, 0].min())) - 1, 0)
    x1 = min(int(math.ceil(pts[:, 0].max())) + 2, w)
    y0 = max(int(math.floor(pts[:, 1].min())) - 1, 0)
    y1 = min(int(math.ceil(pts[:, 1].max())) + 2, h)
    if x0 >= x1 or y0 >= y1:
        return 0
    m = np.zeros((y1 - y0, x1 - x0), np.uint8)
    q = np.round((pts - (x0, y0)) * 16).astype(np.int32)
    cv2.fillPoly(m, [q], 255, cv2.LINE_AA, 4)
    a = m.astype(np.float32)[..., None] * (alpha / 255.0)
    reg = img[y0:y1, x0:x1]
    src = color_src[y0:y1, x0:x1] if color_src.ndim == 3 else color_src
    reg[:] = (reg * (1 - a) + src * a + 0.5).astype(np.uint8)
    hard = m > 127
    lab[y0:y1, x0:x1][hard] = label
    if outline is not None:
        cv2.polylines(img, [np.round(pts * 16).astype(np.int32)], True, outline, 1, cv2.LINE_AA,
                      4)
    return int(hard.sum())


def _make_coat(an, mat, off, shape, rng, grid):
    """The animal's fur over the whole image: base colour, pattern, shading and noise."""
    h, w = shape
    scale = math.sqrt(abs(np.linalg.det(mat)))
    coat = np.empty((h, w, 3), np.uint8)
    coat[:] = np.round(an.base[::-1]).astype(np.uint8)
    mottle = 0.0
    for op in an.coat_ops:
        kind = op[0]
        if kind == 'poly':
            pts = op[1] @ mat.T + off
            cv2.fillPoly(coat, [np.round(pts * 16).astype(np.int32)], _bgr(op[2]), cv2.LINE_AA,
                         4)
        elif kind == 'line':
            pts = op[1] @ mat.T + off
            cv2.polylines(coat, [np.round(pts * 16).astype(np.int32)], False, _bgr(op[3]),
                          max(1, int(round(op[2] * scale))), cv2.LINE_AA, 4)
        elif kind in ('disc', 'ring'):
            c = np.asarray(op[1]) @ mat.T + off
            if -20 < c[0] < w + 20 and -20 < c[1] < h + 20:
                r = max(1, int(round(op[2] * scale * 16)))
                th = -1 if kind == 'disc' else max(1, int(round(op[2] * scale * 0.5)))
                cv2.circle(coat, tuple(int(v) for v in np.round(c * 16)), r, _bgr(op[3]), th,
                           cv2.LINE_AA, 4)
        elif kind == 'arc':
            c = np.asarray(op[1]) @ mat.T + off
            if -20 < c[0] < w + 20 and -20 < c[1] < h + 20:
                r = max(1, int(round(op[2] * scale * 16)))
                th = max(1, int(round(op[2] * scale * 0.45)))
                cv2.ellipse(coat, tuple(int(v) for v in np.round(c * 16)), (r, r), 0.0,
                            float(op[4]), float(op[5]), _bgr(op[3]), th, cv2.LINE_AA, 4)
        elif kind == 'mottle':
            mottle = op[1]
    # Lit from above: the back brighter than the belly, in the animal's own frame.
    inv = np.linalg.inv(mat)
    yy, xx = grid
    yc = inv[1, 0] * (xx - off[0]) + inv[1, 1] * (yy - off[1])
    shade = np.clip(1.1 - 0.16 * yc / max(an.body_h, 0.2), 0.72, 1.18)
    noise = cv2.resize(rng.standard_normal((max(2, h // 6), max(2, w // 6))).astype(np.float32),
                       (w, h), interpolation=cv2.INTER_LINEAR)
    shade = shade * (1 + (0.05 + mottle) * noise)
    out = coat.astype(np.float32) * shade[..., None]
    out += rng.normal(0, 4.0, (h, w, 1)).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def _bgr(rgb):
    return tuple(float(v) for v in np.asarray(rgb, float)[::-1])


def _transform(scale, theta, flip, tilt):
    """Linear part mapping canonical space to the image (translation chosen later)."""
    def rot(a):
        a = math.radians(a)
        return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    f = np.diag([-1.0 if flip else 1.0, 1.0])
    # Tilt (front up) acts in the animal's frame, before mirroring.
    return scale * rot(theta) @ f @ rot(-tilt)


def _part_points(part, scale):
    if part['pts'] is not None:
        return part['pts']
    cx, cy, r, min_px = part['disc']
    r = max(r, min_px / max(scale, 1e-6))
    return _ellipse((cx, cy), r, r, 0, 16)


def _extent(an, mat):
    pts = np.concatenate([_part_points(p, 1.0) for p in an.parts]) @ mat.T
    return pts.min(0), pts.max(0)


def _draw_animal(img, lab, an, mat, off, slot, rng, grid):
    scale = math.sqrt(abs(np.linalg.det(mat)))
    coat = _make_coat(an, mat, off, lab.shape, rng, grid)
    drawn = {}
    for part in an.parts:
        pts = _part_points(part, scale) @ mat.T + off
        src = part['src']
        if isinstance(src, str):
            src_img = coat if part['shade'] == 1.0 else \
                (coat.astype(np.float32) * part['shade'])
        else:
            src_img = np.array(_bgr(np.asarray(src, float) * part['shade']), np.float32)
        outline = None
        if part['outline']:
            base = an.base if isinstance(src, str) else np.asarray(src, float)
            outline = _bgr(np.clip(base * 0.45 * part['shade'], 0, 255))
        n = _paint(img, lab, pts, src_img, part['alpha'], slot * _SLOT + part['code'], outline)
        drawn[part['code']] = drawn.get(part['code'], 0) + n
    return drawn


def _keypoints(an, mat, off, lab, slot, drawn, flip):
    """AP-10K keypoint triplets for one drawn animal (integers, unlabelled as 0, 0, 0)."""
    h, w = lab.shape
    scale = math.sqrt(abs(np.linalg.det(mat)))
    near, far = ('l', 'r') if flip else ('r', 'l')
    own = (lab > slot * _SLOT) & (lab < (slot + 1) * _SLOT)
    kpts = []
    for tmpl in _KPT_NEAR_FAR:
        # An animal facing right (no flip) shows its right side: near = right.
        name = tmpl.replace('{L}', 'n' if near == 'l' else 'f').replace(
            '{R}', 'n' if near == 'r' else 'f')
        p = an.kpts[name] @ mat.T + off
        x, y = int(round(p[0])), int(round(p[1]))
        vis = 0 <= x < w and 0 <= y < h
        if vis:
            ok = False
            for rule in an.rules[name]:
                if rule[0] == 'never':
                    continue
                if rule[0] == 'frac':
                    total = sum(drawn.get(c, 0) for c in rule[1])
                    shown = np.isin(lab, [slot * _SLOT + c for c in rule[1]]).sum()
                    if total and shown >= rule[2] * total:
                        ok = True
                    continue
                r = max(1, int(math.ceil(rule[2] * scale)))
                win = lab[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1]
                if rule[1] is None:
                    hit = own[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1].any()
                else:
                    hit = np.isin(win, [slot * _SLOT + c for c in rule[1]]).any()
                if hit:
                    ok = True
            vis = ok
        kpts.append((x, y, 2) if vis else (0, 0, 0))
    return kpts


def _background(rng, size):
    """One of five background kinds, returned with its code (the ``background`` field)."""
    h = w = size
    kind = int(rng.integers(1, 6))
    natural = np.array([[120, 160, 90], [95, 130, 60], [180, 160, 120], [150, 120, 85],
                        [200, 190, 160], [130, 170, 210], [200, 215, 230], [90, 90, 95],
                        [70, 100, 60], [230, 230, 235], [160, 150, 140], [60, 80, 50]], float)

    def col():
        c = natural[int(rng.integers(len(natural)))] * rng.uniform(0.75, 1.2)
        if rng.random() < 0.2:
            c = rng.uniform(20, 235, 3)
        return np.clip(c + rng.normal(0, 12, 3), 0, 255)[::-1]

    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / max(h - 1, 1)
    if kind == 1:  # linear gradient
        a = rng.uniform(0, 2 * np.pi)
        t = np.cos(a) * xx + np.sin(a) * yy
        t = (t - t.min()) / max(t.max() - t.min(), 1e-6)
        img = col()[None, None] * (1 - t[..., None]) + col()[None, None] * t[..., None]
    elif kind == 2:  # sky and ground
        hz = rng.uniform(0.2, 0.6)
        sky = col() if rng.random() < 0.3 else np.array([230, 200, 150.0]) * rng.uniform(0.8, 1.1)
        earth = np.array([[110, 150, 80], [150, 120, 85], [200, 185, 150], [95, 95, 90],
                          [230, 232, 236], [80, 110, 60]], float)
        ground = earth[int(rng.integers(len(earth)))] * rng.uniform(0.75, 1.15, 3)
        ground = np.clip(ground, 0, 255)[::-1]
        t = np.clip(yy / hz, 0, 1)[..., None]
        img = np.where(yy[..., None] < hz, sky * (0.8 + 0.2 * t),
                       ground * (0.85 + 0.3 * (yy[..., None] - hz)))
        if rng.random() < 0.6:  # distant hills
            xs = np.linspace(-0.1, 1.1, 9)
            ys = hz - rng.uniform(0.02, 0.15, 9)
            pts = np.concatenate([np.stack([xs, ys], 1), [[1.1, hz + 0.01], [-0.1, hz + 0.01]]])
            img = img.astype(np.float32)
            cv2.fillPoly(img, [np.round(pts * (w - 1) * 16).astype(np.int32)],
                         tuple(float(v) for v in col() * 0.8), cv2.LINE_AA, 4)
    elif kind == 3:  # random shapes
        img = np.empty((h, w, 3), np.float32)
        img[:] = col()
        for _ in range(int(rng.integers(8, 25))):
            c = tuple(float(v) for v in col())
            x, y = rng.uniform(-0.1, 1.1, 2) * w
            r = rng.uniform(0.03, 0.3) * w
            s = rng.random()
            if s < 0.45:
                cv2.ellipse(img, (int(x), int(y)), (int(r), int(r * rng.uniform(0.3, 1))),
                            float(rng.uniform(0, 180)), 0, 360, c, -1, cv2.LINE_AA)
            elif s < 0.8:
                box = ((float(x), float(y)), (float(r * 1.5), float(r * rng.uniform(0.2, 1))),
                       float(rng.uniform(0, 180)))
                cv2.fillPoly(img, [np.round(cv2.boxPoints(box)).astype(np.int32)], c,
                             cv2.LINE_AA)
            else:
                x2, y2 = rng.uniform(0, 1, 2) * w
                cv2.line(img, (int(x), int(y)), (int(x2), int(y2)), c,
                         int(rng.integers(1, 6)), cv2.LINE_AA)
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 2.5))
    elif kind == 4:  # multi-octave value noise mapped to a few colours
        t = np.zeros((h, w), np.float32)
        amp = 1.0
        for cells in (3, 6, 12, 24):
            g = rng.standard_normal((cells, cells)).astype(np.float32)
            t += amp * cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
            amp *= 0.5
        t = (t - t.min()) / max(t.max() - t.min(), 1e-6)
        c1, c2, c3 = col(), col(), col()
        t3 = t[..., None]
        img = np.where(t3 < 0.5, c1 * (1 - 2 * t3) + c2 * 2 * t3,
                       c2 * (2 - 2 * t3) + c3 * (2 * t3 - 1))
    else:  # grass and bushes
        base = np.array([80, 140, 100.0]) * rng.uniform(0.6, 1.3, 3)
        img = np.empty((h, w, 3), np.float32)
        img[:] = np.clip(base, 0, 255)
        img *= (0.8 + 0.4 * yy)[..., None]
        for _ in range(int(rng.integers(3, 8))):
            c = tuple(float(v) for v in np.clip(base * rng.uniform(0.5, 0.9), 0, 255))
            cv2.circle(img, (int(rng.uniform(0, w)), int(rng.uniform(0, h * 0.7))),
                       int(rng.uniform(0.05, 0.2) * w), c, -1, cv2.LINE_AA)
        n = int(rng.integers(150, 400))
        x0 = rng.uniform(0, w, n)
        y0 = rng.uniform(0, h, n)
        ln = rng.uniform(0.02, 0.07, n) * h
        ang = rng.uniform(-0.4, 0.4, n)
        shades = rng.uniform(0.6, 1.4, (n, 1)) * rng.uniform(0.9, 1.1, (n, 3))
        for i in range(n):
            c = tuple(float(v) for v in np.clip(base * shades[i], 0, 255))
            cv2.line(img, (int(x0[i]), int(y0[i])),
                     (int(x0[i] + ln[i] * math.sin(ang[i])), int(y0[i] - ln[i] * math.cos(ang[i]))),
                     c, 1, cv2.LINE_AA)
    img = np.asarray(img, np.float32)
    img += rng.normal(0, rng.uniform(0, 7), (h, w, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), kind


def _place(rng, an, size, frac, allow_out):
    """Scale, rotation, facing and position for one animal; returns (mat, off, flip)."""
    flip = bool(rng.random() < 0.5)
    theta = float(np.clip(rng.normal(0, 12), -35, 35))
    if rng.random() < 0.05:
        theta = rng.uniform(-60, 60)
    unit = _transform(1.0, theta, flip, an.pose['tilt'])
    lo, hi = _extent(an, unit)
    ext = hi - lo
    scale = frac * size / max(ext.max(), 1e-6)
    mat = unit * scale
    lo, hi, ext = lo * scale, hi * scale, ext * scale
    off = np.zeros(2)
    for k in range(2):
        slack = ext[k] * 0.25 if allow_out else 0.0
        a = -lo[k] - slack
        b = size - hi[k] + slack
        off[k] = rng.uniform(a, b) if b > a else (a + b) / 2
    return mat, off, flip


def render_sample(rng, categories, size=256):
    """Draw one image with one or two annotated animals.

    Args:
        rng (numpy.random.Generator): the image's own generator.
        categories (list[dict]): AP-10K categories (``id``, ``name``, ``supercategory``).
        size (int): side of the square image in pixels.

    Returns:
        tuple: ``(image_bgr uint8 HxWx3, background_code, annotations)``; each annotation is a
        dict with ``category_id``, ``bbox`` (list of 4 ints), ``keypoints`` (list of 17
        ``(x, y, v)`` tuples).
    """
    grid = np.mgrid[0:size, 0:size].astype(np.float32)
    for attempt in range(12):
        safe = attempt >= 8  # late attempts: one whole animal, so the loop always ends
        img, bg_code = _background(rng, size)
        n_animals = 1 if safe or rng.random() >= 0.2 else 2
        cat = categories[int(rng.integers(len(categories)))]
        cats = [cat]
        if n_animals == 2:
            cats.append(cat if rng.random() < 0.7
                        else categories[int(rng.integers(len(categories)))])
        animals = []
        for c in cats:
            an = _build_animal(rng, c, c.get('supercategory', ''))
            frac = rng.uniform(0.5, 1.05) if n_animals == 1 else rng.uniform(0.4, 0.75)
            allow_out = (not safe) and rng.random() < 0.12
            mat, off, flip = _place(rng, an, size, frac, allow_out)
            animals.append((an, mat, off, flip))
        lab = np.zeros((size, size), np.uint8)
        drawn = [_draw_animal(img, lab, an, mat, off, slot, rng, grid)
                 for slot, (an, mat, off, flip) in enumerate(animals)]
        anns = []
        ok = True
        for slot, (an, mat, off, flip) in enumerate(animals):
            kpts = _keypoints(an, mat, off, lab, slot, drawn[slot], flip)
            ys, xs = np.nonzero((lab > slot * _SLOT) & (lab < (slot + 1) * _SLOT))
            if len(xs) == 0:
                ok = False
                break
            x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
            for x, y, v in kpts:  # the box must hold every labelled keypoint
                if v:
                    x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
            bbox = [int(x0), int(y0), int(x1 - x0 + 1), int(y1 - y0 + 1)]
            n_vis = sum(1 for k in kpts if k[2])
            if n_vis < 4 or min(bbox[2], bbox[3]) < 8:
                ok = False
                break
            anns.append(dict(category_id=an.category_id, bbox=bbox, keypoints=kpts))
        if ok:
            break
    # Camera effects.
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (3, 3), 0)
    gain, bias = rng.uniform(0.85, 1.15), rng.uniform(-15, 15)
    noise = rng.normal(0, rng.uniform(0, 5), img.shape).astype(np.float32)
    img = np.clip(img.astype(np.float32) * gain + bias + noise, 0, 255).astype(np.uint8)
    return img, bg_code, anns


def _image_rng(seed, split, index):
    return np.random.default_rng([int(seed), SPLITS.index(split), int(index)])


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
    image_size = int(image_size)
    if image_size < 32:
        raise ValueError('image_size must be at least 32')
    meta = load_categories(categories_file)
    categories = meta['categories']
    cat_entries = [dict(id=c['id'], name=c['name'], supercategory=c['supercategory'],
                        keypoints=list(meta['keypoints']), skeleton=meta['skeleton'])
                   for c in categories]
    ann_dir = osp.join(out_dir, 'annotations')
    img_dir = osp.join(out_dir, 'data')
    os.makedirs(ann_dir, exist_ok=True)
    os.makedirs(img_dir, exist_ok=True)

    bar = tqdm(total=sum(counts.values()), desc='synthetic AP-10K', unit='img',
               disable=not progress)
    image_id = 0
    ann_id = 0
    paths = {}
    for split in SPLITS:
        images, annotations = [], []
        for index in range(counts[split]):
            image_id += 1
            rng = _image_rng(seed, split, index)
            img, bg_code, anns = render_sample(rng, categories, image_size)
            file_name = f'{image_id:012d}.jpg'
            if not cv2.imwrite(osp.join(img_dir, file_name), img,
                               [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
                raise OSError(f'could not write {osp.join(img_dir, file_name)}')
            images.append(dict(license=1, id=image_id, file_name=file_name, width=image_size,
                               height=image_size, background=bg_code))
            for a in anns:
                ann_id += 1
                flat = [int(v) for k in a['keypoints'] for v in k]
                x, y, w, h = a['bbox']
                annotations.append(dict(
                    id=ann_id, image_id=image_id, category_id=a['category_id'], bbox=[x, y, w, h],
                    area=int(w * h), iscrowd=0,
                    num_keypoints=sum(1 for k in a['keypoints'] if k[2] > 0), keypoints=flat))
            bar.update(1)
        data = dict(
            info=dict(description='Synthetic animal poses in the AP-10K format (procedurally '
                      'drawn, not AP-10K images)', synthetic=True,
                      generator='clamp_mmpose.datasets.synthetic_animals', version='1.0',
                      split=split, seed=int(seed), image_size=image_size),
            licenses=[dict(id=1, name='CC0 1.0 (generated data)',
                           url='https://creativecommons.org/publicdomain/zero/1.0/')],
            images=images, annotations=annotations, categories=cat_entries)
        path = osp.join(ann_dir, ANN_FILE_PATTERN.format(split=split))
        with open(path, 'w') as f:
            json.dump(data, f, separators=(',', ':'))
            f.write('\n')
        paths[split] = path
    bar.close()
    return paths


def main(argv=None):
    """Command line entry point; see ``--help``."""
    parser = argparse.ArgumentParser(
        prog='python -m clamp_mmpose.datasets.synthetic_animals',
        description='Generate procedurally drawn four-legged animals annotated in the AP-10K '
        'format (COCO keypoint JSON, 54 species, 17 keypoints). The output directory can be '
        'used as data_root of any MMPose AP-10K config: annotations/ap10k-{train,val,test}-'
        'split1.json and images under data/.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--out', default='data/synthetic_ap10k',
                        help='output data root (created if missing)')
    parser.add_argument('--train', type=int, default=DEFAULT_NUM_IMAGES['train'],
                        help='number of training images')
    parser.add_argument('--val', type=int, default=DEFAULT_NUM_IMAGES['val'],
                        help='number of validation images')
    parser.add_argument('--test', type=int, default=DEFAULT_NUM_IMAGES['test'],
                        help='number of test images')
    parser.add_argument('--seed', type=int, default=0,
                        help='random seed; the same seed gives byte-identical files')
    parser.add_argument('--size', type=int, default=256, help='image side in pixels')
    parser.add_argument('--categories-file', default=None,
                        help='JSON with keypoints, skeleton and categories '
                        '(default: the 54 AP-10K species shipped with clamp_mmpose)')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    args = parser.parse_args(argv)
    t0 = time.time()
    paths = generate_synthetic_ap10k(
        args.out, dict(train=args.train, val=args.val, test=args.test), image_size=args.size,
        seed=args.seed, categories_file=args.categories_file, progress=not args.no_progress)
    n = args.train + args.val + args.test
    print(f'wrote {n} images to {osp.join(args.out, "data")} in {time.time() - t0:.1f} s')
    for split, path in paths.items():
        print(f'  {split}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
