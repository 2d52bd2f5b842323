"""Keypoint codecs, registered in MMPose's KEYPOINT_CODECS registry on import."""
from .interior_refine_msra_heatmap import InteriorRefineMSRAHeatmap

__all__ = ['InteriorRefineMSRAHeatmap']
