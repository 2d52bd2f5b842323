import pytest

from tests.helpers import BASELINE_RN50, CLAMP_RN50
from tests.helpers.models import config_and_checkpoint


@pytest.fixture(scope='session')
def tiny_clamp(synthetic_ap10k, tmp_path_factory):
    """(config, checkpoint) of the repository's CLAMP RN50 config, reduced, untrained."""
    return config_and_checkpoint(CLAMP_RN50, synthetic_ap10k,
                                 tmp_path_factory.mktemp('tiny_clamp'), 'clamp_tiny')


@pytest.fixture(scope='session')
def tiny_baseline(synthetic_ap10k, tmp_path_factory):
    """(config, checkpoint) of the repository's SimpleBaseline RN50 config, reduced."""
    return config_and_checkpoint(BASELINE_RN50, synthetic_ap10k,
                                 tmp_path_factory.mktemp('tiny_baseline'), 'baseline_tiny')
