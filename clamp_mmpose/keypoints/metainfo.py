"""MMPose metainfo as keypoint language reads it: parsed, its names in index order, and the one a
data set config is read with."""
from typing import List


def parsed_metainfo(metainfo: dict) -> dict:
    """A parsed MMPose metainfo, from a raw one, ``dict(from_file=...)`` or a parsed one (a
    ``words`` entry, this project's, is left out)."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    metainfo = {k: v for k, v in dict(metainfo).items() if k != 'words'}
    return metainfo if 'keypoint_id2name' in metainfo else parse_pose_metainfo(metainfo)


def metainfo_keypoint_names(parsed: dict) -> List[str]:
    """The keypoint names of a parsed metainfo, in index order."""
    return [parsed['keypoint_id2name'][i] for i in range(parsed['num_keypoints'])]


def dataset_metainfo(cfg: dict) -> dict:
    """The metainfo a data set config is read with: its ``metainfo``, else its class's (looked up
    in MMPose's ``DATASETS`` registry, where ``clamp_mmpose`` registers its own)."""
    if cfg.get('metainfo') is not None:
        return dict(cfg['metainfo'])
    from mmpose.registry import DATASETS
    return dict(DATASETS.get(cfg['type']).METAINFO)
