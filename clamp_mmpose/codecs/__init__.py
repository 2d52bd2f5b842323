"""Keypoint codecs, registered in MMPose's KEYPOINT_CODECS registry on import."""
from .interior_refine_msra_heatmap import InteriorRefineMSRAHeatmap, refine_interior_peaks

__all__ = ['InteriorRefineMSRAHeatmap', 'refine_interior_peaks']
