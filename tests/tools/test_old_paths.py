"""The library parts that moved out of the commands (issue #23) still import from their old
module paths for one release, with a DeprecationWarning naming the new home."""
import importlib

import pytest

MOVED = [
    ('clamp_mmpose.tools.export_onnx', 'export_onnx', 'clamp_mmpose.export.onnx_graph'),
    ('clamp_mmpose.tools.export_onnx', 'ImageToHeatmaps', 'clamp_mmpose.export.onnx_graph'),
    ('clamp_mmpose.tools.subpixel_deconv', 'rewrite_heatmap_head',
     'clamp_mmpose.export.subpixel_deconv'),
    ('clamp_mmpose.tools.export', 'export_inference_model', 'clamp_mmpose.export.inference_model'),
    ('clamp_mmpose.tools.complexity', 'inference_model_config',
     'clamp_mmpose.export.complexity'),
    ('clamp_mmpose.tools.complexity', 'model_complexity', 'clamp_mmpose.export.complexity'),
    ('clamp_mmpose.tools.convert_official', 'map_official_state_dict',
     'clamp_mmpose.converters.official'),
    ('clamp_mmpose.tools.score_maps', 'InstanceScoreMaps', 'clamp_mmpose.visualization.score_maps'),
    ('clamp_mmpose.utils.checkpoint_compat', 'patch_mmengine_checkpoint_loading',
     'clamp_mmpose.utils.safe_checkpoint'),
]


@pytest.mark.parametrize('old, name, new', MOVED)
def test_a_moved_name_imports_from_its_old_path_with_a_warning(old, name, new):
    with pytest.warns(DeprecationWarning, match=new.replace('.', r'\.')):
        value = getattr(importlib.import_module(old), name)
    assert value is getattr(importlib.import_module(new), name)


def test_an_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match='no_such_name'):
        importlib.import_module('clamp_mmpose.tools.export_onnx').no_such_name
