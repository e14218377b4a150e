"""Type aliases of the public API (annotations only; nothing is checked
here: the checks live in ``_validation``)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ArrayLike", "NDArray", "Array", "Spacing", "Boundary", "Axes", "Threads",
           "Function"]

#: a float64/float32/complex result array
Array = NDArray[Any]
#: a step for every axis, or per differentiated axis a step or coordinates
Spacing = Union[float, ArrayLike, Sequence[Union[float, ArrayLike]], None]
#: one boundary mode, or one per differentiated axis
Boundary = Union[str, Sequence[str]]
#: axes to differentiate (None: all)
Axes = Union[int, Sequence[int], None]
#: None (OpenMP's maximum), n > 0, or n < 0 (cpu_count + 1 + n)
Threads = Union[int, None]
#: a function of a batch of points: (M, n) -> (M,) or (M, m)
Function = Callable[..., Any]

_ = np  # (numpy is imported for the NDArray alias's users)
