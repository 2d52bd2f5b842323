"""Poses: a gait drawn from the plan's gait weights, with joint angles for it.

A pose is a dict:

* ``gait``: stand, walk, trot, gallop, graze, lie, sit or fly;
* ``tilt``: body pitch in degrees, front up;
* ``neck``: neck raise above the horizontal, ``head``: head pitch below it, ``tail``: tail
  angle below the backward horizontal, ``curl``: tail bend per segment (degrees);
* ``legs``: for ``fn``, ``ff``, ``hn``, ``hf`` (front/hind x near/far) the pair ``(upper,
  lower)`` of segment angles from straight down, positive towards the head, in the body's
  frame;
* ``far_dx``, ``far_dy``: where the far-side limbs attach relative to the near ones (seen from
  a little above, they sit higher);
* ``tq``: whether the head is seen in three-quarter view (both eyes visible);
* ``phase``: for walk and trot, the phase of the gait cycle (radians).

All angles are sampled in the world frame; a tilted body then gets them turned into its own.
"""
import math

import numpy as np


def _stand_or_graze(rng, plan, pose):
    n = rng.standard_normal
    legs = {}
    fa = 2 + 5 * n()
    ha = -8 + 5 * n()
    legs['fn'] = (fa, fa - rng.uniform(0, 12))
    fa2 = fa + 7 * n()
    legs['ff'] = (fa2, fa2 - rng.uniform(0, 12))
    hf = 22 + 6 * n()
    legs['hn'] = (ha, ha + hf)
    ha2 = ha + 7 * n()
    legs['hf'] = (ha2, ha2 + 22 + 6 * n())
    if pose['gait'] == 'graze':
        pose['neck'] = rng.uniform(-50, -15)
        pose['head'] = rng.uniform(70, 100)
    return legs


def _walk_or_trot(rng, plan, pose):
    walk = pose['gait'] == 'walk'
    amp = 20 if walk else 30
    # A given phase (footage, frame by frame) draws nothing, so that the rest of the animal
    # comes out of the generator the same in every frame.
    ph = pose['phase'] if pose.get('phase') is not None else rng.uniform(0, 2 * np.pi)
    pose['phase'] = ph
    # Walk: lateral sequence (hind leads front by a quarter cycle); trot: diagonal pairs.
    phases = dict(fn=ph, ff=ph + np.pi, hn=ph + (np.pi / 2 if walk else np.pi),
                  hf=ph + (3 * np.pi / 2 if walk else 0))
    legs = {}
    for leg, p in phases.items():
        swing = max(0.0, math.cos(p))  # a leg swinging forward is lifted: more bend
        if leg[0] == 'f':
            a = 4 + amp * math.sin(p)
            legs[leg] = (a, a - (5 + 50 * swing))
        else:
            a = -8 + amp * math.sin(p)
            legs[leg] = (a, a + 18 + 40 * swing)
    return legs


def _gallop(rng, plan, pose):
    legs = {}
    if rng.random() < 0.5:  # extended: forelegs reach forward, hind legs push back
        fa = rng.uniform(30, 60)
        ha = rng.uniform(-60, -35)
        legs['fn'] = (fa, fa - rng.uniform(0, 20))
        legs['ff'] = (fa - rng.uniform(5, 20), fa - rng.uniform(10, 40))
        legs['hn'] = (ha, ha + rng.uniform(10, 25))
        legs['hf'] = (ha + rng.uniform(5, 20), ha + rng.uniform(15, 40))
    else:  # gathered: all four feet under the body
        fa = rng.uniform(-35, -10)
        ha = rng.uniform(15, 40)
        legs['fn'] = (fa, fa - rng.uniform(40, 80))
        legs['ff'] = (fa + rng.uniform(5, 20), fa - rng.uniform(20, 60))
        legs['hn'] = (ha, ha + rng.uniform(20, 50))
        legs['hf'] = (ha - rng.uniform(5, 20), ha + rng.uniform(10, 40))
    n = rng.standard_normal
    pose['neck'] = plan['neck_ang'] * 0.6 + 8 * n()
    pose['tail'] = plan['tail_droop'] * 0.5 + 10 * n()
    return legs


def _lie(rng, plan, pose):
    legs = {}
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
    return legs


def _sit(rng, plan, pose):
    # Sitting pitches the body up; the angles are drawn in the body's frame directly.
    n = rng.standard_normal
    t = rng.uniform(*plan['sit_tilt'])
    pose['tilt'] = t
    legs = {}
    for leg in ('fn', 'ff'):
        a = -t + 5 * n()
        legs[leg] = (a, a - rng.uniform(0, 10))
    for leg in ('hn', 'hf'):
        a = rng.uniform(60, 90) - t
        legs[leg] = (a, rng.uniform(-100, -60) - t)
    pose['neck'] = pose['neck'] - 0.7 * t
    pose['head'] = pose['head'] + 0.8 * t
    pose['tail'] = rng.uniform(10, 60) - t
    return legs


def _fly(rng, plan, pose):
    # Bats: the front limbs are the wings' arms, raised above the body.
    legs = {}
    fa = rng.uniform(120, 200)
    legs['fn'] = (fa, fa + rng.uniform(-30, 20))
    fa2 = fa + rng.uniform(-25, 25)
    legs['ff'] = (fa2, fa2 + rng.uniform(-30, 20))
    for leg in ('hn', 'hf'):
        a = rng.uniform(-50, -10)
        legs[leg] = (a, a + rng.uniform(-10, 20))
    pose['tilt'] = 10 * rng.standard_normal()
    return legs


_GAITS = dict(stand=_stand_or_graze, graze=_stand_or_graze, walk=_walk_or_trot,
              trot=_walk_or_trot, gallop=_gallop, lie=_lie, sit=_sit, fly=_fly)


def sample_pose(rng, plan, gait=None, phase=None):
    """Draw a pose (see the module docstring) for an animal with body plan ``plan``.

    Args:
        gait (str, optional): the gait; drawn from the plan's gait weights when None.
        phase (float, optional): for walk and trot, the gait cycle's phase in radians; drawn
            when None. Footage gives both, so that only the legs change from frame to frame.
    """
    if gait is None:
        gaits = plan['gaits']
        names = sorted(gaits)
        w = np.array([gaits[k] for k in names], float)
        gait = names[int(rng.choice(len(names), p=w / w.sum()))]
    n = rng.standard_normal
    pose = dict(gait=gait, tilt=plan['tilt'] + 4 * n(),
                neck=plan['neck_ang'] + 10 * n(), head=plan['head_down'] + 12 * n(),
                tail=plan['tail_droop'] + 15 * n(), curl=plan['tail_curl'] + 4 * n(),
                far_dx=rng.uniform(-0.06, 0.06), far_dy=rng.uniform(0.06, 0.15), phase=phase)
    legs = _GAITS[gait](rng, plan, pose)
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
