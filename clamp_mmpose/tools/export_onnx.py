"""Deprecated, removed in the next release: ONNX export lives in
:mod:`clamp_mmpose.export.onnx_graph` (``_export_graph`` is now ``export_graph``)."""
from ..utils.deprecation import moved_names

__all__ = ['ImageToHeatmaps', 'LEGACY_ONNX_OPSET', 'ONNX_OPSET', 'calibration_crops',
           'deploy_metadata', 'export_graph', 'export_int8_graph', 'export_onnx', 'quantize_int8']
__getattr__ = moved_names(__name__, 'clamp_mmpose.export.onnx_graph', __all__)
