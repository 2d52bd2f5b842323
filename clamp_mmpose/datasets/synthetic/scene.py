"""A whole picture: background, one or two placed animals, camera effects, annotations."""
import math

import cv2
import numpy as np

from .animal import build_animal
from .geometry import canonical_to_image, fixed_point
from .render import draw_animal, extent, label_keypoints, own_pixels

# Background colours (RGB): vegetation, earth, sky, rock, snow.
_NATURAL = np.array([[120, 160, 90], [95, 130, 60], [180, 160, 120], [150, 120, 85],
                     [200, 190, 160], [130, 170, 210], [200, 215, 230], [90, 90, 95],
                     [70, 100, 60], [230, 230, 235], [160, 150, 140], [60, 80, 50]], float)
_GROUND = np.array([[110, 150, 80], [150, 120, 85], [200, 185, 150], [95, 95, 90],
                    [230, 232, 236], [80, 110, 60]], float)


def _background_colour(rng):
    """A BGR ``(3,)`` float colour: mostly a varied natural one, sometimes any."""
    c = _NATURAL[int(rng.integers(len(_NATURAL)))] * rng.uniform(0.75, 1.2)
    if rng.random() < 0.2:
        c = rng.uniform(20, 235, 3)
    return np.clip(c + rng.normal(0, 12, 3), 0, 255)[::-1]


def _gradient(rng, h, w, yy, xx):
    a = rng.uniform(0, 2 * np.pi)
    t = np.cos(a) * xx + np.sin(a) * yy
    t = (t - t.min()) / max(t.max() - t.min(), 1e-6)
    c0, c1 = _background_colour(rng), _background_colour(rng)
    return c0[None, None] * (1 - t[..., None]) + c1[None, None] * t[..., None]


def _sky_and_ground(rng, h, w, yy, xx):
    hz = rng.uniform(0.2, 0.6)  # horizon, as a fraction of the height
    sky = _background_colour(rng) if rng.random() < 0.3 else \
        np.array([230, 200, 150.0]) * rng.uniform(0.8, 1.1)
    ground = _GROUND[int(rng.integers(len(_GROUND)))] * rng.uniform(0.75, 1.15, 3)
    ground = np.clip(ground, 0, 255)[::-1]
    t = np.clip(yy / hz, 0, 1)[..., None]
    img = np.where(yy[..., None] < hz, sky * (0.8 + 0.2 * t),
                   ground * (0.85 + 0.3 * (yy[..., None] - hz)))
    if rng.random() < 0.6:  # distant hills
        xs = np.linspace(-0.1, 1.1, 9)
        ys = hz - rng.uniform(0.02, 0.15, 9)
        pts = np.concatenate([np.stack([xs, ys], 1), [[1.1, hz + 0.01], [-0.1, hz + 0.01]]])
        img = img.astype(np.float32)
        cv2.fillPoly(img, [fixed_point(pts * (w - 1))],
                     tuple(float(v) for v in _background_colour(rng) * 0.8), cv2.LINE_AA, 4)
    return img


def _clutter(rng, h, w, yy, xx):
    """Ellipses, boxes and lines in background colours, blurred as if out of focus."""
    img = np.empty((h, w, 3), np.float32)
    img[:] = _background_colour(rng)
    for _ in range(int(rng.integers(8, 25))):
        c = tuple(float(v) for v in _background_colour(rng))
        x, y = rng.uniform(-0.1, 1.1, 2) * w
        r = rng.uniform(0.03, 0.3) * w
        s = rng.random()
        if s < 0.45:
            cv2.ellipse(img, (int(x), int(y)), (int(r), int(r * rng.uniform(0.3, 1))),
                        float(rng.uniform(0, 180)), 0, 360, c, -1, cv2.LINE_AA)
        elif s < 0.8:
            box = ((float(x), float(y)), (float(r * 1.5), float(r * rng.uniform(0.2, 1))),
                   float(rng.uniform(0, 180)))
            cv2.fillPoly(img, [np.round(cv2.boxPoints(box)).astype(np.int32)], c, cv2.LINE_AA)
        else:
            x2, y2 = rng.uniform(0, 1, 2) * w
            cv2.line(img, (int(x), int(y)), (int(x2), int(y2)), c, int(rng.integers(1, 6)),
                     cv2.LINE_AA)
    return cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 2.5))


def _value_noise(rng, h, w, yy, xx):
    """Multi-octave value noise mapped through three colours."""
    t = np.zeros((h, w), np.float32)
    amp = 1.0
    for cells in (3, 6, 12, 24):
        g = rng.standard_normal((cells, cells)).astype(np.float32)
        t += amp * cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
        amp *= 0.5
    t = (t - t.min()) / max(t.max() - t.min(), 1e-6)
    c1, c2, c3 = _background_colour(rng), _background_colour(rng), _background_colour(rng)
    t3 = t[..., None]
    return np.where(t3 < 0.5, c1 * (1 - 2 * t3) + c2 * 2 * t3,
                    c2 * (2 - 2 * t3) + c3 * (2 * t3 - 1))


