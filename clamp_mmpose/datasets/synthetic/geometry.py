"""Shapes and transforms in the animal's canonical space.

Canonical space is a side view of the animal facing right: the body's half-length is 1, x
points to the head and y points down (image convention), so an angle of ``+deg`` turns
clockwise on screen. Every shape is returned as an ``(N, 2)`` float array of polygon vertices.
"""
import math

import numpy as np


def unit(deg):
    """Unit vector ``(2,)`` at ``deg`` degrees clockwise (on screen) from +x."""
    r = math.radians(deg)
    return np.array([math.cos(r), math.sin(r)])


def leg_direction(alpha):
    """Unit vector ``(2,)`` of a limb segment ``alpha`` degrees from straight down.

    Positive angles swing the segment towards the head, as a protracted limb does.
    """
    r = math.radians(alpha)
    return np.array([math.sin(r), math.cos(r)])


def rotation(deg):
    """``(2, 2)`` matrix rotating by ``deg`` degrees clockwise on screen."""
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def ellipse(centre, rx, ry, ang=0.0, n=20):
    """``(n, 2)`` outline of an ellipse with half-axes ``rx``, ``ry``, rotated by ``ang``."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.stack([rx * np.cos(t), ry * np.sin(t)], 1)
    return pts @ rotation(ang).T + np.asarray(centre, float)


def capsule(p0, p1, w0, w1, n=7):
    """``(2n, 2)`` outline of the segment p0-p1 with round ends, ``w0`` wide at p0, ``w1`` at p1.

    Limb segments, necks, tails and horns are all drawn as capsules.
    """
    p0 = np.asarray(p0, float)
    p1 = np.asarray(p1, float)
    d = p1 - p0
    if np.hypot(*d) < 1e-6:
        return ellipse(p0, max(w0, w1) / 2, max(w0, w1) / 2)
    a = math.atan2(d[1], d[0])
    t1 = a + np.linspace(-np.pi / 2, np.pi / 2, n)
    t0 = a + np.linspace(np.pi / 2, 3 * np.pi / 2, n)
    return np.concatenate([p1 + w1 / 2 * np.stack([np.cos(t1), np.sin(t1)], 1),
                           p0 + w0 / 2 * np.stack([np.cos(t0), np.sin(t0)], 1)])


def bent_polyline(start, dir_deg, length, n, curl):
    """``(n + 1, 2)`` points of a chain of ``n`` equal segments, ``length`` long in all.

    It leaves ``start`` at ``dir_deg`` and turns by ``curl`` degrees at every joint (tails,
    trunks).
    """
    pts = [np.asarray(start, float)]
    for i in range(n):
        pts.append(pts[-1] + unit(dir_deg + curl * i) * (length / n))
    return np.array(pts)


def irregular_blob(rng, centre, r, n=10, rough=0.3):
    """``(n, 2)`` star-shaped polygon of mean radius ``r`` whose radius varies by ``rough``.

    Draws ``2n`` numbers from ``rng`` (angles, then radii).
    """
    t = np.sort(rng.uniform(0, 2 * np.pi, n))
    rr = r * (1 + rough * rng.uniform(-1, 1, n))
    return np.stack([centre[0] + rr * np.cos(t), centre[1] + rr * np.sin(t)], 1)


def canonical_to_image(scale, theta, flip, tilt):
    """``(2, 2)`` linear map from canonical space to image pixels (translation comes later).

    Args:
        scale (float): pixels per canonical unit.
        theta (float): in-plane rotation of the whole picture, degrees.
        flip (bool): mirror, so that the animal faces left.
        tilt (float): the body's pitch (front up), degrees.
    """
    mirror = np.diag([-1.0 if flip else 1.0, 1.0])
    # The tilt belongs to the animal's own frame, so it acts before mirroring.
    return scale * rotation(theta) @ mirror @ rotation(-tilt)


def fixed_point(pts):
    """``int32`` points in OpenCV's 4-bit fixed point (draw with ``shift=4``): sub-pixel
    precision for anti-aliased polygons."""
    return np.round(pts * 16).astype(np.int32)


def linear_scale(mat):
    """Pixels per canonical unit of the linear map ``mat`` (its area scale's square root)."""
    return math.sqrt(abs(np.linalg.det(mat)))
