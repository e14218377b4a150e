# Type stubs of the grid kernels, AVX2 build (the interface of _grid.pyi,
# without the CPU probes).
from typing import Any

import numpy as np

LIMITS: dict[str, int]

def openmp_enabled() -> bool: ...
def max_threads() -> int: ...
def num_procs() -> int: ...

class Prepared:
    """One kernel call of a plan, prepared for one memory layout."""
    def __init__(self, ushape: tuple[int, ...], ustrides: tuple[int, ...],
                 real_dtype: np.dtype[Any], rshape: tuple[int, ...],
                 rstrides: tuple[int, ...], out_offsets: list[int], *args: Any) -> None: ...
    def run(self, u: np.ndarray, uoff: int, res: np.ndarray, roff: int,
            alpha: float = 1.0, beta: float = 0.0) -> None: ...
