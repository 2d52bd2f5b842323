"""Export of trained pose models (torch side): the inference checkpoint with stored prompts, the
ONNX graph and its ``.deploy.json``, the int8 graph and the sub-pixel rewrite of the deconv head.

What runs the exported graph, without torch, is :mod:`clamp_mmpose.deploy`. The submodules are
imported on use (``from clamp_mmpose.export.onnx_graph import export_onnx``), so importing this
package imports no torch.
"""
