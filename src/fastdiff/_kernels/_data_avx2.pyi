# Type stubs of fd.data's kernels, AVX2 build: the interface of _data.pyi.
from ._data import LIMITS as LIMITS, grid_eval as grid_eval, order_queries as order_queries
from ._data import outside_hull as outside_hull, scattered_eval as scattered_eval
