"""Where the animals of a generated video walk: tracks, boxes and gait, without drawing a pixel.

Tracking tests need ground truth with the hard parts of real footage (animals crossing each
other, entering and leaving the picture) and many frames of it; drawing pixels for that would
only cost time. :func:`plan_footage` therefore lays out the whole video from its seed: which
animals (species and individual), which way each walks, how fast, its gait phase and its box in
every frame. :mod:`.footage` draws the same plan, so the boxes the planner gives are the boxes
of the video's ground truth.

The scene: a fixed camera looks at level ground. Each animal walks straight across the picture,
its feet on a ground line a little lower (nearer, drawn bigger and later) or higher (further)
in the picture, facing the way it walks. Even-numbered animals walk right, odd ones left; each
passes the middle of the picture around the middle of the video, and animals 0 and 1 walk on
nearly the same ground line, so that they meet and one hides the other for a while. Walking a
little more than the picture's width plus their own length over the video, most enter after
the first frame and leave before the last.
"""
from typing import List, NamedTuple, Tuple

import numpy as np

from .animal import build_animal
from .geometry import canonical_to_image
from .plans import species_table
from .render import extent

# The shown part of an animal: at least this fraction of its whole box lies in the picture.
MIN_SHOWN_FRACTION = 0.15
# Canonical units covered per walking cycle (the body's half-length is 1): about a body
# length per stride, as a walking quadruped covers.
STRIDE = 2.2
# Ground lines (feet) between these fractions of the picture's height; the horizon, where an
# animal would shrink to nothing, above them.
GROUND_LO, GROUND_HI, HORIZON = 0.58, 0.93, 0.3


class AnimalPath(NamedTuple):
    """One animal through the whole video (``N`` frames).

    Attributes:
        track_id (int): its identity, 1-based as in MOT files.
        category (dict): AP-10K category (``id``, ``name``, ``supercategory``).
        rng_key (tuple): seed of the generator that builds it (the same individual every frame).
        mat (numpy.ndarray): ``(2, 2)`` canonical-to-image linear map, fixed over the video.
        flip (bool): faces (and walks) left.
        phase (numpy.ndarray): ``(N,)`` walking phase per frame, radians.
        offset (numpy.ndarray): ``(N, 2)`` image position of the canonical origin per frame.
        box (numpy.ndarray): ``(N, 4)`` whole-animal box ``x0, y0, x1, y1`` per frame, not
            clipped (it may lie partly or wholly outside the picture).
        shown (numpy.ndarray): ``(N,)`` bool, the frames where enough of it is in the picture
            (:data:`MIN_SHOWN_FRACTION`) to be ground truth.
        canvas (tuple): ``(x, y, w, h)`` integers: a box relative to the rounded offset that
            holds the animal in every frame. The renderer draws it there, so its fur texture
            moves with it instead of staying on the screen.
    """
    track_id: int
    category: dict
    rng_key: Tuple[int, ...]
    mat: np.ndarray
    flip: bool
    phase: np.ndarray
    offset: np.ndarray
    box: np.ndarray
    shown: np.ndarray
    canvas: Tuple[int, int, int, int]

    def animal_at(self, frame):
        """The :class:`~.anatomy.Animal` as it is in ``frame`` (0-based)."""
        c = self.category
        return build_animal(np.random.default_rng(self.rng_key), c, c.get('supercategory', ''),
                            'walk', float(self.phase[frame]))


class FootagePlan(NamedTuple):
    """A planned video: ``width`` x ``height`` pixels, ``num_frames`` frames, ``paths``."""
    width: int
    height: int
    num_frames: int
    seed: int
    paths: List[AnimalPath]

    def clipped_boxes(self, frame):
        """Ground truth of ``frame`` (0-based): ``(track_ids (M,) int, boxes (M, 4) float)``.

        Boxes are ``x0, y0, x1, y1`` of the part of each shown animal inside the picture. An
        animal hidden behind another keeps its whole box, as in MOT ground truth.
        """
        rows = [(p.track_id, p.box[frame]) for p in self.paths if p.shown[frame]]
        ids = np.array([r[0] for r in rows], int)
        boxes = np.array([r[1] for r in rows], float).reshape(-1, 4)
        return ids, clip_boxes(boxes, self.width, self.height)

    def mot_rows(self):
        """``(frame, id, x, y, w, h)`` per shown animal and frame, frames from 1, sorted."""
        rows = []
        for f in range(self.num_frames):
            ids, boxes = self.clipped_boxes(f)
            for i, (x0, y0, x1, y1) in sorted(zip(ids.tolist(), boxes.tolist())):
                rows.append((f + 1, i, x0, y0, x1 - x0, y1 - y0))
        return rows


def clip_boxes(boxes, width, height):
    """``(M, 4)`` ``x0, y0, x1, y1`` boxes clipped to a ``width`` x ``height`` picture."""
    out = np.array(boxes, float).reshape(-1, 4)
    out[:, 0::2] = np.clip(out[:, 0::2], 0, width)
    out[:, 1::2] = np.clip(out[:, 1::2], 0, height)
    return out


