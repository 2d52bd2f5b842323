"""The frames of an input: one image, a folder of images (in name order) or a video."""
import glob
import os
import os.path as osp
from typing import Iterator, Tuple

import cv2
import numpy as np

from .contract import DeployError
from .inputs import as_bgr8, read_image

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v')
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


class FrameSource:
    """Frames of ``path`` as (H, W, 3) uint8 BGR arrays, in order.

    ``kind`` is ``'image'``, ``'folder'`` or ``'video'``; ``names`` the frames' names (file
    names, or ``<video>#<index>``); ``num_frames`` the count (for a video, the container's count,
    checked against the frames actually decoded); ``fps`` the video's rate (25 for images).
    An input that does not exist, an empty folder and a video OpenCV cannot open or that has no
    frames are :class:`DeployError` naming the path.
    """

    def __init__(self, path: str):
        self.path = path
        self.stem = osp.splitext(osp.basename(osp.normpath(path)))[0]
        self.fps = 25.0
        if osp.isdir(path):
            self.kind = 'folder'
            self.files = sorted(f for f in glob.glob(osp.join(glob.escape(path), '*'))
                                if f.lower().endswith(IMAGE_EXTENSIONS))
            if not self.files:
                raise DeployError(f'{path} holds no images ({", ".join(IMAGE_EXTENSIONS)})')
            self.names = [osp.basename(f) for f in self.files]
        elif not osp.isfile(path):
            raise DeployError(f'{path}: no such file or folder')
        elif path.lower().endswith(VIDEO_EXTENSIONS):
            self.kind = 'video'
            self._open_video()
        else:
            self.kind = 'image'
            self.files = [path]
            self.names = [osp.basename(path)]
        self.num_frames = len(self.names)

    def _open_video(self) -> None:
        if not os.path.getsize(self.path):
            raise DeployError(f'{self.path} is an empty file, not a video')
        video = cv2.VideoCapture(self.path)
        if not video.isOpened():
            raise DeployError(f'{self.path} cannot be opened as a video (OpenCV could not '
                              f'decode it)')
        self.fps = float(video.get(cv2.CAP_PROP_FPS) or 0) or 25.0
        count = int(video.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        ok, _ = video.read()
        video.release()
        if not ok:
            raise DeployError(f'{self.path} has no frames that OpenCV can read (an empty or '
                              f'damaged video)')
        self.names = [f'{osp.basename(self.path)}#{i}' for i in range(max(count, 1))]

    def __len__(self) -> int:
        return self.num_frames

    def __iter__(self) -> Iterator[Tuple[int, str, np.ndarray]]:
        """(frame index from 0, name, BGR image) for each frame."""
        if self.kind != 'video':
            for index, (file, name) in enumerate(zip(self.files, self.names)):
                yield index, name, read_image(file)
            return
        video = cv2.VideoCapture(self.path)
        index = 0
        try:
            while True:
                ok, frame = video.read()
                if not ok:
                    break
                yield index, f'{osp.basename(self.path)}#{index}', as_bgr8(frame, self.path)
                index += 1
        finally:
            video.release()
        # Containers may announce more frames than they hold; the rest of the pipeline uses
        # the count it actually read.
        self.num_frames = index
        self.names = self.names[:index]
