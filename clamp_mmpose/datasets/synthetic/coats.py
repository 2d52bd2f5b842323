"""Coats: the pattern in canonical space, then the fur texture painted over the whole image.

A coat pattern is a list of drawing operations in canonical space (RGB colours):

* ``('poly', pts, color)``: filled polygon ``(N, 2)``;
* ``('line', pts, width, color)``: open polyline (stripes);
* ``('disc', centre, r, color)`` and ``('ring', centre, r, color)``: spots and wool curls;
* ``('arc', centre, r, color, start_deg, end_deg)``: a piece of a rosette;
* ``('mottle', amount)``: stronger low-frequency shading noise (elephants, rhinos, hippos).

The texture covers the whole image; each body part is cut out of it when it is drawn, so the
pattern runs continuously across body, neck and legs.
"""
import cv2
import numpy as np

from .geometry import ellipse, fixed_point, irregular_blob, linear_scale

# Pattern elements are scattered over this canonical box, which covers any body plan.
X_LO, X_HI, Y_LO, Y_HI = -2.6, 2.6, -2.8, 2.2


def _stripes(rng, pattern, look, bh, bl):
    """Zebra (``style='full'``), tiger, tabby and king-cheetah stripes."""
    ops = []
    sec = look.get('second')
    full = look.get('style') == 'full'  # zebra: stripes all round; cats: from the back
    sp = {'stripes': 0.13, 'tabby': 0.16, 'kingstripes': 0.22}[pattern] * rng.uniform(0.85, 1.2)
    x = X_LO
    while x < X_HI:
        if full:
            ys = np.linspace(Y_LO, Y_HI, 16)
        elif pattern == 'kingstripes':
            ys = np.linspace(-bh * 1.3, -bh * rng.uniform(0.2, 0.6), 4)
        else:
            ys = np.linspace(-bh * 1.3, bh * rng.uniform(-0.2, 0.9), 7)
        xs = x + 0.03 * np.sin(ys * 7 + x * 3) + 0.12 * ys
        w = sp * (0.45 if full else 0.3)
        ops.append(('line', np.stack([xs, ys], 1), w, sec))
        x += sp * rng.uniform(0.9, 1.1)
    if full:  # rings round the legs: the lower region is mostly legs
        y = bl * 1.1
        while y < Y_HI:
            ops.append(('line', np.array([[X_LO, y], [X_HI, y + 0.05]]), sp * 0.3, sec))
            y += sp * 0.9
    return ops


def _spots(rng, look):
    sec = look['second']
    r0 = 0.035 if sec[0] < 100 else 0.045  # light spots are fewer and larger
    return [('disc', (rng.uniform(X_LO, X_HI), rng.uniform(Y_LO, Y_HI)),
             r0 * rng.uniform(0.6, 1.2), sec) for _ in range(int(220 * (0.035 / r0) ** 2))]


def _rosettes(rng, look):
    ops = []
    sec = look['second']
    for _ in range(130):
        c0 = np.array([rng.uniform(-1.6, 1.6), rng.uniform(-1.4, 1.4)])
        rr = rng.uniform(0.05, 0.08)
        ops.append(('disc', c0, rr * 0.85, np.clip(look['base'] * 0.82, 0, 255)))
        # A rosette is a broken ring: three or four dark arcs round a darker centre.
        start = rng.uniform(0, 360)
        for k in range(int(rng.integers(3, 5))):
            a0 = start + k * 100 + rng.uniform(-10, 10)
            ops.append(('arc', c0, rr, sec, a0, a0 + rng.uniform(50, 80)))
    for _ in range(150):  # small solid spots on the legs and head
        ops.append(('disc', (rng.uniform(X_LO, X_HI), rng.uniform(Y_LO, Y_HI)), 0.03, sec))
    return ops


def _blotches(rng, look):
    return [('poly', irregular_blob(rng, (rng.uniform(-1.2, 1.2), rng.uniform(-0.6, 1.2)),
                                    rng.uniform(0.15, 0.4), 10, 0.35), look['second'])
            for _ in range(int(rng.integers(4, 9)))]


def _patches(rng, look):
    """A giraffe's net: a staggered grid of rounded patches, the coat showing between them."""
    ops = []
    step = 0.2
    for gy in np.arange(Y_LO, Y_HI, step * 0.87):
        for gx in np.arange(X_LO, X_HI, step):
            off = step / 2 if int(round((gy - Y_LO) / (step * 0.87))) % 2 else 0
            c0 = (gx + off + rng.uniform(-0.02, 0.02), gy + rng.uniform(-0.02, 0.02))
            ops.append(('poly', irregular_blob(rng, c0, step * 0.43, 7, 0.15), look['second']))
    return ops


def _wool(rng, look, bh, bl):
    return [('ring', (rng.uniform(-1.1, 1.1), rng.uniform(-bh * 1.1, bl * 1.1)),
             rng.uniform(0.03, 0.05), np.clip(look['base'] * 0.82, 0, 255))
            for _ in range(160)]


