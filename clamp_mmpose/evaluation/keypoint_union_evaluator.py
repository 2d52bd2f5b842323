"""Each data set's own metric, on the keypoints it shares with the model's layout."""
from typing import Sequence, Union

from mmengine.evaluator import BaseMetric, Evaluator
from mmpose.evaluation.evaluators import MultiDatasetEvaluator
from mmpose.registry import EVALUATORS

from ..keypoints import dataset_metainfo, map_to_layout, parsed_metainfo, union_of


@EVALUATORS.register_module()
class KeypointUnionEvaluator(MultiDatasetEvaluator):
    """MMPose's MultiDatasetEvaluator for models whose keypoints are a layout of words.

    Samples go to the metric of the data set they come from (``dataset_name``). Metrics that
    read the data set's own annotation files (COCO AP) get the predictions converted from the
    layout to the data set's keypoints, and ground truth limited to the keypoints the layout
    has; the others (PCK, AUC, EPE) compare in the layout, where keypoints the data set does not
    share are invisible. A metric without its own ``prefix`` reports under the data set's name
    (``ap10k/AP``, ``animalpose/AP``).

    Args:
        keypoints: the layout, as the CLAMP head's ``keypoint_names`` (see
            :class:`clamp_mmpose.datasets.KeypointUnionDataset`).
        metrics: one metric config per data set.
        datasets: the data set configs, in the same order.
    """

    def __init__(self, keypoints: dict, metrics: Sequence[Union[dict, BaseMetric]],
                 datasets: Sequence[dict]):
        if len(metrics) != len(datasets):
            raise ValueError(f'KeypointUnionEvaluator needs one metric per data set, got '
                             f'{len(metrics)} metrics for {len(datasets)} data sets')
        Evaluator.__init__(self, metrics)
        layout, same = union_of(keypoints)
        self.metrics_dict = {}
        for cfg, metric in zip(datasets, self.metrics):
            metainfo = dataset_metainfo(cfg)
            parsed = parsed_metainfo(metainfo)
            mapping = map_to_layout(layout, metainfo, same)
            if hasattr(metric, 'pred_converter'):
                count = parsed['num_keypoints']
                metric.pred_converter = dict(num_keypoints=count,
                                             mapping=[(u, i) for i, u in mapping])
                if len(mapping) < count:
                    metric.gt_converter = dict(num_keypoints=count,
                                               mapping=[(i, i) for i, _ in mapping])
            if metric.prefix == metric.default_prefix:
                metric.prefix = parsed['dataset_name']
            metric.dataset_meta = parsed
            self.metrics_dict[parsed['dataset_name']] = metric
