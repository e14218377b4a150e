"""Argument checking and normalisation for fastdiff; every error message lives here.

Errors are ValueError (bad value) or TypeError (bad type) and name the
argument, what was given and what is needed.  One module per area
(``_common``, ``_grid``, ``_points``, ``_data``); everything is re-exported
here, so callers use ``from fastdiff import _validation as V`` and ``V.name``.
"""
from ._common import (MODES, _is_int, _real_array, check_acc, check_order,  # noqa: F401
                      max_ndim, num_threads, ordinal)
from ._data import (data_cloud, data_coords, data_degree, data_directions,  # noqa: F401
                    data_orders, data_queries, data_smoothing, data_values)
from ._points import (METHODS as POINTS_METHODS, points_bounds,  # noqa: F401
                      points_direction, points_f, points_max_memory, points_method,
                      points_step, points_x)
from ._grid import (_coords, _scalar_step, as_input, axes, axis, boundary,  # noqa: F401
                    check_points, components, curl_axes, cval, direction, out, shape,
                    spacing,
                    vector_field)

__all__ = ["MODES", "check_acc", "check_order", "max_ndim", "num_threads", "ordinal",
           "data_cloud", "data_coords", "data_degree", "data_directions", "data_orders",
           "data_queries", "data_smoothing", "data_values", "POINTS_METHODS",
           "points_bounds", "points_direction", "points_f", "points_max_memory",
           "points_method", "points_step", "points_x", "as_input", "axes", "axis",
           "boundary", "check_points", "components", "curl_axes", "cval", "direction", "out", "shape",
           "spacing", "vector_field", "_coords", "_is_int", "_real_array", "_scalar_step"]
