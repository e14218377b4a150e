"""Every Examples section in the public modules runs and gives what it shows."""
import doctest

import pytest

import fastdiff
from fastdiff import _config, _stencil, data, grid, points, reference
from fastdiff.data import _api as data_api, _fit as data_fit
from fastdiff.grid import _api as grid_api, _ops as grid_ops, _plan as grid_plan
from fastdiff.points import _api as points_api


@pytest.mark.parametrize("module", [_stencil, _config, grid_api, grid_ops, grid_plan,
                                    points_api, reference, data_api, data_fit],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    res = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert res.attempted > 0, f"{module.__name__} has no examples"
    assert res.failed == 0


def test_every_public_function_has_examples():
    for mod in (grid, points, reference, data):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, type):
                assert "Examples" in (obj.__doc__ or ""), f"{mod.__name__}.{name}"
    for fn in (fastdiff.stencil, fastdiff.show_config, fastdiff.openmp_enabled):
        assert "Examples" in fn.__doc__
