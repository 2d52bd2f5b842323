"""Torso, limbs (with paws and bat wings) and tail of an animal in canonical space."""
import math

import numpy as np

from .anatomy import LEG_CODES, TAIL, WING_F, WING_N, limb_keypoint_names
from .geometry import bent_polyline, capsule, ellipse, leg_direction, unit

FAR_SHADE = 0.6  # far-side limbs are drawn darker, so that left and right can be told apart
HOOF_COLOR = (38, 32, 28)


class Torso:
    """The body outline and where neck, tail and limbs attach.

    The outline is a superellipse of exponent ``e``, deeper towards the chest, with a shoulder
    hump where the plan has one.

    Attributes:
        outline (numpy.ndarray): ``(48, 2)`` body polygon.
        neck_root, tail_root, shoulder, hip (numpy.ndarray): ``(2,)`` attachment points; the
            tail root is AP-10K's ``tail`` keypoint, the neck root its ``neck``.
        body_h, belly_h (float): half-heights above and below the centre line.
    """

    def __init__(self, plan):
        self.plan = plan
        self.body_h = bh = plan['body_h']
        self.belly_h = plan['body_h'] * plan['belly']
        e = plan['e']
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        c, s = np.cos(t), np.sin(t)
        bx = np.sign(c) * np.abs(c) ** e
        by = np.sign(s) * np.abs(s) ** e * np.where(s > 0, self.below(bx), self.above(bx))
        self.outline = np.stack([bx, by], 1)
        if plan['wool']:
            self.outline = self.outline * (1 + 0.05 * np.abs(np.sin(t * 9)))[:, None]
        neck_x = plan['neck_x']
        self.neck_root = np.array([neck_x, -0.6 * self.half_height(neck_x, self.above(neck_x))])
        rt = math.radians(35)
        self.tail_root = 0.93 * np.array([-abs(math.cos(rt)) ** e,
                                          -abs(math.sin(rt)) ** e * self.above(-0.85)])
        sh_x, hip_x = 0.58, -0.6
        self.shoulder = np.array([sh_x, 0.35 * self.half_height(sh_x, self.below(sh_x))])
        self.hip = np.array([hip_x, 0.1 * bh])

    def above(self, x):
        """Height of the back above the centre line at ``x`` (with the hump)."""
        return self.body_h * (1 + self.plan['hump'] * np.exp(-((x - 0.45) / 0.35) ** 2))

    def below(self, x):
        """Depth of the belly below the centre line at ``x`` (deeper at the chest)."""
        return self.belly_h * (1 + self.plan['chest'] * x)

    def half_height(self, x, r):
        """Vertical extent at ``x`` of a superellipse of half-height ``r``."""
        e = self.plan['e']
        return r * max(0.0, 1 - abs(x) ** (2 / e)) ** (e / 2)


def limb_geometry(plan, pose, torso):
    """Joint positions and widths of the four limbs.

    Returns:
        dict: leg (``fn``, ``ff``, ``hn``, ``hf``) -> dict with ``root``, ``knee`` and
        ``paw`` ``(2,)`` (shoulder/hip, elbow/knee, paw), ``w`` (widths at the three) and
        ``near``; in the pose's leg order.
    """
    front_len = plan['leg_len'] * plan['front_scale']
    # Hind legs are lengthened so that all four paws stand level in a neutral pose.
    hind_len = plan['hind_leg_len'] or (torso.shoulder[1] + plan['leg_len'] - torso.hip[1]) / 0.97
    lw = plan['leg_w']
    far_off = np.array([pose['far_dx'], -pose['far_dy']])
    legs = {}
    for leg, (alpha, beta) in pose['legs'].items():
        front = leg[0] == 'f'
        near = leg[1] == 'n'
        root = (torso.shoulder if front else torso.hip) + (0 if near else far_off)
        length = front_len if front else hind_len
        knee = root + leg_direction(alpha) * length * 0.5
        paw = knee + leg_direction(beta) * length * 0.5
        w_top = lw * (plan['fore_w'] if front else 1.7 * plan['hind_w'])
        legs[leg] = dict(root=root, knee=knee, paw=paw, w=(w_top, lw * 0.8, lw * 0.6),
                         near=near, length=length)
    return legs


def limb_keypoints(legs):
    """Near/far keypoint name -> canonical point, for the joints of ``legs``."""
    out = {}
    for leg, g in legs.items():
        for name, p in zip(limb_keypoint_names(leg), (g['root'], g['knee'], g['paw'])):
            out[name] = p
    return out


