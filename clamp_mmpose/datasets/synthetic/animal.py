"""Building one animal: plan and pose, then parts back to front, coat and keypoint rules.

The keypoints are taken from the same geometry that is drawn, so they sit at the anatomical
places. Far-side limbs attach slightly higher and further back or forward than the near ones
and are drawn darker and first, so that left and right can be learnt.
"""
import numpy as np

from .anatomy import (BODY, EYE_F, EYE_N, HEAD, LEG_CODES, MANE, NECK, NOSE, SNOUT, Animal,
                      limb_keypoint_names)
from .body import Torso, add_limb, add_tail, add_wing, limb_geometry, limb_keypoints
from .coats import coat_pattern
from .geometry import capsule, irregular_blob
from .head import Head, add_ears_and_horns, add_eyes, add_face
from .plans import individual_plan
from .poses import sample_pose


def _add_neck_and_mane(an, rng, plan, look, torso, h, hair_color):
    """Draw a lion's mane (behind the neck), the neck, and a horse's or zebra's mane on it."""
    if plan['mane'] == 'lion':
        an.add(MANE, irregular_blob(rng, h.centre - h.fwd * h.hr * 0.3, h.hh * 1.8, 14, 0.15),
               plan['mane_color'], 1.0)
    n0 = torso.neck_root
    neck_end_w = min(plan['neck_w'], h.hh * 1.7) * 0.9
    an.add(NECK, capsule(n0, h.centre, plan['neck_w'], neck_end_w), 'coat', 1.0, outline=False)
    if plan['mane'] in ('neck', 'erect'):
        nd = h.neck_dir
        perp = np.array([nd[1], -nd[0]])  # along the top of the neck, whichever way it points
        if perp[1] > 0:
            perp = -perp
        mane_w = 0.07 if plan['mane'] == 'neck' else 0.1
        m0 = n0 + perp * plan['neck_w'] * 0.45 - nd * 0.05
        m1 = h.centre + perp * neck_end_w * 0.45 - h.fwd * h.hr * 0.4
        an.add(MANE, capsule(m0, m1, mane_w, mane_w * 0.8), look.get('mane', hair_color), 1.0,
               outline=False)


def _visibility_rules(h, legs):
    """Near/far keypoint name -> visibility rules (see ``render._rule_holds``).

    Eyes, nose and limb joints must show their own part near the point; neck and tail any
    part of the animal. A far shoulder or hip is hidden by the body it sits behind, so it also
    counts as visible while a fifth of its limb shows.
    """
    rules = {
        'eye_n': [('win', (EYE_N,), h.eye_r)],
        'eye_f': [('win', (EYE_F,), h.eye_r * 0.85)] if h.three_quarter else [('never',)],
        'nose': [('win', (SNOUT, NOSE, HEAD), h.snout_w * 0.3)],
        'neck': [('win', None, 0.04)],
        'tail': [('win', None, 0.04)],
    }
    for leg, g in legs.items():
        upper, lower, paw = LEG_CODES[leg]
        w_top, w_knee, w_paw = g['w']
        root, mid, end = limb_keypoint_names(leg)
        if g['near']:
            rules[root] = [('win', (upper, BODY), w_top * 0.5)]
        else:
            rules[root] = [('win', (upper,), w_top * 0.5), ('frac', (upper, lower), 0.2)]
        rules[mid] = [('win', (upper, lower), w_knee * 0.5)]
        rules[end] = [('win', (lower, paw), w_paw * 0.6)]
    return rules


def build_animal(rng, category, family, gait=None, phase=None):
    """One individual of ``category`` in canonical space, posed, with parts, coat and keypoints.

    Args:
        rng (numpy.random.Generator): the image's generator; the order of the draws from it is
            part of the output's definition (same seed, same files).
        category (dict): AP-10K category with ``id`` and ``name``.
        family (str): its supercategory (selects the body plan).
        gait, phase: passed to :func:`~.poses.sample_pose` (drawn when None). With both given,
            a generator seeded alike gives the same individual in the same coat, its legs
            where the phase puts them: a frame of footage.

    Returns:
        Animal: see :class:`~.anatomy.Animal`.
    """
    plan, look = individual_plan(category['name'], family, rng)
    pose = sample_pose(rng, plan, gait, phase)
    an = Animal(category['id'], look['base'], plan['body_h'], pose)
    hair_color = np.clip(look['base'] * 0.45, 0, 255)  # manes and tufts without own colour
    torso = Torso(plan)
    legs = limb_geometry(plan, pose, torso)
    h = Head(rng, plan, pose, torso.neck_root)
    an.keypoints.update(limb_keypoints(legs), nose=h.nose, neck=torso.neck_root,
                        tail=torso.tail_root, eye_n=h.eye_near, eye_f=h.eye_far)

    # Back to front: far wing and limbs, tail, far ear and horn, body, neck, head, near side.
    if plan['wings']:
        add_wing(an, plan, legs, 'ff')
    for leg in ('hf', 'ff'):
        add_limb(an, plan, leg, legs[leg])
    if plan['wings']:
        add_wing(an, plan, legs, 'fn')
    add_tail(an, plan, look, pose, torso, hair_color)
    add_ears_and_horns(an, plan, h, near=False)
    an.add(BODY, torso.outline, 'coat', 1.0)
    _add_neck_and_mane(an, rng, plan, look, torso, h, hair_color)
    add_face(an, plan, h)
    add_ears_and_horns(an, plan, h, near=True)
    add_eyes(an, h)
    for leg in ('hn', 'fn'):
        add_limb(an, plan, leg, legs[leg])

    an.coat_ops = coat_pattern(rng, look, torso.body_h, torso.belly_h)
    an.visibility = _visibility_rules(h, legs)
    return an
