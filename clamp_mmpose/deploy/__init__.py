"""Run an exported pose model with ONNX Runtime, numpy and OpenCV: no torch, no OpenMMLab stack.

    from clamp_mmpose.deploy import OnnxPoseModel
    model = OnnxPoseModel('exported/')            # the folder `clamp-mmpose export --onnx` wrote
    keypoints, scores = model.predict(cv2.imread('animal.jpg'), [[40, 60, 380, 300]])

The command line is ``clamp-mmpose infer MODEL_DIR IMAGE_OR_VIDEO --bboxes ... --out DIR``.
"""
from .runtime import DeployError, OnnxPoseModel, find_deploy_file

__all__ = ['DeployError', 'OnnxPoseModel', 'find_deploy_file']
