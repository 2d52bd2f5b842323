"""The .deploy.json contract: every foreign or damaged file is a DeployError that names the file,
the key and the fix (clamp_mmpose/deploy/contract.py; no model, no ONNX Runtime needed)."""
import copy
import json
import math
import os.path as osp
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clamp_mmpose.deploy import DeployError, read_deploy_file, validate_deploy_meta
from clamp_mmpose.deploy.contract import FORMAT, MAX_DEPLOY_BYTES, REQUIRED_KEYS, VERSION
from tests.helpers.strategies import FUZZ, JSON, key_and_value

SOURCE = 'models/animal.deploy.json'
FIX = 'export the model again'


def valid_meta() -> dict:
    """What `clamp-mmpose export --onnx` writes, for a 3-keypoint model."""
    return dict(format=FORMAT, version=VERSION, onnx='animal.onnx', input_size=[192, 256],
                heatmap_size=[48, 64], mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375], bgr_to_rgb=True, bbox_padding=1.25,
                keypoint_names=['nose', 'left_eye', 'right_eye'], flip_indices=[0, 2, 1],
                skeleton_links=[[0, 1], [0, 2]], flip_test=True, shift_heatmap=False,
                precision='float32', border_rule='interior')


def _error(meta) -> str:
    with pytest.raises(DeployError) as info:
        validate_deploy_meta(meta, SOURCE)
    return str(info.value)


def test_an_exports_contents_pass_unchanged():
    meta = valid_meta()
    assert validate_deploy_meta(copy.deepcopy(meta), SOURCE) == meta


def test_exports_from_before_int8_have_no_precision_and_read_as_float32():
    meta = valid_meta()
    del meta['precision']
    assert validate_deploy_meta(meta, SOURCE)['precision'] == 'float32'


def test_exports_from_before_the_border_rule_decode_as_mmpose():
    meta = valid_meta()
    del meta['border_rule']
    assert validate_deploy_meta(meta, SOURCE)['border_rule'] == 'per_axis'


def test_unknown_keys_are_kept_and_integers_read_as_numbers():
    meta = dict(valid_meta(), mean=[124, 116, 104], note='from a newer minor writer')
    checked = validate_deploy_meta(meta, SOURCE)
    assert checked['note'] == 'from a newer minor writer'
    assert checked['mean'] == [124.0, 116.0, 104.0]
    assert all(type(v) is float for v in checked['mean'])


@pytest.mark.parametrize('key', REQUIRED_KEYS)
def test_a_missing_key_is_named(key):
    meta = valid_meta()
    del meta[key]
    message = _error(meta)
    assert SOURCE in message and f'"{key}"' in message and FIX in message


# (key, value, what the message says besides the file, the key and the fix)
BAD_VALUES = [
    ('version', '1', 'must be a positive integer'),
    ('version', True, 'must be a positive integer'),
    ('version', 0, 'must be a positive integer'),
    ('onnx', '', 'non-empty string'),
    ('onnx', 7, 'non-empty string'),
    ('onnx', '/models/animal.onnx', 'absolute path'),
    ('onnx', 'C:\\models\\animal.onnx', 'absolute path'),
    ('onnx', '\\\\server\\share\\animal.onnx', 'absolute path'),
    ('onnx', '../animal.onnx', 'inside the folder'),
    ('onnx', 'sub/../../animal.onnx', 'inside the folder'),
    ('onnx', 'sub\\..\\..\\animal.onnx', 'inside the folder'),
    ('onnx', 'sub/', 'inside the folder'),
    ('onnx', 'animal\x00.onnx', 'control characters'),
    ('input_size', '256x192', 'must be a list'),
    ('input_size', [192], 'must hold 2 items'),
    ('input_size', [192, 0], 'item 1 must lie in [1, 8192]'),
    ('input_size', [192.0, 256], 'item 0 must be an integer'),
    ('input_size', [True, 256], 'item 0 must be an integer'),
    ('heatmap_size', [48, 10 ** 30], 'item 1 must lie in'),
    ('mean', [0, 0, float('nan')], 'item 2 must lie in'),
    ('mean', [0, 0, float('inf')], 'item 2 must lie in'),
    ('mean', [0, '0', 0], 'item 1 must be a number'),
    ('std', [1, 1, 0], 'item 2 must lie in'),
    ('std', [1, 1], 'must hold 3 items'),
    ('bgr_to_rgb', 1, 'must be true or false'),
    ('bbox_padding', 0, 'must lie in'),
    ('bbox_padding', None, 'must be a number'),
    ('bbox_padding', True, 'must be a number'),
    ('keypoint_names', [], 'at least one keypoint'),
    ('keypoint_names', ['nose', 3, 'ear'], 'item 1 must be a non-empty string'),
    ('keypoint_names', {'0': 'nose'}, 'must be a list'),
    ('flip_indices', [0, 1], 'must hold 3 items'),
    ('flip_indices', [0, 0, 1], 'permutation'),
    ('flip_indices', [0, 1, 3], 'item 2 must lie in [0, 2]'),
    ('skeleton_links', [[0, 5]], 'item 0 item 1 must lie in [0, 2]'),
    ('skeleton_links', [[0, 1, 2]], 'item 0 must hold 2 items'),
    ('skeleton_links', [0, 1], 'item 0 must be a list'),
    ('flip_test', 'true', 'must be true or false'),
    ('shift_heatmap', None, 'must be true or false'),
    ('precision', '', 'non-empty string'),
    ('border_rule', 'authors', 'must be one of "per_axis", "interior"'),
]


