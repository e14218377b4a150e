"""The deterministic hypothesis profile and shared fixtures (the helpers are
in _helpers.py)."""
import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile(
    "fastdiff", derandomize=True, max_examples=40, deadline=None, database=None,
    print_blob=True)
settings.register_profile(
    "fastdiff-long", derandomize=True, max_examples=400, deadline=None, database=None)
settings.load_profile(os.environ.get("FASTDIFF_HYPOTHESIS_PROFILE", "fastdiff"))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
