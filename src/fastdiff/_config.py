"""Build and runtime configuration: ``openmp_enabled``, ``show_config``."""
from __future__ import annotations

import os
import platform
import sys
from typing import Any

import numpy as np

from . import _kernels
from ._kernels import _grid, kernel_variant
from ._validation._common import THREAD_CAP
from ._version import __version__

try:  # written by setup.py at build time
    from ._build_info import BUILD_INFO
except ImportError:  # pragma: no cover - source tree without a build
    BUILD_INFO = {"openmp": None, "debug": None, "compile_args": [], "link_args": [],
                  "compiler": "unknown"}


def openmp_enabled():
    """True when the compiled kernels use OpenMP threads.

    Examples
    --------
    >>> import fastdiff as fd
    >>> fd.openmp_enabled() in (True, False)
    True
    """
    return _grid.openmp_enabled()


#: the grid kernels' own limits (dims, taps, terms), as the kernel exports them
LIMITS = dict(_grid.LIMITS)


# fork safety: libgomp's thread pool does not survive fork(); a child forked
# after a kernel ran on a team hangs in its first multi-threaded region.  Any
# process that may have started a team (``max_threads`` returned more than 1)
# marks itself; its forked children then run every kernel on one thread.
_team_possible = False
_forked_child = False


def _after_fork_in_child():
    global _forked_child
    if _team_possible:
        _forked_child = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def forked_child():
    """True in a process forked from one whose kernels may have run on an
    OpenMP team: kernels run on one thread there."""
    return _forked_child


def max_threads():
    """OpenMP's current maximum thread count (1 in a serial build, and in a
    child forked after the parent ran kernels on several threads)."""
    global _team_possible
    if _forked_child:
        return 1
    # OpenMP's current maximum once omp_set_num_threads (threadpoolctl) has
    # changed it since import (OMP_NUM_THREADS overrode that call); until
    # then OMP_NUM_THREADS as it is now, or that maximum
    n = _grid.max_threads()
    if n == _startup_threads:
        env = _env_threads()
        if env is not None:
            n = min(env, THREAD_CAP)    # (capped as num_threads is)
    if n > 1:
        _team_possible = True
    return n


#: OpenMP's maximum when fastdiff was imported (see `max_threads`)
_startup_threads = _grid.max_threads()

# os.environ's raw mapping (no key encoding per lookup: this runs on every
# call, inside the few-microsecond budget of a reused plan)
_ENVIRON: Any = getattr(os.environ, "_data", None)
_OMP_KEY: Any = (os.environ.encodekey("OMP_NUM_THREADS")
                 if _ENVIRON is not None else None)
_env_cache: tuple = (None, None)


def _env_threads():
    """OMP_NUM_THREADS as it is now (OpenMP itself reads it once, at start-up;
    fastdiff reads it at every call), or None when unset or not a positive
    integer (its first entry, for a nested list like "4,2")."""
    global _env_cache
    raw = (_ENVIRON.get(_OMP_KEY) if _ENVIRON is not None
           else os.environ.get("OMP_NUM_THREADS"))
    if raw == _env_cache[0]:
        return _env_cache[1]
    text = raw.decode() if isinstance(raw, bytes) else (raw or "")
    first = text.split(",")[0].strip()
    value = min(int(first), 1 << 15) if first.isdigit() and int(first) > 0 else None
    _env_cache = (raw, value)
    return value


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def config():
    """The configuration as a dict (what `show_config` prints)."""
    return {
        "version": __version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "openmp": openmp_enabled(),
        "max_threads": max_threads(),
        "forked_child": forked_child(),
        "kernels": kernel_variant,
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "wait_policy": _kernels.wait_policy,
        "debug_build": BUILD_INFO.get("debug"),
        "compiler": BUILD_INFO.get("compiler"),
        "compile_args": " ".join(BUILD_INFO.get("compile_args", [])),
        "link_args": " ".join(BUILD_INFO.get("link_args", [])),
    }


def show_config(file=None):
    """Print the version, OpenMP on/off, thread count, compiler flags and CPU.

    Examples
    --------
    >>> import fastdiff as fd
    >>> fd.show_config()  # doctest: +ELLIPSIS
    version ...
    """
    cfg = config()
    width = max(len(k) for k in cfg)
    for k, v in cfg.items():
        print(f"{k:<{width}} : {v}", file=file)