def _grass(rng, h, w, yy, xx):
    """A green ground with dark bushes and a few hundred blades of grass."""
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
    return img


# The image's ``background`` code (1-5) -> painter.
_BACKGROUNDS = {1: _gradient, 2: _sky_and_ground, 3: _clutter, 4: _value_noise, 5: _grass}


def background(rng, size):
    """A ``(size, size, 3)`` uint8 BGR background and its kind's code (1-5)."""
    h = w = size
    kind = int(rng.integers(1, 6))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / max(h - 1, 1)
    img = np.asarray(_BACKGROUNDS[kind](rng, h, w, yy, xx), np.float32)
    img += rng.normal(0, rng.uniform(0, 7), (h, w, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), kind


def place(rng, an, size, frac, allow_out):
    """Scale, rotation, facing and position of one animal in a ``size`` square.

    Args:
        frac (float): the animal's longer side as a fraction of the image side.
        allow_out (bool): let up to a quarter of the animal leave the image (truncation).

    Returns:
        tuple: ``(mat, off, flip)``: image point = ``mat @ canonical + off``; ``flip`` means
        facing left.
    """
    flip = bool(rng.random() < 0.5)
    theta = float(np.clip(rng.normal(0, 12), -35, 35))
    if rng.random() < 0.05:
        theta = rng.uniform(-60, 60)
    unit_map = canonical_to_image(1.0, theta, flip, an.pose['tilt'])
    lo, hi = extent(an, unit_map)
    ext = hi - lo
    scale = frac * size / max(ext.max(), 1e-6)
    mat = unit_map * scale
    lo, hi, ext = lo * scale, hi * scale, ext * scale
    off = np.zeros(2)
    for k in range(2):
        slack = ext[k] * 0.25 if allow_out else 0.0
        a = -lo[k] - slack
        b = size - hi[k] + slack
        off[k] = rng.uniform(a, b) if b > a else (a + b) / 2
    return mat, off, flip


def _annotation(an, mat, off, lab, slot, drawn, flip):
    """The annotation of animal ``slot``, or None when too little of it shows.

    The box is the visible extent of the animal, grown to hold every labelled keypoint.
    """
    kpts = label_keypoints(an, mat, off, lab, slot, drawn, flip)
    ys, xs = np.nonzero(own_pixels(lab, slot))
    if len(xs) == 0:
        return None
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    for x, y, v in kpts:
        if v:
            x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
    bbox = [int(x0), int(y0), int(x1 - x0 + 1), int(y1 - y0 + 1)]
    n_vis = sum(1 for k in kpts if k[2])
    if n_vis < 4 or min(bbox[2], bbox[3]) < 8:
        return None
    return dict(category_id=an.category_id, bbox=bbox, keypoints=kpts)


def _compose(rng, categories, size, grid, safe):
    """One attempt at a picture: ``(image, background_code, annotations, complete)``.

    ``complete`` is False when an animal shows too little to be annotated; ``annotations``
    then holds those of the animals before it. ``safe`` asks for one animal wholly inside the
    image.
    """
    img, bg_code = background(rng, size)
    n_animals = 1 if safe or rng.random() >= 0.2 else 2
    cat = categories[int(rng.integers(len(categories)))]
    cats = [cat]
    if n_animals == 2:  # mostly a pair of one species, as in herd photos
        cats.append(cat if rng.random() < 0.7
                    else categories[int(rng.integers(len(categories)))])
    animals = []
    for c in cats:
        an = build_animal(rng, c, c.get('supercategory', ''))
        frac = rng.uniform(0.5, 1.05) if n_animals == 1 else rng.uniform(0.4, 0.75)
        allow_out = (not safe) and rng.random() < 0.12
        mat, off, flip = place(rng, an, size, frac, allow_out)
        animals.append((an, mat, off, flip))
    lab = np.zeros((size, size), np.uint8)
    drawn = [draw_animal(img, lab, an, mat, off, slot, rng, grid)
             for slot, (an, mat, off, flip) in enumerate(animals)]
    anns = []
    for slot, (an, mat, off, flip) in enumerate(animals):
        ann = _annotation(an, mat, off, lab, slot, drawn[slot], flip)
        if ann is None:
            return img, bg_code, anns, False
        anns.append(ann)
    return img, bg_code, anns, True


def _camera_effects(rng, img):
    """Sometimes defocus, always exposure (gain, bias) and sensor noise."""
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (3, 3), 0)
    gain, bias = rng.uniform(0.85, 1.15), rng.uniform(-15, 15)
    noise = rng.normal(0, rng.uniform(0, 5), img.shape).astype(np.float32)
    return np.clip(img.astype(np.float32) * gain + bias + noise, 0, 255).astype(np.uint8)


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
        # Pictures where an animal barely shows are drawn again; the late attempts place
        # one whole animal, so that the loop ends with an annotated one.
        img, bg_code, anns, complete = _compose(rng, categories, size, grid, safe=attempt >= 8)
        if complete:
            break
    return _camera_effects(rng, img), bg_code, anns
