"""Drawing a built animal into the image and label map, and labelling its keypoints.

The label map (``uint8``, ``(h, w)``) holds ``slot * SLOT + part code`` of the part on top at
every pixel, 0 for background; from it follow which keypoints are visible and each animal's
visible extent.
"""
import math

import cv2
import numpy as np

from .anatomy import KEYPOINTS_NEAR_FAR, SLOT
from .coats import bgr, coat_texture
from .geometry import ellipse, fixed_point, linear_scale


def _paint(img, lab, pts, color_src, alpha, label, outline):
    """Alpha-composite one filled polygon (anti-aliased) and write ``label`` where it covers.

    Args:
        img (numpy.ndarray): ``(h, w, 3)`` uint8 BGR image, changed in place.
        lab (numpy.ndarray): ``(h, w)`` label map, changed in place.
        pts (numpy.ndarray): ``(N, 2)`` polygon in pixels.
        color_src: a ``(h, w, 3)`` texture or one BGR colour.
        outline (tuple or None): BGR colour of a one-pixel edge.

    Returns:
        int: pixels labelled (those more than half covered).
    """
    h, w = lab.shape
    x0 = max(int(math.floor(pts[:, 0].min())) - 1, 0)
    x1 = min(int(math.ceil(pts[:, 0].max())) + 2, w)
    y0 = max(int(math.floor(pts[:, 1].min())) - 1, 0)
    y1 = min(int(math.ceil(pts[:, 1].max())) + 2, h)
    if x0 >= x1 or y0 >= y1:
        return 0
    m = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(m, [fixed_point(pts - (x0, y0))], 255, cv2.LINE_AA, 4)
    a = m.astype(np.float32)[..., None] * (alpha / 255.0)
    reg = img[y0:y1, x0:x1]
    src = color_src[y0:y1, x0:x1] if color_src.ndim == 3 else color_src
    reg[:] = (reg * (1 - a) + src * a + 0.5).astype(np.uint8)
    hard = m > 127
    lab[y0:y1, x0:x1][hard] = label
    if outline is not None:
        cv2.polylines(img, [fixed_point(pts)], True, outline, 1, cv2.LINE_AA, 4)
    return int(hard.sum())


def part_points(part, scale):
    """Canonical ``(N, 2)`` polygon of a part; discs keep a minimum radius in pixels."""
    if part['pts'] is not None:
        return part['pts']
    cx, cy, r, min_px = part['disc']
    r = max(r, min_px / max(scale, 1e-6))
    return ellipse((cx, cy), r, r, 0, 16)


def extent(an, mat):
    """``(lo, hi)`` corners ``(2,)`` of the animal's bounding box under the linear map ``mat``."""
    pts = np.concatenate([part_points(p, 1.0) for p in an.parts]) @ mat.T
    return pts.min(0), pts.max(0)


def draw_animal(img, lab, an, mat, off, slot, rng, grid):
    """Paint all parts of ``an`` back to front through ``x -> mat x + off``.

    Returns:
        dict: part code -> pixels labelled when it was drawn (before later parts covered
        any), for the visible-fraction rules.
    """
    scale = linear_scale(mat)
    coat = coat_texture(an, mat, off, lab.shape, rng, grid)
    drawn = {}
    for part in an.parts:
        pts = part_points(part, scale) @ mat.T + off
        src = part['src']
        if isinstance(src, str):
            src_img = coat if part['shade'] == 1.0 else \
                (coat.astype(np.float32) * part['shade'])
        else:
            src_img = np.array(bgr(np.asarray(src, float) * part['shade']), np.float32)
        outline = None
        if part['outline']:
            base = an.base if isinstance(src, str) else np.asarray(src, float)
            outline = bgr(np.clip(base * 0.45 * part['shade'], 0, 255))
        n = _paint(img, lab, pts, src_img, part['alpha'], slot * SLOT + part['code'], outline)
        drawn[part['code']] = drawn.get(part['code'], 0) + n
    return drawn


def own_pixels(lab, slot):
    """``(h, w)`` bool mask of the pixels where animal ``slot`` is on top."""
    return (lab > slot * SLOT) & (lab < (slot + 1) * SLOT)


def _rule_holds(rule, x, y, lab, own, slot, drawn, scale):
    """Whether one visibility rule holds for a keypoint at pixel ``(x, y)``.

    Rules: ``('win', codes, radius)``: some pixel within ``radius`` (canonical units) shows
    one of ``codes`` of this animal (``None``: any of its parts); ``('frac', codes, f)``: at
    least ``f`` of the pixels drawn for ``codes`` still show, so a far shoulder or hip counts
    as visible while enough of its limb does, as annotators infer it; ``('never',)``.
    """
    if rule[0] == 'never':
        return False
    if rule[0] == 'frac':
        total = sum(drawn.get(c, 0) for c in rule[1])
        shown = np.isin(lab, [slot * SLOT + c for c in rule[1]]).sum()
        return bool(total and shown >= rule[2] * total)
    r = max(1, int(math.ceil(rule[2] * scale)))
    rows, cols = slice(max(0, y - r), y + r + 1), slice(max(0, x - r), x + r + 1)
    if rule[1] is None:
        return bool(own[rows, cols].any())
    return bool(np.isin(lab[rows, cols], [slot * SLOT + c for c in rule[1]]).any())


def label_keypoints(an, mat, off, lab, slot, drawn, flip):
    """AP-10K keypoint triplets of one drawn animal.

    A keypoint is labelled when it lies in the image and any of its visibility rules holds.

    Returns:
        list: 17 ``(x, y, 2)`` integer triplets, ``(0, 0, 0)`` for unlabelled keypoints.
    """
    h, w = lab.shape
    scale = linear_scale(mat)
    # An animal facing right (no flip) shows its right side.
    near_side, far_side = ('{L}', '{R}') if flip else ('{R}', '{L}')
    own = own_pixels(lab, slot)
    kpts = []
    for tmpl in KEYPOINTS_NEAR_FAR:
        name = tmpl.replace(near_side, 'n').replace(far_side, 'f')
        p = an.keypoints[name] @ mat.T + off
        x, y = int(round(p[0])), int(round(p[1]))
        vis = 0 <= x < w and 0 <= y < h and any(
            _rule_holds(rule, x, y, lab, own, slot, drawn, scale)
            for rule in an.visibility[name])
        kpts.append((x, y, 2) if vis else (0, 0, 0))
    return kpts
