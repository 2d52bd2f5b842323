"""Property-based tests of what the torch-free runtime is given: images, boxes, model folders and
image files. Every bad input is a DeployError that names it; every valid one (gray, BGRA and
16-bit images included) gives finite keypoints inside the box's crop. One tiny exported model
(the demo's CLAMP, 128x128) serves the whole module."""
import json
import os
import os.path as osp
import struct
import tempfile
import zlib

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from clamp_mmpose.deploy import DeployError, OnnxPoseModel, read_image
from clamp_mmpose.deploy.contract import REQUIRED_KEYS
from clamp_mmpose.deploy.inputs import MAX_BOX_SCALE
from clamp_mmpose.tools import infer
from tests.helpers.strategies import FUZZ, JSON, key_and_value

pytestmark = pytest.mark.timeout(300)  # a hang fails the test, not the whole run
WIDTH, HEIGHT = 64, 48  # of the image the box tests use
PIXEL_TYPES = (np.uint8, np.uint16, np.int8, np.int16, np.int32, np.float32, np.float64, bool)


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
    """The demo exported with MMPose's own MSRAHeatmap codec: what is checked here holds for
    either decoding rule, and the export of the demo's border-rule codec is not this
    module's concern."""
    from tests.helpers import export_demo_onnx
    return export_demo_onnx(tmp_path_factory.mktemp('fuzz_onnx'), decoder_type='MSRAHeatmap')


@pytest.fixture(scope='module')
def model(model_dir):
    return OnnxPoseModel(model_dir, num_threads=1)


@pytest.fixture(scope='module')
def photo():
    """A (48, 64, 3) uint8 image with coarse structure, the same in every test."""
    coarse = np.random.default_rng(0).integers(0, 256, (6, 8, 3), np.uint8)
    return cv2.resize(coarse, (WIDTH, HEIGHT), interpolation=cv2.INTER_LINEAR)


