"""Compiled kernels (Cython + OpenMP). Private: use fastdiff.grid / fastdiff.points.

Three builds of the grid kernels exist on x86-64: ``_grid`` (baseline),
``_grid_avx2`` (the same code compiled with -mavx2) and ``_grid_avx512``
(-mavx512f, 512-bit vectors).  ``grid_kernels`` is the best one this CPU
runs; ``FASTDIFF_KERNEL=baseline`` (or ``avx2``, ``avx512``) forces a
choice.  All give bitwise identical results.
"""
import os
import warnings

from . import _grid as _baseline

__all__ = ["grid_kernels", "kernel_variant", "available_variants", "data_kernels"]


def _avx2_module():
    if not _baseline.cpu_has_avx2():
        return None
    try:
        from . import _grid_avx2
    except ImportError:  # built without AVX2 support
        return None
    return _grid_avx2


def _avx512_module():
    if not _baseline.cpu_has_avx512():
        return None
    try:
        from . import _grid_avx512
    except ImportError:  # built without AVX-512 support
        return None
    return _grid_avx512


def available_variants():
    """The kernel builds this machine can run, best last."""
    return (["baseline"] + (["avx2"] if _avx2_module() is not None else [])
            + (["avx512"] if _avx512_module() is not None else []))


def _select():
    want = os.environ.get("FASTDIFF_KERNEL", "auto").strip().lower() or "auto"
    if want not in ("auto", "baseline", "avx2", "avx512"):
        warnings.warn(f"FASTDIFF_KERNEL={want!r} is not 'auto', 'baseline', 'avx2' or "
                      f"'avx512'; using 'auto'", RuntimeWarning, stacklevel=2)
        want = "auto"
    if want == "baseline":
        return _baseline, "baseline"
    builds = {"avx512": _avx512_module, "avx2": _avx2_module}
    for name in (["avx512", "avx2"] if want in ("auto", "avx512") else ["avx2"]):
        module = builds[name]()
        if module is not None:
            return module, name
        if name == want:
            warnings.warn(f"FASTDIFF_KERNEL={want}, but this CPU or build has no "
                          f"{name.upper()} kernels; using the best available one",
                          RuntimeWarning, stacklevel=2)
    return _baseline, "baseline"
    if want in ("auto", "avx512"):
        avx512 = _avx512_module()
        if avx512 is not None:
            return avx512, "avx512"
        if want == "avx512":
            warnings.warn("FASTDIFF_KERNEL=avx512, but this CPU or build has no AVX-512 "
                          "kernels; using the best available", RuntimeWarning, stacklevel=2)
    avx2 = _avx2_module()
    if avx2 is not None:
        return avx2, "avx2"
    if want == "avx2":
        warnings.warn("FASTDIFF_KERNEL=avx2, but this CPU or build has no AVX2 kernels; "
                      "using the baseline build", RuntimeWarning, stacklevel=2)
    return _baseline, "baseline"


grid_kernels, kernel_variant = _select()


def _data_select(variant):
    """fd.data's kernels: the AVX2 build where the grid kernels use AVX2 or
    AVX-512 (same CPU check, same FASTDIFF_KERNEL choice), else baseline."""
    if variant in ("avx2", "avx512"):
        try:
            from . import _data_avx2
            return _data_avx2
        except ImportError:  # built without AVX2 support
            pass
    from . import _data
    return _data


data_kernels = _data_select(kernel_variant)