def box_area(boxes):
    """``(M,)`` areas of ``(M, 4)`` ``x0, y0, x1, y1`` boxes (0 for empty ones)."""
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0,
                                                                  None)


def walking_categories(categories):
    """The categories whose family walks (every one but the bats, which only fly)."""
    table = species_table()
    out = []
    for c in categories:
        gaits = dict(table['base_plan']['gaits'])
        gaits = table['families'].get(c.get('supercategory', ''), {}).get('gaits', gaits)
        if gaits.get('walk'):
            out.append(c)
    return out


def _lane(rng, index, width, height, num_frames, first_ground):
    """Direction, ground line, speed scale and the place and time of passing the middle."""
    d = 1 if index % 2 == 0 else -1
    if index == 1:  # the crossing pair: nearly the same ground line as animal 0
        ground = first_ground + rng.uniform(-0.04, 0.04) * height
    else:
        ground = rng.uniform(GROUND_LO, GROUND_HI) * height
    t_mid = num_frames * (0.5 + rng.uniform(-0.12, 0.12))
    x_mid = width * (0.5 + rng.uniform(-0.1, 0.1))
    # Animals 0 and 1 always walk in from outside and out again; the others may start inside.
    reach = rng.uniform(1.05, 1.4) if index < 2 else rng.uniform(0.7, 1.3)
    return d, ground, t_mid, x_mid, reach


def _path(rng, seed, index, category, size, num_frames, first_ground):
    """Plan one animal: :class:`AnimalPath`."""
    width, height = size
    d, ground, t_mid, x_mid, reach = _lane(rng, index, width, height, num_frames, first_ground)
    key = (int(seed), 1, index)
    c = category
    probe = build_animal(np.random.default_rng(key), c, c.get('supercategory', ''), 'walk', 0.0)
    unit_map = canonical_to_image(1.0, 0.0, d < 0, probe.pose['tilt'])
    lo, hi = extent(probe, unit_map)
    # Perspective: nearer ground lines (lower in the picture) carry bigger animals.
    near = (ground / height - HORIZON) / (1 - HORIZON)
    length = width * 0.3 * near * rng.uniform(0.85, 1.15)
    scale = length / max(hi[0] - lo[0], 1e-6)
    mat = unit_map * scale
    travel = reach * (width + length)  # over the whole video
    speed = travel / max(num_frames, 1)
    t = np.arange(num_frames, dtype=float)
    x = x_mid + d * speed * (t - t_mid)
    y_feet = ground + rng.uniform(-0.02, 0.02) * height * (t - t_mid) / max(num_frames, 1)
    phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * speed * t / (STRIDE * scale)
    rel = np.empty((num_frames, 4))
    for f in range(num_frames):
        an = build_animal(np.random.default_rng(key), c, c.get('supercategory', ''), 'walk',
                          float(phase[f]))
        lo, hi = extent(an, mat)
        rel[f] = (lo[0], lo[1], hi[0], hi[1])
    offset = np.stack([x, y_feet - rel[:, 3]], 1)  # feet on the ground line
    box = rel + np.tile(offset, 2)
    clipped = clip_boxes(box, width, height)
    shown = box_area(clipped) >= MIN_SHOWN_FRACTION * box_area(box)
    # Offsets are rounded when drawing, hence the margin of two pixels.
    x0, y0 = np.floor(rel[:, :2].min(0)) - 2
    x1, y1 = np.ceil(rel[:, 2:].max(0)) + 2
    canvas = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
    return AnimalPath(index + 1, category, key, mat, d < 0, phase, offset, box, shown, canvas)


def plan_footage(categories, num_frames=100, size=(640, 480), num_animals=3, seed=0):
    """Plan a video of ``num_animals`` animals walking across a ``size`` picture.

    Pure and deterministic: the same arguments give the same plan, and nothing is drawn (a
    100-frame plan takes well under a second), so tracking tests can run on its boxes.

    Args:
        categories (list[dict]): AP-10K categories to draw the species from (those that walk,
            see :func:`walking_categories`, are used).
        num_frames (int): frames of the video.
        size (tuple): ``(width, height)`` in pixels.
        num_animals (int): animals, each its own track.
        seed (int): non-negative seed.

    Returns:
        FootagePlan: the plan; ``paths[i].track_id == i + 1``.
    """
    width, height = (int(v) for v in size)
    if num_frames < 1 or num_animals < 0 or seed < 0 or min(width, height) < 32:
        raise ValueError(f'need num_frames >= 1, num_animals >= 0, seed >= 0 and a picture of '
                         f'at least 32x32; got {num_frames}, {num_animals}, {seed}, {size}')
    walkers = walking_categories(categories)
    if num_animals and not walkers:
        raise ValueError('none of the categories is of a family that walks')
    rng = np.random.default_rng([int(seed), 0])
    paths = []
    first_ground = None
    for i in range(num_animals):
        cat = walkers[int(rng.integers(len(walkers)))]
        path = _path(rng, seed, i, cat, (width, height), int(num_frames), first_ground)
        if i == 0:
            first_ground = path.box[int(num_frames) // 2, 3]
        paths.append(path)
    return FootagePlan(width, height, int(num_frames), int(seed), paths)
