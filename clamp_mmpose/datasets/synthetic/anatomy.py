"""Part codes, keypoint names and the :class:`Animal` record that building fills in.

Rendering writes a label map beside the image: per pixel ``slot * SLOT + code`` of the part on
top, ``slot`` being the animal's index in the image. Keypoint visibility and the visible
bounding box are read from it.
"""
SLOT = 40
(BODY, NECK, HEAD, SNOUT, NOSE, TAIL, EAR_N, EAR_F, EYE_N, EYE_F, HORN_N, HORN_F, MANE, FACE,
 WING_N, WING_F) = range(1, 17)
# Legs (front/hind x near/far): codes of the upper segment, the lower segment and the paw.
LEG_CODES = {leg: (17 + 3 * i, 18 + 3 * i, 19 + 3 * i)
             for i, leg in enumerate(('fn', 'ff', 'hn', 'hf'))}

# AP-10K's 17 keypoints in order, written with near (n) and far (f) sides: whether left is
# near depends on the facing direction, which is chosen only when the animal is placed.
KEYPOINTS_NEAR_FAR = ('eye_{L}', 'eye_{R}', 'nose', 'neck', 'tail', 'sh_{L}', 'el_{L}',
                      'fp_{L}', 'sh_{R}', 'el_{R}', 'fp_{R}', 'hip_{L}', 'kn_{L}', 'bp_{L}',
                      'hip_{R}', 'kn_{R}', 'bp_{R}')


def limb_keypoint_names(leg):
    """Names of the root, middle and end keypoints of ``leg`` (``'fn'``, ``'hf'`` ...).

    Front legs: shoulder, elbow, front paw; hind legs: hip, knee, back paw.
    """
    names = ('sh_', 'el_', 'fp_') if leg[0] == 'f' else ('hip_', 'kn_', 'bp_')
    return tuple(n + leg[1] for n in names)


class Animal:
    """One individual in canonical space, ready to be placed and drawn.

    Attributes:
        parts (list[dict]): polygons back to front: ``code`` (part code), ``pts`` ``(N, 2)``
            or ``disc`` ``(cx, cy, r, min_radius_px)``, ``src`` (``'coat'`` for the coat
            texture or an RGB colour), ``shade`` (darkening factor, far side < 1),
            ``outline`` (draw a dark edge), ``alpha``.
        coat_ops (list[tuple]): the coat pattern in canonical space (see ``coats``).
        keypoints (dict): near/far keypoint name -> canonical point ``(2,)``.
        visibility (dict): near/far keypoint name -> list of visibility rules (see
            ``render.label_keypoints``).
        base (numpy.ndarray): the coat's base colour, RGB ``(3,)`` float.
        body_h (float): half-height of the body, for shading.
        category_id (int): AP-10K category id.
        pose (dict): the sampled pose (see ``poses``).
    """

    def __init__(self, category_id, base, body_h, pose):
        self.parts = []
        self.coat_ops = []
        self.keypoints = {}
        self.visibility = {}
        self.base = base
        self.body_h = body_h
        self.category_id = category_id
        self.pose = pose

    def add(self, code, pts=None, src='coat', shade=1.0, outline=True, disc=None, alpha=1.0):
        """Append a part on top of those added before."""
        self.parts.append(dict(code=code, pts=pts, disc=disc, src=src, shade=shade,
                               outline=outline, alpha=alpha))
