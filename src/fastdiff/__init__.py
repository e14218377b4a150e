"""fastdiff: finite-difference derivatives at the speed of the hardware.

* ``fastdiff.grid``      -- derivatives of arrays sampled on grids
* ``fastdiff.points``    -- derivatives of callables at batches of points
* ``fastdiff.data``      -- derivatives of sampled data, anywhere
* ``fastdiff.stencil``   -- finite-difference weights (Fornberg)
* ``fastdiff.reference`` -- the pure-NumPy twin used to verify the kernels
"""
from ._version import __version__
from ._stencil import Stencil, stencil
from ._config import openmp_enabled, show_config
from . import data, grid, points, reference

__all__ = ["__version__", "Stencil", "stencil", "grid", "points", "data", "reference",
           "openmp_enabled", "show_config"]
