"""dask arrays, xarray DataArrays and numpy masked arrays in fastdiff.grid:
one dispatch point.

The public functions and plans hand anything that is not an ndarray here.
The adapters receive a plan (or a way to make one from the data) and run it
-- per block for dask, on the wrapped data for xarray; they import nothing
from ``fastdiff.grid`` (plans carry what they need), and dask/xarray are
imported only when such an input arrives.
"""
from __future__ import annotations

from .. import _validation as V
from . import _dask, _masked, _xarray

__all__ = ["dispatch", "dispatch_plan", "is_dask", "is_xarray"]

is_dask = _dask.is_dask
is_xarray = _xarray.is_xarray


def dispatch(u, make_plan, out, num_threads, vector, kw):
    """Run a public function on a dask array, DataArray or masked array; None
    for other inputs.

    ``make_plan(data, kw)`` validates the arguments for ``data`` and returns
    ``(plan, data)`` (data converted to the plan's dtype).
    """
    if is_xarray(u):
        return _xarray.apply(u, make_plan, out, num_threads, vector, kw)
    if is_dask(u):
        V.no_out(out, "dask")
        V.dask_known_shape(u.shape, "v" if vector else "u")
        if num_threads is not None:
            V.num_threads(num_threads)      # (now, not inside a task at compute time)
        plan, data = make_plan(u, kw)
        return _dask.run_plan(plan, data, num_threads)
    if _masked.is_masked(u):
        return _masked.apply(u, make_plan, out, num_threads, kw)
    return None


def dispatch_plan(plan, u, out, alpha, beta, num_threads):
    """``plan(u, ...)`` for a dask array, DataArray or masked array; None for
    other inputs."""
    if is_xarray(u):
        return _xarray.apply_plan(plan, u, out, alpha, beta, num_threads)
    if is_dask(u):
        V.no_out(out, "dask", beta)
        V.dask_known_shape(u.shape, "u")
        if num_threads is not None:
            V.num_threads(num_threads)
        return _dask.run_plan(plan, u, num_threads, alpha)
    if _masked.is_masked(u):
        return _masked.apply_plan(plan, u, out, alpha, beta, num_threads)
    return None