@pytest.mark.parametrize('key,value,says', BAD_VALUES,
                         ids=[f'{k}={v!r}' for k, v, _ in BAD_VALUES])
def test_a_bad_value_is_named_with_the_problem(key, value, says):
    message = _error(dict(valid_meta(), **{key: value}))
    assert SOURCE in message and f'"{key}"' in message and says in message, message
    assert FIX in message


@pytest.mark.parametrize('meta,says', [
    ([valid_meta()], 'holds an array, not a JSON object'),
    ('clamp', 'holds a string, not a JSON object'),
    (None, 'holds null, not a JSON object'),
    ({k: v for k, v in valid_meta().items() if k != 'format'}, 'has no "format" key'),
    (dict(valid_meta(), format='mmdeploy'), 'key "format" is "mmdeploy" (str), not "clamp-mmpose'),
])
def test_a_foreign_file_is_not_a_deploy_file(meta, says):
    message = _error(meta)
    assert message.startswith(SOURCE) and says in message and FIX in message, message


def test_a_newer_version_asks_for_a_newer_clamp_mmpose():
    message = _error(dict(valid_meta(), version=VERSION + 1))
    assert f'key "version" is {VERSION + 1}, a newer' in message
    assert f'reads (version {VERSION})' in message
    assert 'Upgrade clamp_mmpose' in message


def _conforms(meta: dict) -> bool:
    """An independent, type-only reading of the contract (ranges are left to the table above)."""
    def ints(v, n=None):
        return (isinstance(v, list) and (n is None or len(v) == n)
                and all(isinstance(i, int) and not isinstance(i, bool) for i in v))

    def floats(v):
        return isinstance(v, list) and len(v) == 3 and all(
            type(x) is float and math.isfinite(x) for x in v)

    k = len(meta['keypoint_names'])
    flags = ('bgr_to_rgb', 'flip_test', 'shift_heatmap')
    return (ints(meta['input_size'], 2) and ints(meta['heatmap_size'], 2)
            and floats(meta['mean']) and floats(meta['std'])
            and all(isinstance(meta[flag], bool) for flag in flags)
            and k > 0 and all(isinstance(n, str) for n in meta['keypoint_names'])
            and ints(meta['flip_indices'], k) and sorted(meta['flip_indices']) == list(range(k))
            and all(ints(link, 2) and 0 <= min(link) and max(link) < k
                    for link in meta['skeleton_links'])
            and isinstance(meta['onnx'], str) and isinstance(meta['precision'], str)
            and meta['border_rule'] in ('per_axis', 'interior'))


KEYS = REQUIRED_KEYS + ('precision', 'border_rule')


@settings(FUZZ, max_examples=100)  # pure and quick: 100 examples take about a second
@given(key_value=key_and_value(valid_meta(), KEYS))
def test_any_json_value_under_any_key_is_accepted_only_if_it_conforms(key_value):
    key, value = key_value
    meta = dict(valid_meta(), **{key: value})
    try:
        checked = validate_deploy_meta(meta, SOURCE)
    except DeployError as err:
        assert str(err).startswith(SOURCE) and f'"{key}"' in str(err), str(err)
        return
    assert _conforms(checked), (key, value)
    assert validate_deploy_meta(json.loads(json.dumps(checked)), SOURCE) == checked


@settings(FUZZ, max_examples=50)
@given(data=st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()))
def test_any_file_contents_are_a_named_deploy_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'x.deploy.json')
        with open(path, 'wb') as f:
            f.write(data)
        with pytest.raises(DeployError, match='x.deploy.json'):
            read_deploy_file(path)


@pytest.mark.parametrize('data,says', [
    (b'\xff\xfe{}', 'is not JSON'),
    (b'{"format": "clamp-mmpose-onnx", ', 'is not JSON'),
    (b'[' * 100000 + b']' * 100000, 'is not JSON (nested too deeply)'),
    (b' ' * (MAX_DEPLOY_BYTES + 1), 'is over 4 MiB'),
])
def test_unreadable_json_is_named(tmp_path, data, says):
    path = tmp_path / 'model.deploy.json'
    path.write_bytes(data)
    with pytest.raises(DeployError, match='model.deploy.json') as info:
        read_deploy_file(str(path))
    assert says in str(info.value)


def test_a_written_file_reads_back_and_a_folder_is_not_a_file(tmp_path):
    path = tmp_path / 'model.deploy.json'
    path.write_text(json.dumps(valid_meta()))
    assert read_deploy_file(str(path)) == valid_meta()
    folder = tmp_path / 'folder.deploy.json'
    folder.mkdir()
    with pytest.raises(DeployError, match='folder.deploy.json cannot be read'):
        read_deploy_file(str(folder))
