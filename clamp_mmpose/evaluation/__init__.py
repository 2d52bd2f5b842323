from .keypoint_union_evaluator import KeypointUnionEvaluator

__all__ = ['KeypointUnionEvaluator']