def crop_region(model, box):
    """(low, high) corners of the image region the keypoints of ``box`` may lie in: the box
    padded and widened to the input's aspect ratio, plus one heatmap pixel to the top left
    (where a keypoint whose heatmap has no positive value lands, as in MMPose)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    (iw, ih), padding = model.input_size, model.meta['bbox_padding']
    w, h = (x2 - x1) * padding, (y2 - y1) * padding
    w, h = max(w, h * iw / ih), max(h, w * ih / iw)
    center, size = np.array([x1 + x2, y1 + y2]) / 2, np.array([w, h])
    slack = 1e-4 * size + 1e-3
    return (center - size / 2 - size / np.asarray(model.heatmap_size) - slack,
            center + size / 2 + slack)


def assert_pose(model, keypoints, scores, boxes):
    k = len(model.keypoint_names)
    assert keypoints.shape == (len(boxes), k, 2) and scores.shape == (len(boxes), k)
    assert keypoints.dtype == scores.dtype == np.float32
    assert np.isfinite(keypoints).all() and np.isfinite(scores).all()
    for kpt, box in zip(keypoints, boxes):
        low, high = crop_region(model, box)
        assert (kpt >= low).all() and (kpt <= high).all(), (box, kpt, low, high)


# Images -------------------------------------------------------------------------------------

def random_image(height, width, channels, dtype, seed):
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels is None else (height, width, channels)
    if dtype is bool:
        return rng.integers(0, 2, shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    image = (rng.standard_normal(shape) * 100).astype(dtype)
    image.flat[::7] = np.nan
    return image


def reference_bgr8(image):
    """The conversion a person would write: 16 bits to 8 by /257, gray to three equal
    channels, alpha dropped."""
    if image.dtype == np.uint16:
        image = np.round(image / 257).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


@FUZZ
@given(height=st.integers(0, 40), width=st.integers(0, 40),
       channels=st.sampled_from([None, 1, 2, 3, 4, 5]), dtype=st.sampled_from(PIXEL_TYPES),
       mirrored=st.booleans(), seed=st.integers(0, 2 ** 32 - 1))
@example(height=0, width=0, channels=3, dtype=np.uint8, mirrored=False, seed=0)
@example(height=1, width=1, channels=3, dtype=np.uint8, mirrored=False, seed=0)
@example(height=1, width=1, channels=None, dtype=np.uint16, mirrored=False, seed=0)
@example(height=30, width=20, channels=4, dtype=np.uint8, mirrored=True, seed=0)
@example(height=30, width=20, channels=3, dtype=np.float32, mirrored=False, seed=0)
def test_any_image_gives_a_pose_or_a_named_error(
        model, height, width, channels, dtype, mirrored, seed):
    image = random_image(height, width, channels, dtype, seed)
    if mirrored:  # a view with a negative stride, as image[:, ::-1] gives
        image = image[:, ::-1]
    box = [[0, 0, max(width, 1), max(height, 1)]]
    valid = height and width and channels in (None, 1, 3, 4) and dtype in (np.uint8, np.uint16)
    event('valid' if valid else 'invalid')
    if not valid:
        with pytest.raises(DeployError, match='photo.png (is empty|has)'):
            model.predict(image, box, flip_test=False, image_name='photo.png')
        return
    keypoints, scores = model.predict(image, box, flip_test=False, image_name='photo.png')
    assert_pose(model, keypoints, scores, box)
    # The same pose as the image converted by hand.
    expected, expected_scores = model.predict(reference_bgr8(image), box, flip_test=False)
    np.testing.assert_array_equal(keypoints, expected)
    np.testing.assert_array_equal(scores, expected_scores)


@pytest.mark.parametrize('image,says', [
    (None, 'is NoneType, not an image'),
    ([[0, 0, 0]], 'is list, not an image'),
    (np.zeros((4, 4, 3, 1), np.uint8), 'has shape (4, 4, 3, 1)'),
    (np.zeros((0, 5, 3), np.uint8), 'is empty (5x0 pixels)'),
    (np.zeros((8, 8, 3), np.float32), 'has float32 pixels'),
    (np.zeros((2, 32767, 3), np.uint8), 'is 32767x2 pixels; OpenCV warps images of at most'),
])
def test_what_is_not_an_image_is_named(model, image, says):
    with pytest.raises(DeployError, match='photo.png') as info:
        model.predict(image, [[0, 0, 4, 4]], image_name='photo.png')
    assert says in str(info.value)


# Boxes --------------------------------------------------------------------------------------

def box_problem(box):
    """What is wrong with ``box`` by the runtime's rule, read independently (None: nothing):
    four finite numbers, at least a pixel wide and high, overlapping the image, at most
    MAX_BOX_SCALE times its larger side."""
    x1, y1, x2, y2 = box
    w, h, limit = x2 - x1, y2 - y1, MAX_BOX_SCALE * max(WIDTH, HEIGHT)
    if not np.isfinite(box).all():
        return 'is not a finite number'
    if not (w > 0 and h > 0):
        return 'is empty'
    if w < 1 or h < 1:
        return 'is under a pixel'
    if x2 <= 0 or y2 <= 0 or x1 >= WIDTH or y1 >= HEIGHT:
        return 'lies outside'
    if w > limit or h > limit:
        return 'times as large as'
    return None


ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)
NEAR = st.floats(-100, 200) | st.sampled_from([0.0, 1.0, float(WIDTH), float(HEIGHT)])
# Valid: a corner inside the image and a size of over a pixel.
PLAIN_BOX = (st.tuples(st.floats(0, WIDTH - 1), st.floats(0, HEIGHT - 1), st.floats(1.5, 120),
                       st.floats(1.5, 120))
             .map(lambda b: [b[0], b[1], b[0] + b[2], b[1] + b[3]]))
# Corner and size of any kind, or four floats of any kind.
ODD_BOX = (st.tuples(NEAR, NEAR, st.floats(-2, 160) | ANY_FLOAT, st.floats(-2, 160) | ANY_FLOAT)
           .map(lambda b: [b[0], b[1], b[0] + b[2], b[1] + b[3]])
           | st.lists(NEAR | ANY_FLOAT, min_size=4, max_size=4))
BOXES = st.lists(PLAIN_BOX, max_size=3) | st.lists(PLAIN_BOX | ODD_BOX, max_size=3)


@FUZZ
@given(boxes=BOXES, flip_test=st.booleans())
@example(boxes=[[0, 0, WIDTH, HEIGHT]], flip_test=True)
@example(boxes=[[-1e30, -1e30, 1e30, 1e30]], flip_test=False)
@example(boxes=[[0, 0, 1e308, 1e308]], flip_test=False)
@example(boxes=[[10, 10, 10.5, 20]], flip_test=False)
@example(boxes=[[float('nan'), 0, 10, 10]], flip_test=False)
@example(boxes=[[70, 0, 90, 10]], flip_test=False)
@example(boxes=[], flip_test=True)
def test_any_boxes_give_poses_inside_them_or_a_named_error(model, photo, boxes, flip_test):
    array = np.asarray(boxes, np.float64).reshape(-1, 4)
    problems = [(box, problem) for box in array if (problem := box_problem(box))]
    event(f'{len(array)} boxes, {problems[0][1] if problems else "all valid"}')
    if problems:
        box, problem = problems[0]
        with pytest.raises(DeployError, match=r'^box \[') as info:
            model.predict(photo, boxes, flip_test=flip_test)
        assert str(info.value).startswith(f'box {box.tolist()}') and problem in str(info.value)
        return
    keypoints, scores = model.predict(photo, boxes, flip_test=flip_test)
    assert_pose(model, keypoints, scores, array)


@FUZZ
@given(boxes=JSON)
def test_boxes_of_any_json_shape_give_a_pose_or_a_named_error(model, photo, boxes):
    try:
        keypoints, scores = model.predict(photo, boxes, flip_test=False)
    except DeployError as err:
        assert str(err).startswith(('box', 'boxes')), str(err)
        event('named error')
        return
    event('pose')
    assert_pose(model, keypoints, scores, np.asarray(boxes, np.float64).reshape(-1, 4))


# Model folders ------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def exported_files(model_dir):
    """(deploy JSON as a dict, ONNX bytes, ONNX path) of the module's model."""
    deploy = osp.join(model_dir, 'demo.deploy.json')
    with open(deploy) as f:
        meta = json.load(f)
    onnx_path = osp.join(model_dir, meta['onnx'])
    with open(onnx_path, 'rb') as f:
        return meta, f.read(), onnx_path


