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
        _dask_checks(u, num_threads, "v" if vector else "u")
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
        _dask_checks(u, num_threads, "u")
        return _dask.run_plan(plan, u, num_threads, alpha)
    if _masked.is_masked(u):
        return _masked.apply_plan(plan, u, out, alpha, beta, num_threads)
    return None


def _dask_checks(u, num_threads, name):
    """What a lazy result would only fail on at compute time: an unknown
    shape, a bad thread count."""
    V.dask_known_shape(u.shape, name)
    if num_threads is not None:
        V.num_threads(num_threads)
