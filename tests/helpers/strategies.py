"""Hypothesis strategies and settings shared by the deploy tests (not a test module)."""
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Small, reproducible runs: no example database written into the work tree, the same examples
# on every machine (a failure prints the example that reproduces it).
FUZZ = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Any JSON value: what a damaged or foreign file can hold under a key.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=4),
    max_leaves=8)

ONNX_NAMES = ['a.onnx', 'sub/a.onnx', '../a.onnx', '/a.onnx', 'C:a.onnx', 'a/', '.', 'a\n.onnx']


def near(valid):
    """Values like ``valid`` (a value of a .deploy.json): the same kind, with items, lengths and
    types a little off, so that many are valid and the invalid ones are near misses."""
    if isinstance(valid, list):
        items = (st.sampled_from(valid) | near(valid[0])) if valid else JSON
        return st.lists(items, min_size=max(len(valid) - 1, 0), max_size=len(valid) + 1)
    if isinstance(valid, bool):
        return st.booleans() | st.integers(0, 1)
    if isinstance(valid, int):
        return st.integers(-1, valid + 1) | st.booleans() | st.just(float(valid))
    if isinstance(valid, float):
        return st.floats() | st.integers(-2, 2) | st.just(str(valid))
    return st.text(max_size=12) | st.sampled_from(ONNX_NAMES)


def key_and_value(meta: dict, keys):
    """(key, value): one of ``keys`` and any JSON value or a near miss of ``meta[key]``."""
    return st.sampled_from(list(keys)).flatmap(
        lambda key: st.tuples(st.just(key), JSON | near(meta.get(key, 'float32'))))
