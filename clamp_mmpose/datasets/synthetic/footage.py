"""Drawing a planned video (:mod:`.footage_plan`) and writing it with its ground truth.

``write_footage(out_dir, name)`` writes three files, each under a temporary name first and
renamed when complete, so that a reader never finds a half-written one:

* ``<name>.mp4``: the video (OpenCV's ``mp4v`` codec);
* ``<name>.gt.txt``: MOT-challenge ground truth, one line per animal and frame,
  ``frame,id,x,y,w,h,1,-1,-1,-1`` with frames counted from 1 and the box of the part of the
  animal inside the picture (an animal hidden behind another keeps its whole box, as in MOT);
* ``<name>.coco.json``: COCO keypoints in AP-10K's format (the 54 categories with the 17
  keypoint names and skeleton), one image per frame (``id`` = frame counted from 1,
  ``frame_id`` counted from 0, ``file_name`` ``<name>.mp4/<frame:06d>``) and one annotation
  per visible animal with its ``track_id``; boxes and keypoint visibility follow the stills'
  rules (the visible pixels; occluded or outside keypoints are ``0, 0, 0``).

An individual keeps its species, body, coat and fur texture in every frame; only its legs move
(a walk, its phase advancing with the distance walked) and it faces the way it walks.
"""
import json
import os
import os.path as osp

import cv2
import numpy as np

from .ap10k_files import category_entries, load_categories
from .footage_plan import plan_footage
from .render import draw_animal, label_keypoints, own_pixels
from .scene import background

FOURCC = 'mp4v'


def _background(seed, width, height):
    """A ``(height, width, 3)`` uint8 still background and its kind's code (1-5)."""
    side = max(width, height)
    img, kind = background(np.random.default_rng([int(seed), 3]), side)
    y0, x0 = (side - height) // 2, (side - width) // 2
    return np.ascontiguousarray(img[y0:y0 + height, x0:x0 + width]), kind


def _draw_on_canvas(img, lab, path, an, frame, slot, seed):
    """Draw one animal into the frame through its own canvas; returns ``drawn`` (see
    :func:`~.render.draw_animal`).

    The canvas is fixed to the animal (its origin is the rounded offset plus ``path.canvas``)
    and its fur generator is seeded alike every frame, so the fur texture moves with the
    animal; parts of the canvas outside the picture are drawn and dropped.
    """
    h, w = lab.shape
    cx, cy, cw, ch = path.canvas
    origin = np.round(path.offset[frame]).astype(int) + (cx, cy)
    x0, y0 = max(origin[0], 0), max(origin[1], 0)
    x1, y1 = min(origin[0] + cw, w), min(origin[1] + ch, h)
    if x0 >= x1 or y0 >= y1:
        return {}
    canvas = np.zeros((ch, cw, 3), np.uint8)
    canvas_lab = np.zeros((ch, cw), np.uint8)
    inner = (slice(y0 - origin[1], y1 - origin[1]), slice(x0 - origin[0], x1 - origin[0]))
    canvas[inner] = img[y0:y1, x0:x1]
    canvas_lab[inner] = lab[y0:y1, x0:x1]
    grid = np.mgrid[0:ch, 0:cw].astype(np.float32)
    drawn = draw_animal(canvas, canvas_lab, an, path.mat, path.offset[frame] - origin, slot,
                        np.random.default_rng([int(seed), 2, path.track_id]), grid)
    img[y0:y1, x0:x1] = canvas[inner]
    lab[y0:y1, x0:x1] = canvas_lab[inner]
    return drawn


def _annotation(an, path, frame, lab, slot, drawn):
    """The COCO annotation of one drawn animal (no ``id``/``image_id`` yet), None if hidden.

    As in the stills, the box is the visible extent grown to hold every labelled keypoint.
    """
    h, w = lab.shape
    # Only the animal's own box can hold its pixels: search there, not the whole frame.
    bx0, by0 = np.clip(np.floor(path.box[frame, :2]).astype(int) - 2, 0, (w, h))
    bx1, by1 = np.clip(np.ceil(path.box[frame, 2:]).astype(int) + 3, 0, (w, h))
    ys, xs = np.nonzero(own_pixels(lab[by0:by1, bx0:bx1], slot))
    if len(xs) == 0:
        return None
    xs, ys = xs + bx0, ys + by0
    kpts = label_keypoints(an, path.mat, path.offset[frame], lab, slot, drawn, path.flip)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    for x, y, v in kpts:
        if v:
            x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
    w, h = int(x1 - x0 + 1), int(y1 - y0 + 1)
    return dict(category_id=an.category_id, track_id=path.track_id,
                bbox=[int(x0), int(y0), w, h], area=w * h, iscrowd=0,
                num_keypoints=sum(1 for k in kpts if k[2]),
                keypoints=[int(v) for k in kpts for v in k])


