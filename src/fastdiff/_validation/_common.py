"""Checks shared by every area: integers, ordinals, threads, real arrays."""
from __future__ import annotations

import numbers
import os

import numpy as np

from .._stencil import _check_acc as check_acc, _check_order as check_order  # noqa: F401

MODES = ("one-sided", "periodic", "constant", "nearest", "reflect", "mirror")
_ALIASES = {"wrap": "periodic", "one_sided": "one-sided", "onesided": "one-sided",
            "grid-wrap": "periodic"}
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth",
             6: "sixth", 7: "seventh", 8: "eighth"}


def max_ndim():
    """The kernels' limit on dimensions (exported by the kernel module)."""
    from .._config import LIMITS
    return LIMITS["max_ndim"]


def ordinal(order):
    return _ORDINALS.get(order, f"order-{order}")


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _real_array(x, name, what="an array of real numbers"):
    if isinstance(x, (str, bytes)) or x is None or callable(x):
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


_max_threads = None


def num_threads(n, name="num_threads"):
    global _max_threads
    if n is None:
        if _max_threads is None:
            from .._config import max_threads as _max_threads
        return max(1, _max_threads())
    if not _is_int(n):
        raise TypeError(f"{name} must be None or a non-zero integer, got {n!r}")
    n = int(n)
    if n == 0:
        raise ValueError(f"{name} must be None or a non-zero integer, got 0")
    if n < 0:
        cpus = os.cpu_count() or 1
        m = cpus + 1 + n
        if m < 1:
            raise ValueError(f"{name}={n} leaves no threads on a machine with {cpus} CPUs "
                             f"(cpu_count + 1 + num_threads must be >= 1)")
        return m
    return n