def load_folder(meta, onnx_bytes=None, onnx_link=None):
    """OnnxPoseModel of a new folder holding ``meta`` as demo.deploy.json and, as demo.onnx,
    ``onnx_bytes`` or a link to ``onnx_link``; the model's first pose, or the DeployError."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(osp.join(tmp, 'demo.deploy.json'), 'w') as f:
            json.dump(meta, f)
        if onnx_link:
            os.symlink(onnx_link, osp.join(tmp, 'demo.onnx'))
        else:
            with open(osp.join(tmp, 'demo.onnx'), 'wb') as f:
                f.write(onnx_bytes)
        try:
            loaded = OnnxPoseModel(tmp, num_threads=1)
        except DeployError as err:
            return str(err)
        image = np.full((40, 50, 3), 127, np.uint8)
        box = [[5, 5, 45, 35]]
        assert_pose(loaded, *loaded.predict(image, box), box)
        return loaded


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_a_truncated_or_garbage_onnx_file_is_named(exported_files, data):
    meta, onnx_bytes, _ = exported_files
    size = len(onnx_bytes)
    cut = data.draw(st.integers(0, size - 1) | st.integers(max(size - 64, 0), size - 1))
    junk = data.draw(st.binary(max_size=256))
    blob = data.draw(st.sampled_from([onnx_bytes[:cut], junk, junk + onnx_bytes[cut:]]))
    result = load_folder(meta, onnx_bytes=blob)
    event('named error' if isinstance(result, str) else 'loaded')
    if isinstance(result, str):  # else it loaded (a cut after the last field that matters)
        assert 'demo.onnx' in result, result


@settings(FUZZ, max_examples=30)
@given(key_value=st.data())
def test_a_deploy_file_with_any_value_under_any_key_loads_only_if_valid(
        exported_files, key_value):
    meta, _, onnx_path = exported_files
    key, value = key_value.draw(key_and_value(meta, REQUIRED_KEYS + ('precision', )))
    result = load_folder(dict(meta, **{key: value}), onnx_link=onnx_path)
    event('named error' if isinstance(result, str) else 'loaded')
    if isinstance(result, str):
        assert 'demo.deploy.json' in result and (
            f'"{key}"' in result or 'different exports' in result
            or 'no such file' in result), result


@pytest.mark.parametrize('threads', [-1, 1.5, '2', True])
def test_a_bad_thread_count_is_named(model_dir, threads):
    with pytest.raises(DeployError, match=f'num_threads={threads!r}: give a number'):
        OnnxPoseModel(model_dir, num_threads=threads)


def test_a_file_that_is_not_a_deploy_file_is_named(exported_files):
    _, _, onnx_path = exported_files
    with pytest.raises(DeployError, match='demo.onnx is not a \\*.deploy.json file'):
        OnnxPoseModel(onnx_path)


def test_the_exported_files_are_valid_and_the_graph_is_checked(exported_files):
    meta, _, onnx_path = exported_files
    assert not isinstance(load_folder(meta, onnx_link=onnx_path), str)
    message = load_folder(dict(meta, heatmap_size=[16, 16]), onnx_link=onnx_path)
    assert 'demo.onnx gives batchx17x32x32' in message.replace("'", ''), message


# Image files (clamp-mmpose infer) -----------------------------------------------------------

@pytest.fixture(scope='module')
def image_files(photo):
    """Encoded images: PNG, JPEG, 16-bit PNG, gray PNG and BGRA PNG."""
    wide = photo.astype(np.uint16) * 257
    alpha = np.dstack([photo, np.full(photo.shape[:2], 200, np.uint8)])
    return [cv2.imencode(ext, image)[1].tobytes() for ext, image in (
        ('.png', photo), ('.jpg', photo), ('.png', wide), ('.png', photo[..., 0]),
        ('.png', alpha))]


def corrupt(data, blob):
    """``blob``, or it cut short, overwritten in places or replaced by random bytes."""
    how = data.draw(st.sampled_from(['intact', 'truncate', 'overwrite', 'garbage']))
    event(how)
    if how == 'intact':
        return blob
    if how == 'garbage':
        return data.draw(st.binary(max_size=512))
    at = data.draw(st.integers(0, len(blob) - 1))
    if how == 'truncate':
        return blob[:at]
    junk = data.draw(st.binary(min_size=1, max_size=16))
    return blob[:at] + junk + blob[at + len(junk):]


@settings(FUZZ, max_examples=50)
@given(data=st.data())
def test_a_corrupt_image_file_reads_as_bgr8_or_is_named(image_files, data):
    blob = corrupt(data, data.draw(st.sampled_from(image_files)))
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'animal.png')
        with open(path, 'wb') as f:
            f.write(blob)
        try:
            image = read_image(path)
        except DeployError as err:
            assert str(err).startswith(f'{path} cannot be read as an image'), str(err)
            event('named error')
            return
    event('decoded')
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3 and image.size


def test_an_image_whose_header_claims_too_many_pixels_is_named(tmp_path):
    """OpenCV raises (not returns None) for a PNG claiming 100000 x 100000 pixels."""
    png = bytearray(cv2.imencode('.png', np.zeros((4, 4, 3), np.uint8))[1].tobytes())
    png[16:24] = struct.pack('>II', 100000, 100000)  # IHDR width, height
    png[29:33] = struct.pack('>I', zlib.crc32(bytes(png[12:29])))  # and its checksum
    path = tmp_path / 'huge.png'
    path.write_bytes(bytes(png))
    with pytest.raises(DeployError, match=r'huge.png cannot be read as an image \(OpenCV: .*'
                       r'CV_IO_MAX_IMAGE_PIXELS'):
        read_image(str(path))


@pytest.mark.parametrize('index', range(5), ids=['png', 'jpg', 'png16', 'gray', 'bgra'])
def test_every_kind_of_image_file_gives_a_pose(model, image_files, tmp_path, index):
    path = tmp_path / 'animal.png'
    path.write_bytes(image_files[index])
    image = read_image(str(path))
    assert image.shape == (HEIGHT, WIDTH, 3) and image.dtype == np.uint8
    box = [[4, 4, 60, 44]]
    assert_pose(model, *model.predict(image, box), box)


# capsys is read (and so emptied) once per example.
@settings(FUZZ, max_examples=8, suppress_health_check=list(FUZZ.suppress_health_check) + [
    HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_infer_on_a_corrupt_image_writes_a_pose_or_names_the_file(
        model_dir, image_files, data, capsys):
    blob = corrupt(data, data.draw(st.sampled_from(image_files)))
    box = data.draw(st.sampled_from([['--whole-image'], ['--bboxes', '4', '4', '60', '44'],
                                     ['--bboxes', 'nan', '4', '60', '44']]))
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'animal.png')
        with open(path, 'wb') as f:
            f.write(blob)
        code = infer.main([model_dir, path, *box, '--out', osp.join(tmp, 'out')])
        err = capsys.readouterr().err
        if 'nan' in box:
            assert code == 1
        if code == 1:  # (a damaged header can make the image smaller than the box)
            assert err.startswith((f'error: {path} cannot be read', 'error: box [')), err
            event('named error')
            return
        event('pose written')
        assert code == 0, err
        with open(osp.join(tmp, 'out', 'animal.json')) as f:
            written = json.load(f)
    assert np.asarray(written['frames'][0]['instances'][0]['keypoints']).shape == (17, 2)
