"""Compiled kernels (Cython + OpenMP). Private: use fastdiff.grid / fastdiff.points.

Three builds of the grid kernels exist on x86-64: ``_grid`` (baseline),
``_grid_avx2`` (the same code compiled with -mavx2) and ``_grid_avx512``
(-mavx512f, 512-bit vectors).  ``grid_kernels`` is the best one this CPU
runs; ``FASTDIFF_KERNEL=baseline`` (or ``avx2``, ``avx512``) forces a
choice.  All give bitwise identical results.
"""
import importlib
import os
import warnings

#: libgomp's spin count (busy-wait iterations before an idle OpenMP thread
#: sleeps) when neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set.  libgomp's
#: own default (300,000: 0.1-0.3 ms of spinning after every parallel region)
#: made the default two-thread 1024^2 Laplacian 2.2-2.6x slower than one
#: thread while another process kept a core busy: the idle worker spins on
#: the core the main thread needs.  With 1,000 it measured 1.0-1.1x there,
#: and back-to-back calls (time stepping) run as fast as before; passive
#: waiting (0) costs a futex wake-up, +50 us, on every mid-size call.
SPINCOUNT = 1000
_WAIT_ENV = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def _libgomp_loaded():
    try:
        with open("/proc/self/maps") as maps:
            return "libgomp" in maps.read()
    except OSError:          # not Linux
        return False


#: how OpenMP threads wait: set in the environment, chosen by fastdiff, or
#: libgomp's defaults (loaded by another module before fastdiff; read once)
wait_policy = next((f"{k}={os.environ[k]} (environment)" for k in _WAIT_ENV
                    if k in os.environ), None)
_set_spin = False        # fastdiff puts GOMP_SPINCOUNT in the environment for the load
if wait_policy is None:
    if _libgomp_loaded():
        wait_policy = "libgomp's defaults (libgomp was loaded before fastdiff)"
    else:
        wait_policy = f"GOMP_SPINCOUNT={SPINCOUNT} (set by fastdiff when loading libgomp)"
        _set_spin = True
        # libgomp reads its environment once, when it is loaded by the first
        # kernel module; the variable is removed again so that nothing else
        # (child processes, other libraries) sees it
        os.environ["GOMP_SPINCOUNT"] = str(SPINCOUNT)
try:
    from . import _grid as _baseline
finally:
    if _set_spin:
        os.environ.pop("GOMP_SPINCOUNT", None)

__all__ = ["grid_kernels", "kernel_variant", "available_variants", "data_kernels",
           "wait_policy", "SPINCOUNT"]


def _build(name):
    """The grid kernels' ``name`` build ("avx2", "avx512"), or None when this
    CPU cannot run it or it was not built."""
    if not getattr(_baseline, f"cpu_has_{name}")():
        return None
    try:
        return importlib.import_module(f"{__name__}._grid_{name}")
    except ImportError:  # built without that instruction set
        return None


def _avx2_module():
    return _build("avx2")


def _avx512_module():
    return _build("avx512")


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
