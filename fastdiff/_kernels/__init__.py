"""Compiled kernels (Cython + OpenMP). Private: use fastdiff.grid / fastdiff.points.

Two builds of the grid kernels exist on x86-64: ``_grid`` (baseline) and
``_grid_avx2`` (the same code compiled with -mavx2).  ``grid_kernels`` is
the best one this CPU runs; ``FASTDIFF_KERNEL=baseline`` (or ``avx2``)
forces a choice.
"""
import os

from . import _grid as _baseline

__all__ = ["grid_kernels", "kernel_variant", "available_variants"]


def _avx2_module():
    if not _baseline.cpu_has_avx2():
        return None
    try:
        from . import _grid_avx2
    except ImportError:  # built without AVX2 support
        return None
    return _grid_avx2


def available_variants():
    """The kernel builds this machine can run, best last."""
    return ["baseline"] + (["avx2"] if _avx2_module() is not None else [])


def _select():
    want = os.environ.get("FASTDIFF_KERNEL", "auto").strip().lower() or "auto"
    if want not in ("auto", "baseline", "avx2"):
        raise ImportError(f"FASTDIFF_KERNEL={want!r}: use 'auto', 'baseline' or 'avx2'")
    if want == "baseline":
        return _baseline, "baseline"
    avx2 = _avx2_module()
    if avx2 is not None:
        return avx2, "avx2"
    if want == "avx2":
        raise ImportError("FASTDIFF_KERNEL=avx2, but this CPU or build has no AVX2 kernels")
    return _baseline, "baseline"


grid_kernels, kernel_variant = _select()
