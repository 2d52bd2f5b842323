"""What the runtime accepts as an image and as boxes, checked before any of it reaches OpenCV.

An image is converted to what the crops need (H, W, 3) uint8 BGR where that is unambiguous: gray
(H, W) or (H, W, 1), BGRA (H, W, 4) and 16-bit pixels. Anything else (no array, empty, float or
other pixel types, other channel counts) is a :class:`DeployError` naming the image and the fix,
and so is a box that is not four finite numbers, is empty or under a pixel, lies outside the
image or is far larger than it.
"""
from typing import Any

import cv2
import numpy as np

from .contract import DeployError

# cv2.warpAffine (through cv2.remap) asserts that both images are under SHRT_MAX a side.
MAX_IMAGE_SIDE = 32766
# A box may reach beyond the image (MMPose pads it anyway), but not by more than this many times
# the image's larger side: such a box is in other units (or a bug), and its crop is all border.
MAX_BOX_SCALE = 10.0


def as_bgr8(image: Any, name: str = 'the image') -> np.ndarray:
    """(H, W, 3) uint8 BGR pixels of ``image``, a (H, W), (H, W, 1), (H, W, 3) or (H, W, 4)
    array of uint8 or uint16 (scaled to 0..255) pixels; the input itself where it already is."""
    if not isinstance(image, np.ndarray):
        raise DeployError(f'{name} is {type(image).__name__}, not an image: give a numpy array '
                          f'of H x W x 3 BGR pixels, as cv2.imread returns (None from cv2.imread '
                          f'means OpenCV could not read the file)')
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4))):
        raise DeployError(f'{name} has shape {image.shape}: give H x W x 3 BGR pixels (H x W '
                          f'gray and H x W x 4 BGRA images are converted)')
    height, width = image.shape[:2]
    if not height or not width:
        raise DeployError(f'{name} is empty ({width}x{height} pixels)')
    if max(height, width) > MAX_IMAGE_SIDE:
        raise DeployError(f'{name} is {width}x{height} pixels; OpenCV warps images of at most '
                          f'{MAX_IMAGE_SIDE} pixels a side: downscale it (and its boxes)')
    if image.dtype == np.uint16:
        image = (image / 257.0 + 0.5).astype(np.uint8)  # 0..65535 -> 0..255
    elif image.dtype != np.uint8:
        raise DeployError(
            f'{name} has {image.dtype} pixels: give uint8 (or uint16) BGR pixels. A float image '
            f'of 0..1 values converts with (image * 255).clip(0, 255).astype(np.uint8)')
    if image.ndim == 2:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(image)


def check_boxes(boxes: Any, width: int, height: int, name: str = 'the image') -> np.ndarray:
    """(N, 4) float64 boxes (x1, y1, x2, y2) in pixels of a ``width`` x ``height`` image, from
    an (N, 4) array or a flat list of 4N numbers; :class:`DeployError` for any bad box."""
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as err:
        raise DeployError(f'boxes {_short(boxes)} are not numbers ({err}): give N boxes as '
                          f'x1 y1 x2 y2 in pixels') from None
    if not ((array.ndim == 1 and array.size % 4 == 0)
            or (array.ndim == 2 and array.shape[1] == 4)):
        raise DeployError(f'boxes of shape {array.shape} ({_short(boxes)}): give N boxes as an '
                          f'N x 4 array (x1, y1, x2, y2 in pixels), or a flat list of 4N numbers')
    array = array.reshape(-1, 4)
    for box in array:
        _check_box(box, width, height, name)
    return array


def _check_box(box: np.ndarray, width: int, height: int, name: str) -> None:
    x1, y1, x2, y2 = box
    if not np.isfinite(box).all():
        raise DeployError(f'box {box.tolist()} has a coordinate that is not a finite number: '
                          f'give x1 y1 x2 y2 in pixels')
    if not (x2 > x1 and y2 > y1):
        raise DeployError(f'box {box.tolist()} is empty: give x1 y1 x2 y2 with x2 > x1 '
                          f'and y2 > y1')
    if x2 - x1 < 1 or y2 - y1 < 1:
        raise DeployError(f'box {box.tolist()} is under a pixel wide or high: give it in pixels '
                          f'of {name} ({width}x{height}), not normalised to 0..1')
    if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
        raise DeployError(f'box {box.tolist()} lies outside {name} ({width}x{height} pixels)')
    limit = MAX_BOX_SCALE * max(width, height)
    if x2 - x1 > limit or y2 - y1 > limit:
        raise DeployError(f'box {box.tolist()} is more than {MAX_BOX_SCALE:g} times as large as '
                          f'{name} ({width}x{height} pixels): give it in pixels of this image')


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


def read_image(path: str) -> np.ndarray:
    """The (H, W, 3) uint8 BGR pixels of an image file (gray, 16-bit and alpha converted by
    OpenCV), or a :class:`DeployError` naming the file if it cannot be read or decoded."""
    try:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
    except cv2.error as err:  # e.g. a header claiming more pixels than OpenCV allows
        raise DeployError(f'{path} cannot be read as an image (OpenCV: '
                          f'{str(err).strip()[-120:]})') from None
    if image is None:
        raise DeployError(f'{path} cannot be read as an image (OpenCV could not decode it)')
    return as_bgr8(image, path)
