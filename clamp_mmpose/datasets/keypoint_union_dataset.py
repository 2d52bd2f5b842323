"""MMPose's CombinedDataset with the keypoint layout computed from the keypoints' words."""
import copy
from typing import List, Optional, Sequence, Union

from mmengine.logging import print_log
from mmpose.datasets import CombinedDataset
from mmpose.registry import DATASETS

from ..keypoints import dataset_metainfo, map_to_layout, union_of


@DATASETS.register_module()
class KeypointUnionDataset(CombinedDataset):
    """Several data sets (or one) read into one keypoint layout, matched by keypoint words.

    Each data set gets MMPose's ``KeypointConverter`` into the layout, with the mapping computed
    from the words of its keypoints (see :mod:`clamp_mmpose.keypoints`); keypoints
    a data set does not label are invisible (weight 0) in its samples. The merge is logged as a
    table when the data set is built.

    Args:
        keypoints: the layout, as the CLAMP head's ``keypoint_names`` gives it:
            ``dict(union=[METAINFO, ...], same=None)`` for the union of several data sets, or
            one data set's ``dict(from_file=...)`` (e.g. the layout a model was trained with, to
            test it on another data set's shared keypoints).
        datasets: the data set configs, each read with its own metainfo.
        pipeline: the transforms after the keypoints are laid out (the usual top-down ones).
        sample_ratio_factor: as :class:`mmpose.datasets.CombinedDataset`.
    """

    def __init__(self,
                 keypoints: dict,
                 datasets: Sequence[dict],
                 pipeline: List[Union[dict, callable]] = [],
                 sample_ratio_factor: Optional[List[float]] = None,
                 **kwargs):
        layout, same = union_of(keypoints)
        laid_out = []
        for cfg in datasets:
            cfg = copy.deepcopy(dict(cfg))
            mapping = map_to_layout(layout, dataset_metainfo(cfg), same)
            if not mapping:
                raise ValueError(
                    f'{cfg["type"]} shares no keypoint words with the layout '
                    f'({", ".join(layout.words)}): give words for its keypoints in the layout\'s '
                    f'metainfo (words=dict(...)) or pair them with same=[...]')
            cfg['pipeline'] = list(cfg.get('pipeline') or []) + [
                dict(type='KeypointConverter', num_keypoints=layout.num_keypoints,
                     mapping=mapping)
            ]
            laid_out.append(cfg)
        print_log(f'Keypoint layout {layout.metainfo["dataset_name"]} '
                  f'({layout.num_keypoints} keypoints, merged by their words):\n'
                  f'{layout.table()}', logger='current')
        self.layout = layout
        super().__init__(metainfo=layout.metainfo, datasets=laid_out, pipeline=pipeline,
                         sample_ratio_factor=sample_ratio_factor, **kwargs)