def _markings(pattern, sec, bh):
    """Fixed markings that draw no random numbers: skunk, panda, gorilla saddle, bison front."""
    if pattern == 'skunk':
        ops = [('line', np.array([[-1.6, -bh * 0.55 + sgn * 0.06], [0.0, -bh * 0.8 + sgn * 0.07],
                                  [0.9, -bh * 0.7]]), 0.09, sec) for sgn in (-1, 1)]
        return ops + [('line', np.array([[0.9, -bh * 0.7], [3.0, -bh * 0.2]]), 0.05, sec)]
    if pattern == 'panda':
        return [('line', np.array([[0.5, -bh * 1.2], [0.35, bh * 1.2]]), 0.35, sec)]
    if pattern == 'saddle':
        return [('poly', ellipse((-0.3, -bh * 0.55), 0.55, bh * 0.4), sec)]
    if pattern == 'front':
        return [('poly', ellipse((0.9, -0.1), 0.75, 1.0), sec)]
    if pattern == 'mottled':
        return [('mottle', 0.12)]
    return []


def coat_pattern(rng, look, body_h, belly_h):
    """The coat operations (see the module docstring) for ``look``, belly patch first.

    Args:
        rng (numpy.random.Generator): the image's generator.
        look (dict): the individual's look (``base``, ``belly``, ``pattern``, ``second``,
            ``style``).
        body_h, belly_h (float): half-heights of the body above and below its centre line.
    """
    ops = []
    if look.get('belly') is not None:
        ops.append(('poly', ellipse((0.0, belly_h * 0.72), 0.72, belly_h * 0.32, 0, 24),
                    look['belly']))
    pattern = look.get('pattern')
    if pattern in ('stripes', 'tabby', 'kingstripes'):
        ops += _stripes(rng, pattern, look, body_h, belly_h)
    if pattern in ('spots', 'kingstripes'):  # a king cheetah has spots below its stripes
        ops += _spots(rng, look)
    elif pattern == 'rosettes':
        ops += _rosettes(rng, look)
    elif pattern == 'blotches':
        ops += _blotches(rng, look)
    elif pattern == 'patches':
        ops += _patches(rng, look)
    elif pattern == 'wool':
        ops += _wool(rng, look, body_h, belly_h)
    else:
        ops += _markings(pattern, look.get('second'), body_h)
    return ops


def bgr(rgb):
    """OpenCV colour tuple (BGR floats) of an RGB colour."""
    return tuple(float(v) for v in np.asarray(rgb, float)[::-1])


def _draw_op(coat, op, mat, off, scale):
    """Draw one coat operation onto the BGR texture ``coat`` through ``x -> mat x + off``."""
    h, w = coat.shape[:2]
    kind = op[0]
    if kind == 'poly':
        cv2.fillPoly(coat, [fixed_point(op[1] @ mat.T + off)], bgr(op[2]), cv2.LINE_AA, 4)
    elif kind == 'line':
        cv2.polylines(coat, [fixed_point(op[1] @ mat.T + off)], False, bgr(op[3]),
                      max(1, int(round(op[2] * scale))), cv2.LINE_AA, 4)
    elif kind in ('disc', 'ring', 'arc'):
        c = np.asarray(op[1]) @ mat.T + off
        if not (-20 < c[0] < w + 20 and -20 < c[1] < h + 20):
            return  # far off the image
        centre = tuple(int(v) for v in np.round(c * 16))
        r = max(1, int(round(op[2] * scale * 16)))
        if kind == 'arc':
            cv2.ellipse(coat, centre, (r, r), 0.0, float(op[4]), float(op[5]), bgr(op[3]),
                        max(1, int(round(op[2] * scale * 0.45))), cv2.LINE_AA, 4)
        else:
            th = -1 if kind == 'disc' else max(1, int(round(op[2] * scale * 0.5)))
            cv2.circle(coat, centre, r, bgr(op[3]), th, cv2.LINE_AA, 4)


def coat_texture(an, mat, off, shape, rng, grid):
    """The animal's fur over the whole image: base colour, pattern, shading and noise.

    Args:
        an (Animal): the animal, with ``base``, ``coat_ops`` and ``body_h``.
        mat (numpy.ndarray): ``(2, 2)`` canonical-to-image linear map; ``off`` ``(2,)``
            its translation.
        shape (tuple): ``(h, w)`` of the image.
        rng (numpy.random.Generator): the image's generator (shading and pixel noise).
        grid (numpy.ndarray): ``(2, h, w)`` pixel rows and columns (``np.mgrid``).

    Returns:
        numpy.ndarray: ``(h, w, 3)`` uint8 BGR texture.
    """
    h, w = shape
    scale = linear_scale(mat)
    coat = np.empty((h, w, 3), np.uint8)
    coat[:] = np.round(an.base[::-1]).astype(np.uint8)
    mottle = 0.0
    for op in an.coat_ops:
        if op[0] == 'mottle':
            mottle = op[1]
        else:
            _draw_op(coat, op, mat, off, scale)
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