def render_frame(plan, frame, still):
    """Draw ``frame`` (0-based) of ``plan`` over the background ``still``.

    Args:
        plan (FootagePlan): the planned video.
        frame (int): the frame.
        still (numpy.ndarray): ``(height, width, 3)`` uint8 BGR background (not changed).

    Returns:
        tuple: ``(image (height, width, 3) uint8 BGR, annotations)``, the annotations of the
        visible animals as in the COCO file, without ``id`` and ``image_id``.
    """
    img = still.copy()
    lab = np.zeros(img.shape[:2], np.uint8)
    # Further animals (feet higher in the picture) first, so that nearer ones cover them.
    order = sorted((p for p in plan.paths if p.shown[frame]), key=lambda p: p.box[frame, 3])
    drawn = []
    for slot, path in enumerate(order):
        an = path.animal_at(frame)
        drawn.append((an, path, slot, _draw_on_canvas(img, lab, path, an, frame, slot,
                                                      plan.seed)))
    anns = [_annotation(an, path, frame, lab, slot, d) for an, path, slot, d in drawn]
    anns = sorted((a for a in anns if a is not None), key=lambda a: a['track_id'])
    # Sensor noise, new in every frame; the exposure is the camera's, fixed for the video.
    rng = np.random.default_rng([plan.seed, 4, frame])
    noise = rng.standard_normal(img.shape[:2] + (1,), dtype=np.float32) * 2.5
    return np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8), anns


def _temporary(path):
    """A temporary name beside ``path`` with the same extension (OpenCV picks the container
    from it)."""
    folder, base = osp.split(path)
    stem, ext = osp.splitext(base)
    return osp.join(folder, f'.{stem}.part{ext}')


def _write_text(path, text):
    tmp = _temporary(path)
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def _coco(name, plan, fps, meta, bg_code, per_frame):
    images, annotations = [], []
    for frame, anns in enumerate(per_frame):
        images.append(dict(license=1, id=frame + 1, frame_id=frame,
                           file_name=f'{name}.mp4/{frame:06d}', width=plan.width,
                           height=plan.height, background=bg_code))
        for a in anns:
            annotations.append(dict(id=len(annotations) + 1, image_id=frame + 1, **a))
    info = dict(description='Synthetic animal footage in the AP-10K format (procedurally '
                'drawn)', synthetic=True, generator='clamp_mmpose.datasets.synthetic.footage',
                version='1.0', seed=plan.seed, video=f'{name}.mp4', fps=fps,
                num_frames=plan.num_frames)
    return dict(info=info, licenses=[dict(id=1, name='CC0 1.0 (generated data)',
                                          url='https://creativecommons.org/publicdomain/zero/1.0/')],
                images=images, annotations=annotations, categories=category_entries(meta))


def mot_text(plan):
    """The MOT-challenge ground truth of ``plan`` (``<name>.gt.txt``'s text)."""
    return ''.join(f'{f},{i},{x:.2f},{y:.2f},{w:.2f},{h:.2f},1,-1,-1,-1\n'
                   for f, i, x, y, w, h in plan.mot_rows())


def write_footage(out_dir, name='footage', num_frames=100, size=(640, 480), num_animals=3,
                  fps=25, seed=0, categories_file=None):
    """Plan, draw and write a video with its MOT and COCO ground truth (see the module).

    Args:
        out_dir (str): folder to write into (created if missing).
        name (str): the files' stem.
        num_frames, size, num_animals, seed: see :func:`~.footage_plan.plan_footage`.
        fps (float): frames per second written into the video.
        categories_file (str, optional): see :func:`~.ap10k_files.load_categories`.

    Returns:
        dict: ``video``, ``mot``, ``coco`` -> path written.
    """
    if fps <= 0 or not name or osp.basename(name) != name:
        raise ValueError(f'need fps > 0 and a plain file name; got fps={fps}, name={name!r}')
    meta = load_categories(categories_file)
    plan = plan_footage(meta['categories'], num_frames, size, num_animals, seed)
    os.makedirs(out_dir, exist_ok=True)
    paths = {k: osp.join(out_dir, f'{name}{ext}')
             for k, ext in (('video', '.mp4'), ('mot', '.gt.txt'), ('coco', '.coco.json'))}
    still, bg_code = _background(seed, plan.width, plan.height)
    tmp = _temporary(paths['video'])
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*FOURCC), float(fps),
                             (plan.width, plan.height))
    if not writer.isOpened():
        raise OSError(f'OpenCV cannot write {FOURCC} video to {tmp}')
    per_frame = []
    try:
        for frame in range(plan.num_frames):
            img, anns = render_frame(plan, frame, still)
            writer.write(img)
            per_frame.append(anns)
    finally:
        writer.release()
    os.replace(tmp, paths['video'])
    _write_text(paths['mot'], mot_text(plan))
    coco = _coco(name, plan, fps, meta, bg_code, per_frame)
    _write_text(paths['coco'], json.dumps(coco, separators=(',', ':')) + '\n')
    return paths
