"""Keypoints smoothed over the frames of a video, per tracked animal: the One-Euro filter.

Per-frame pose estimates jitter by a pixel or two from frame to frame; averaging over time
removes the jitter but makes fast moves lag. The One-Euro filter (Casiez, Roussel and Vogel,
CHI 2012) is a low-pass filter whose cutoff rises with the signal's speed: slow signals are
smoothed hard (``min_cutoff``), fast ones followed closely (``beta``). Its state is a value
and a derivative per number, so it is cheap, and it needs no future frames (no delay).

:class:`KeypointSmoother` keeps one filter per track id (:mod:`.tracking` gives them), so each
animal is smoothed with its own history.
"""
import math

import numpy as np


def _alpha(te, cutoff):
    """Smoothing factor of an exponential filter with ``cutoff`` (Hz) at time step ``te`` (s)."""
    tau = 1.0 / (2 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / te)


class OneEuroFilter:
    """One-Euro filter over arrays of any fixed shape, each number filtered on its own.

    Args:
        min_cutoff (float): cutoff (Hz) of a still signal; lower smooths more.
        beta (float): cutoff rise per unit of speed (signal units per second); higher follows
            fast moves with less lag.
        d_cutoff (float): cutoff (Hz) of the filter on the speed estimate.

    Call it with each new sample and its time in seconds; the first sample passes unchanged.
    """

    def __init__(self, min_cutoff=0.5, beta=0.02, d_cutoff=1.0):
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(f'need min_cutoff > 0, d_cutoff > 0, beta >= 0; got {min_cutoff}, '
                             f'{d_cutoff}, {beta}')
        self.min_cutoff, self.beta, self.d_cutoff = float(min_cutoff), float(beta), float(d_cutoff)
        self.reset()

    def reset(self):
        """Forget the history: the next sample starts anew."""
        self.x = self.dx = self.t = None

    def __call__(self, x, t):
        """Filter sample ``x`` (array, the same shape every call) taken at time ``t`` (s)."""
        x = np.asarray(x, float)
        if self.x is None:
            self.x, self.dx, self.t = x.copy(), np.zeros_like(x), float(t)
            return x.copy()
        if x.shape != self.x.shape:
            raise ValueError(f'sample of shape {x.shape}; this filter holds {self.x.shape}')
        te = float(t) - self.t
        if te <= 0:  # the same instant again (or back in time): nothing new to filter
            return self.x.copy()
        dx = (x - self.x) / te
        self.dx = self.dx + _alpha(te, self.d_cutoff) * (dx - self.dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self.dx)
        tau = 1.0 / (2 * np.pi * cutoff)
        a = 1.0 / (1.0 + tau / te)
        self.x = self.x + a * (x - self.x)
        self.t = float(t)
        return self.x.copy()


class KeypointSmoother:
    """One-Euro smoothing of each tracked animal's keypoints.

    Args:
        fps (float): frames per second; times are ``frame_index / fps``.
        min_cutoff, beta, d_cutoff: see :class:`OneEuroFilter` (``beta`` per pixel/second).
        forget_after (int): frames a track may go unseen before its history is dropped; seen
            again later, it starts anew (and no state is kept for tracks that ended).
    """

    def __init__(self, fps=25, min_cutoff=0.5, beta=0.02, d_cutoff=1.0, forget_after=30):
        if fps <= 0 or forget_after < 0:
            raise ValueError(f'need fps > 0 and forget_after >= 0; got {fps}, {forget_after}')
        self.fps = float(fps)
        self.forget_after = int(forget_after)
        self.filter_settings = dict(min_cutoff=min_cutoff, beta=beta, d_cutoff=d_cutoff)
        OneEuroFilter(**self.filter_settings)  # settings checked now, not at the first track
        self.tracks = {}  # track id -> (OneEuroFilter, last frame seen)

    def smooth(self, track_ids, keypoints, frame_index):
        """Smooth one frame's keypoints.

        Args:
            track_ids (array-like): ``(N,)`` int track ids; -1 (untracked) passes unsmoothed.
            keypoints (array-like): ``(N, K, 2)`` keypoints in pixels.
            frame_index (int): the frame's index in the video (increasing).

        Returns:
            numpy.ndarray: ``(N, K, 2)`` float smoothed keypoints, in the input's order.
        """
        ids = np.asarray(track_ids, int).reshape(-1)
        kpts = np.asarray(keypoints, float)
        if kpts.ndim != 3 or kpts.shape[0] != len(ids) or kpts.shape[2] != 2:
            raise ValueError(f'need keypoints (N, K, 2) for {len(ids)} track ids, got '
                             f'{kpts.shape}')
        tracked = ids[ids >= 0]
        if len(np.unique(tracked)) != len(tracked):
            raise ValueError(f'a track id appears twice in one frame: {ids.tolist()}')
        out = kpts.copy()
        t = frame_index / self.fps
        for row, tid in enumerate(ids.tolist()):
            if tid < 0:
                continue
            filt, last = self.tracks.get(tid, (None, None))
            if filt is None or frame_index - last > self.forget_after:
                filt = OneEuroFilter(**self.filter_settings)
            out[row] = filt(kpts[row], t)
            self.tracks[tid] = (filt, frame_index)
        self.tracks = {k: v for k, v in self.tracks.items()
                       if frame_index - v[1] <= self.forget_after}
        return out

    def reset(self):
        """Forget every track (a new video)."""
        self.tracks = {}
