"""Run an exported pose model with ONNX Runtime, numpy and OpenCV: no torch, no OpenMMLab stack.

    from clamp_mmpose.deploy import OnnxPoseModel, read_image
    model = OnnxPoseModel('exported/')            # the folder `clamp-mmpose export --onnx` wrote
    keypoints, scores = model.predict(read_image('animal.jpg'), [[40, 60, 380, 300]])

An object detector exported by ``clamp-mmpose export-detector`` gives the boxes:

    from clamp_mmpose.deploy import Detector
    boxes, scores, labels = Detector('detector/').predict(image, score_thr=0.3)

The command line is ``clamp-mmpose infer MODEL_DIR IMAGE_OR_VIDEO --bboxes ... --out DIR``. A
damaged or foreign ``.deploy.json`` (:func:`validate_deploy_meta`), ONNX file, image or box is a
:class:`DeployError` that names it and the fix.
"""
from .contract import DeployError, read_deploy_file, validate_deploy_meta
from .detector import Detector
from .detector_contract import read_detector_file, validate_detector_meta
from .inputs import read_image
from .runtime import OnnxPoseModel, find_deploy_file

__all__ = ['DeployError', 'Detector', 'OnnxPoseModel', 'find_deploy_file', 'read_deploy_file',
           'read_detector_file', 'read_image', 'validate_deploy_meta', 'validate_detector_meta']
