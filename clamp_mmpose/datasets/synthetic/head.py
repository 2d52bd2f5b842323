"""The head in canonical space: skull, snout or trunk, nose, eyes, ears and horns."""
import math

import numpy as np

from .anatomy import (EAR_F, EAR_N, EYE_F, EYE_N, FACE, HEAD, HORN_F, HORN_N, NOSE, SNOUT)
from .geometry import bent_polyline, capsule, ellipse, irregular_blob, unit

EYE_COLOR = (22, 18, 16)
INNER_EAR_COLOR = (205, 150, 140)


class Head:
    """Where the head is and how it points, with the points that features hang on.

    ``fwd`` is the unit vector along the head towards the nose, ``up`` the head's own up
    (perpendicular to ``fwd``); ``hr`` and ``hh`` are its half-length and half-height. All
    points are ``(2,)`` arrays in canonical space.

    Attributes:
        neck_dir (numpy.ndarray): unit vector from the neck root towards the head.
        centre, nose, eye_near, eye_far, ear_root, snout_root (numpy.ndarray): points;
            ``eye_far`` equals ``eye_near`` in a profile view, where it is never drawn.
        tip (numpy.ndarray or None): the snout's end (None for a trunk).
        trunk (numpy.ndarray or None): ``(9, 2)`` centre line of an elephant's trunk.
        pitch (float): the head's angle below the horizontal, degrees.
        three_quarter (bool): both eyes show.
        snout_len, snout_w, eye_r (float): sizes.
        ear_flap (numpy.ndarray): ``(12, 2)`` unit outline shared by both of an elephant's
            ears, so the two sides match.
    """

    def __init__(self, rng, plan, pose, neck_root):
        self.neck_dir = nd = unit(-pose['neck'])
        self.centre = neck_root + nd * plan['neck_len']
        if plan['neck_len'] < 0.12:  # no visible neck: the head sits on the chest
            self.centre = neck_root + nd * plan['neck_len'] + np.array([plan['head_r'] * 0.35,
                                                                        0.0])
        head_c = self.centre
        self.pitch = om = pose['head']
        self.fwd = d = unit(om)
        self.up = u = np.array([d[1], -d[0]])
        self.hr, self.hh = hr, hh = plan['head_r'], plan['head_h']
        self.three_quarter = tq = pose['tq']
        # Seen three-quarter, the snout points partly at the camera and looks shorter.
        self.snout_len = plan['snout_len'] * (0.75 if tq and not plan['trunk'] else 1.0)
        self.snout_w = sw = plan['snout_w']
        self.snout_root = head_c + d * hr * 0.35 - u * hh * 0.25
        self.trunk = self.tip = None
        if plan['trunk']:
            self.trunk = bent_polyline(head_c + d * hr * 0.6 - u * hh * 0.2, om + 25,
                                       self.snout_len, 8, 12 + 5 * rng.standard_normal())
            self.nose = self.trunk[-1]
        else:
            self.tip = head_c + d * (hr + self.snout_len) - u * hh * 0.25
            self.nose = self.tip + d * sw * 0.25
        self.eye_r = hh * 0.17 * plan['eye_scale']
        if tq:
            self.eye_near = head_c - d * hr * 0.05 + u * hh * 0.3
            self.eye_far = head_c + d * hr * 0.45 + u * hh * 0.5
        else:
            self.eye_near = head_c + d * hr * 0.12 + u * hh * 0.42
            self.eye_far = self.eye_near
        self.ear_root = head_c - d * hr * 0.45 + u * hh * 0.75
        self.ear_flap = irregular_blob(rng, (0.0, 0.0), 1.0, 12, 0.15)


