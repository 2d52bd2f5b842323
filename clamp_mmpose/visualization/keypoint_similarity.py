"""Object keypoint similarity (OKS), the per-animal score behind COCO's and AP-10K's AP."""
import numpy as np


def object_keypoint_similarity(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray,
                               area: float, sigmas: np.ndarray) -> float:
    """OKS of one predicted pose (K, 2) against its ground truth (K, 2), as COCO's evaluation
    computes it: a Gaussian of each labelled keypoint's distance, scaled by the instance area
    and the keypoint's sigma, averaged over the labelled (``visible``) keypoints. NaN when no
    keypoint is labelled."""
    if not visible.any():
        return float('nan')
    variances = (2 * sigmas) ** 2
    squared_distances = ((pred - gt) ** 2).sum(-1)
    # np.spacing(1) keeps a zero-area instance finite, as pycocotools does.
    similarity = np.exp(-squared_distances / variances / (area + np.spacing(1)) / 2)
    return float(similarity[visible].mean())
