"""Checks shared by every area: integers, ordinals, orders and accuracies,
threads, real arrays."""
from __future__ import annotations

import numbers
import os

import numpy as np

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


def as_array(x, name, what):
    """np.asarray(x), or a TypeError naming ``name`` and saying it must be
    ``what`` (strings, None and callables are never arrays here)."""
    if isinstance(x, (str, bytes)) or x is None or callable(x):
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}")
    try:
        return np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}") from exc


def _real_array(x, name, what="an array of real numbers"):
    """A float64 array of real numbers (no copy when it already is one)."""
    arr = as_array(x, name, what)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


#: the most threads a call runs: libgomp kills the process when it cannot
#: create a team (32768 did here), and more than 16 per CPU never pays
THREAD_CAP = max(64, 16 * (os.cpu_count() or 1))


def num_threads(n, name="num_threads"):
    """Threads for one call: None means OpenMP's maximum; n > 0 exactly n;
    n < 0 means cpu_count + 1 + n.  In a child forked after the parent ran
    kernels on several threads, always 1 (see ``_config.forked_child``)."""
    from .. import _config
    if n is None:
        return max(1, _config.max_threads())
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
        n = m
    top = THREAD_CAP
    if n > top:
        # (libgomp kills the process when it cannot create a team: 32768
        # threads did here; more than 16 per CPU never pays)
        raise ValueError(f"{name}={n} is more threads than fastdiff runs on "
                         f"{os.cpu_count() or 1} CPUs (at most {top})")
    if _config.forked_child():
        return 1
    if n > 1:
        _config._team_possible = True
    return n


def check_order(order):
    """An integer derivative order >= 1."""
    if isinstance(order, (bool, np.bool_)) or not isinstance(order, numbers.Integral):
        raise TypeError(f"order must be an integer >= 1, got {order!r}")
    order = int(order)
    if order < 1:
        raise ValueError(f"order must be an integer >= 1, got {order}")
    return order


def check_acc(acc):
    """An even accuracy order >= 2."""
    if isinstance(acc, (bool, np.bool_)) or not isinstance(acc, numbers.Integral):
        raise TypeError(f"acc must be an even integer >= 2, got {acc!r}")
    acc = int(acc)
    if acc < 2 or acc % 2:
        raise ValueError(f"acc must be an even integer >= 2, got {acc}")
    return acc


def masked_operand(a, name):
    """A masked array with masked entries cannot be a coefficient or a
    direction (its hidden values were used, silently)."""
    if np.ma.isMaskedArray(a) and np.ma.is_masked(a):
        raise TypeError(f"{name} is a masked array with masked entries; coefficients and "
                        f"directions must be complete (fill it first: .filled(value))")
