# Type stubs of the grid kernels, AVX2 build: the interface of _grid.pyi.
from ._grid import LIMITS as LIMITS, Prepared as Prepared, max_threads as max_threads
from ._grid import num_procs as num_procs, openmp_enabled as openmp_enabled