def add_limb(an, plan, leg, g):
    """Draw limb ``leg`` (geometry ``g`` from :func:`limb_geometry`): two segments and a paw."""
    upper, lower, paw_code = LEG_CODES[leg]
    shade = 1.0 if g['near'] else FAR_SHADE
    leg_color = plan.get('leg_color')
    src = leg_color if leg_color is not None else 'coat'
    w_top, w_knee, w_paw = g['w']
    an.add(upper, capsule(g['root'], g['knee'], w_top, w_knee), src, shade)
    sock = plan.get('sock_color')
    lo_src = sock if sock is not None else src
    an.add(lower, capsule(g['knee'], g['paw'], w_knee, w_paw), lo_src, shade)
    p = g['paw']
    kind = plan['paw']
    paw_color = plan.get('paw_color')
    if kind == 'hoof':
        d = g['paw'] - g['knee']
        ang = math.degrees(math.atan2(d[1], d[0]))
        an.add(paw_code, ellipse(p + d / np.hypot(*d) * w_paw * 0.2, w_paw * 0.55,
                                 w_paw * 0.62, ang), HOOF_COLOR, shade)
    elif kind == 'claw':
        an.add(paw_code, ellipse(p + [w_paw * 0.5, 0], w_paw * 1.1, w_paw * 0.6),
               paw_color or (200, 160, 150), shade)
    else:
        # Primates' hands are dark skin; other paws and feet continue the leg.
        col = (70, 58, 52) if kind == 'hand' and plan.get('face_color') else lo_src
        if paw_color is not None:
            col = paw_color
        an.add(paw_code, ellipse(p + [w_paw * 0.3, w_paw * 0.15], w_paw * 0.8, w_paw * 0.48),
               col, shade)
        if kind == 'foot':  # toenails
            for k in (-1, 0, 1):
                an.add(paw_code, disc=(p[0] + w_paw * (0.3 + 0.35 * k), p[1] + w_paw * 0.35,
                                       w_paw * 0.12, 0.6), src=(215, 210, 200), shade=shade,
                       outline=False)


def add_wing(an, plan, legs, leg):
    """A bat's wing on foreleg ``leg``: a membrane spread by two fingers to the hind foot.

    Both membranes lie behind the body (the wings are raised), the arm bones in front.
    """
    g = legs[leg]
    code = WING_N if g['near'] else WING_F
    shade = 1.0 if g['near'] else FAR_SHADE
    hind = legs['h' + leg[1]]
    dl = g['paw'] - g['knee']
    a = math.degrees(math.atan2(dl[1], dl[0]))
    seg = g['length'] * 0.5
    f1 = g['paw'] + unit(a - 40) * seg * 1.1
    f2 = g['paw'] + unit(a - 95) * seg * 0.95
    membrane = np.array([g['root'] + [0.05, -0.02], g['knee'], g['paw'], f1, f2, hind['paw'],
                         hind['root']])
    an.add(code, membrane, plan['wing_color'], shade * 0.9, outline=True, alpha=0.9)
    lw = plan['leg_w']
    for f in (f1, f2):
        an.add(code, capsule(g['paw'], f, lw * 0.5, lw * 0.3, 5), 'coat', shade * 0.8,
               outline=False)


def _tail_widths(kind, tw, f0, f1, i):
    """Widths at the two ends of tail segment ``i`` (at fractions ``f0``, ``f1`` along it)."""
    if kind == 'bushy':
        return (tw * (0.5 + 0.8 * math.sin(math.pi * f0 * 0.8 + 0.3)),
                tw * (0.5 + 0.8 * math.sin(math.pi * f1 * 0.8 + 0.3)))
    if kind == 'flat':  # a beaver's paddle on a short stalk
        w = tw * 0.6 if i < 2 else tw * 3
        return w, w
    if kind == 'hair':
        return tw * (0.6 + f0), tw * (0.6 + f1)
    if kind == 'puff':
        return tw, tw
    return tw * (1 - 0.6 * f0), tw * (1 - 0.6 * f1)


def add_tail(an, plan, look, pose, torso, hair_color):
    """Draw the tail from the torso's tail root, in six capsules, with tuft, tip or rings.

    ``hair_color`` colours a horse's tail and a tuft when the coat has no mane colour.
    """
    kind = plan['tail']
    if not kind:
        return
    # pose['tail'] is the angle below the backward horizontal.
    pts = bent_polyline(torso.tail_root, 180 - pose['tail'], plan['tail_len'], 6, -pose['curl'])
    col = plan.get('tail_color') or 'coat'
    if kind == 'hair':
        col = look.get('mane', hair_color)
    tw = plan['tail_w']
    rings = plan.get('tail_rings')
    for i in range(len(pts) - 1):
        f0, f1 = i / (len(pts) - 1), (i + 1) / (len(pts) - 1)
        w0, w1 = _tail_widths(kind, tw, f0, f1, i)
        an.add(TAIL, capsule(pts[i], pts[i + 1], w0, w1, 5), col, 1.0, outline=False)
        if rings is not None and i % 2 == 1:
            an.add(TAIL, capsule(pts[i], pts[i + 1], w0 * 1.02, w1 * 1.02, 5), rings, 1.0,
                   outline=False)
    end = pts[-1]
    if kind == 'tuft':
        an.add(TAIL, ellipse(end, tw * 1.6, tw * 2.4, 180 - pose['tail'] + 90),
               look.get('mane', hair_color), 1.0, outline=False)
    if plan.get('tail_tip') is not None:
        an.add(TAIL, capsule(pts[-2], end, tw * 0.9, tw * 0.6, 5), plan['tail_tip'], 1.0,
               outline=False)
