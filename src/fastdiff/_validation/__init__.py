"""Argument checking and normalisation for fastdiff; every error message lives here.

Errors are ValueError (bad value) or TypeError (bad type) and name the
argument, what was given and what is needed.  One module per area:
``_common`` (shared), ``_grid`` (fd.grid's arguments), ``_ops`` (operator
expressions, plans and their calls, the kernel's limits, fd.stencil's
offsets, the dask/xarray adapters), ``_points`` (fd.points' arguments and
what f returns) and ``_data`` (fd.data's arguments and engine limits).
Everything is re-exported here, so callers use ``from fastdiff import
_validation as V`` and ``V.name``.  The only raises left outside this package
are internal assertions (messages starting with "internal:").
"""
from . import _data, _ops, _points
from ._common import (MODES, _is_int, _real_array, check_acc, check_order,  # noqa: F401
                      max_ndim, num_threads, ordinal)
from ._data import *  # noqa: F401,F403
from ._grid import (_coords, _scalar_step, as_input, axes, axis, boundary,  # noqa: F401
                    check_points, components, curl_axes, cval, direction, out, shape,
                    spacing, time_coordinate, vector_field, dask_known_shape)
from ._ops import *  # noqa: F401,F403
from ._points import *  # noqa: F401,F403
from ._points import METHODS as POINTS_METHODS

__all__ = ["MODES", "check_acc", "check_order", "max_ndim", "num_threads", "ordinal",
           "POINTS_METHODS", "as_input", "axes", "axis", "boundary", "check_points",
           "components", "curl_axes", "cval", "direction", "out", "shape", "spacing",
           "time_coordinate", "vector_field", "dask_known_shape", "_coords", "_is_int",
           "_real_array", "_scalar_step",
           *_data.__all__, *_ops.__all__, *_points.__all__]