def add_ear(an, plan, h, near):
    """Draw the near or far ear of kind ``plan['ear']`` (far ears sit further forward)."""
    code = EAR_N if near else EAR_F
    shade = 1.0 if near else 0.65
    d, u = h.fwd, h.up
    r = h.ear_root + (0 if near else d * h.hr * 0.25 + u * 0.02)
    es = plan['ear_size']
    src = plan.get('ear_color')
    src = src if src is not None else 'coat'
    kind = plan['ear']
    if kind == 'pointed':
        an.add(code, np.array([r - d * es * 0.45, r + d * es * 0.4,
                               r + u * es * 1.3 - d * es * 0.25]), src, shade)
    elif kind == 'round':
        an.add(code, ellipse(r + u * es * 0.25, es * 0.6, es * 0.6), src, shade)
        an.add(code, ellipse(r + u * es * 0.25, es * 0.35, es * 0.35), INNER_EAR_COLOR, shade,
               outline=False)
    elif kind == 'elephant':
        c0 = h.centre - d * h.hr * 0.55 + u * h.hh * 0.1
        an.add(code, c0 + h.ear_flap * es * 0.7 + (0 if near else u * 0.06), src, shade * 0.92)
    else:  # elongated ears, turned away from the head's axis
        if kind == 'long':
            ax, along, half_len, width, dim = unit(h.pitch - 90 - 25), 0.55, 0.55, 0.13, 1.0
        elif kind == 'side':
            ax, along, half_len, width, dim = unit(h.pitch - 160), 0.5, 0.55, 0.2, 1.0
        else:  # floppy, hanging down and back
            ax, along, half_len, width, dim = unit(h.pitch + 120), 0.5, 0.6, 0.25, 0.85
        an.add(code, ellipse(r + ax * es * along, es * half_len, es * width,
                             math.degrees(math.atan2(ax[1], ax[0]))), src, shade * dim)


def _horn_pieces(kind, h, r0, hl, near):
    """The pieces of one horn (or antler, tusk ...) of ``kind`` and length ``hl``.

    Returns a list of ``('band', polyline, w_start, w_end)``, ``('polygon', pts)`` and
    ``('knob', centre)``; ``r0`` is the horn's root on the skull. Rhino horns and tusks are
    drawn on the near side only.
    """
    d, u = h.fwd, h.up
    back = -d
    if kind == 'curved':
        return [('band', np.array([r0, r0 + u * hl * 0.6 + back * hl * 0.1,
                                   r0 + u * hl * 0.95 + d * hl * 0.35]), 0.05, 0.02)]
    if kind == 'short':
        return [('band', np.array([r0, r0 + u * hl * 0.6 + back * hl * 0.2,
                                   r0 + u * hl + d * hl * 0.2]), 0.05, 0.025)]
    if kind == 'wide':
        return [('band', np.array([r0, r0 + back * hl * 0.5 - u * hl * 0.05,
                                   r0 + back * hl * 0.7 + u * hl * 0.45]), 0.08, 0.025)]
    if kind == 'straight':
        return [('band', np.array([r0, r0 + u * hl * 0.55 + back * hl * 0.3,
                                   r0 + u * hl * 0.95 + back * hl * 0.55]), 0.045, 0.015)]
    if kind == 'curl':  # a ram's spiral, starting over the head
        cc = r0 + back * hl * 0.35
        ang0 = math.degrees(math.atan2(-u[1], -u[0])) + 180
        pts = np.array([cc + hl * (0.55 - 0.03 * k) * unit(ang0 - 40 * k) for k in range(9)])
        if h.pitch > 90:  # keep the spiral behind the head whichever way the head points
            pts = 2 * cc - pts
        return [('band', np.concatenate([[r0], pts]), 0.1, 0.04)]
    if kind == 'antlers':
        beam = np.array([r0, r0 + u * hl * 0.5 + back * hl * 0.3,
                         r0 + u * hl * 0.95 + back * hl * 0.1, r0 + u * hl * 1.1 + d * hl * 0.25])
        return [('band', beam, 0.035, 0.018)] + [
            ('band', np.array([beam[i], beam[i] + d * hl * 0.3 + u * hl * 0.2]), 0.025, 0.012)
            for i in (1, 2)]
    if kind == 'palmate':  # a moose's blade on a short stalk
        s0 = r0 + back * hl * 0.3 + u * hl * 0.2
        palm = np.array([s0, s0 + back * hl * 0.45 + u * hl * 0.35,
                         s0 + back * hl * 0.2 + u * hl * 0.75,
                         s0 + d * hl * 0.15 + u * hl * 0.6, s0 + d * hl * 0.1 + u * hl * 0.15])
        return [('band', np.array([r0, s0]), 0.05, 0.045), ('polygon', palm)]
    if kind == 'ossicones':  # a giraffe's pair, each with a dark knob
        pieces = []
        for k in (0, 1):
            a0 = r0 + d * h.hr * 0.1 * k
            pieces += [('band', np.array([a0, a0 + u * hl - d * hl * 0.2]), 0.035, 0.03),
                       ('knob', a0 + u * hl - d * hl * 0.2)]
        return pieces
    if kind == 'rhino' and near:  # two horns on the snout, the front one longer
        s1 = h.tip - d * h.snout_len * 0.3 + u * h.snout_w * 0.4
        s2 = s1 - d * hl * 0.45 + u * h.snout_w * 0.1
        return [('polygon', np.array([s1 - d * hl * 0.25, s1 + d * hl * 0.1,
                                      s1 + u * hl + d * hl * 0.05])),
                ('polygon', np.array([s2 - d * hl * 0.15, s2 + d * hl * 0.07,
                                      s2 + u * hl * 0.45]))]
    if kind == 'tusks' and near:
        t0 = h.centre + d * h.hr * 0.7 - u * h.hh * 0.5
        return [('band', np.array([t0, t0 + d * hl * 0.55 - u * hl * 0.35,
                                   t0 + d * hl + u * hl * 0.05]), 0.06, 0.025)]
    return []


def add_horns(an, plan, h, near):
    """Draw the near or far horn of kind ``plan['horns']`` (nothing when it is None)."""
    kind = plan['horns']
    if not kind:
        return
    code = HORN_N if near else HORN_F
    shade = 1.0 if near else 0.7
    col = plan.get('horn_color', (228, 218, 192))
    d, u = h.fwd, h.up
    r0 = h.centre - d * h.hr * 0.2 + u * h.hh * 0.8 + (0 if near else d * h.hr * 0.2)
    for piece in _horn_pieces(kind, h, r0, plan['horn_len'], near):
        if piece[0] == 'band':
            pts, w0, w1 = piece[1:]
            for i in range(len(pts) - 1):
                f0, f1 = i / (len(pts) - 1), (i + 1) / (len(pts) - 1)
                an.add(code, capsule(pts[i], pts[i + 1], w0 + (w1 - w0) * f0,
                                     w0 + (w1 - w0) * f1, 5), col, shade, outline=False)
        elif piece[0] == 'polygon':
            an.add(code, piece[1], col, shade)
        else:
            an.add(code, disc=(*piece[1], 0.03, 0.8), src=(40, 35, 30), shade=shade,
                   outline=False)


def add_face(an, plan, h):
    """Draw the skull with face, snout (or trunk), nose, raccoon mask and panda eye patches."""
    d, u, om = h.fwd, h.up, h.pitch
    head_src = plan.get('head_color') or 'coat'
    an.add(HEAD, ellipse(h.centre, h.hr, h.hh, om), head_src, 1.0)
    if plan.get('face_color') is not None:
        an.add(FACE, ellipse(h.centre + d * h.hr * 0.35, h.hr * 0.62, h.hh * 0.7, om),
               plan['face_color'], 1.0, outline=False)
    muzzle = plan.get('muzzle_color') or plan.get('face_color') or head_src
    sw = h.snout_w
    if h.trunk is not None:
        for i in range(len(h.trunk) - 1):
            f0, f1 = i / (len(h.trunk) - 1), (i + 1) / (len(h.trunk) - 1)
            an.add(SNOUT, capsule(h.trunk[i], h.trunk[i + 1], sw * (1.3 - 0.7 * f0),
                                  sw * (1.3 - 0.7 * f1), 5), 'coat', 1.0, outline=False)
    else:
        an.add(SNOUT, capsule(h.snout_root, h.tip, sw, sw * 0.8), muzzle, 1.0)
        nr = sw * plan['nose_size']
        an.add(NOSE, ellipse(h.nose - d * nr * 0.5, nr * 0.7, nr, om),
               plan.get('nose_color', (30, 25, 24)), 1.0, outline=False)
    if plan.get('mask_color') is not None:
        an.add(FACE, ellipse(h.eye_near + d * h.hr * 0.1, h.hr * 0.55, h.hh * 0.22, om),
               plan['mask_color'], 1.0, outline=False)
    if plan.get('eye_patch') is not None:
        er = h.eye_r
        for ep, on in ((h.eye_near, True), (h.eye_far, h.three_quarter)):
            if on:
                an.add(FACE, ellipse(ep - u * er * 0.3, er * 2.4, er * 1.8, om + 30),
                       plan['eye_patch'], 1.0, outline=False)


def add_eyes(an, h):
    """Draw the far eye (three-quarter views only, a little smaller) and the near eye."""
    if h.three_quarter:
        an.add(EYE_F, disc=(h.eye_far[0], h.eye_far[1], h.eye_r * 0.85, 1.0), src=EYE_COLOR,
               outline=False)
    an.add(EYE_N, disc=(h.eye_near[0], h.eye_near[1], h.eye_r, 1.2), src=EYE_COLOR,
           outline=False)


def add_ears_and_horns(an, plan, h, near):
    """Draw one side's ear (if the plan has ears) and then its horn."""
    if plan['ear']:
        add_ear(an, plan, h, near)
    add_horns(an, plan, h, near)
