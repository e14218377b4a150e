"""xarray DataArrays in fastdiff.grid: labelled in, labelled out.

``axes``/``axis`` may be dimension names; when ``spacing`` is not given it is
taken from each differentiated dimension's coordinate (uniform or not;
datetime64/timedelta64 coordinates in their own unit, e.g. per second for
``datetime64[s]``; a dimension without a numeric coordinate has step 1).  The result keeps the
dims and coords; gradients, Jacobians and Hessians get new leading dims
(``"axis"``, and ``"axis2"`` for the Hessian's second index) labelled with the
differentiated dimension names.  Dask-backed DataArrays stay lazy.
"""
from __future__ import annotations

from .. import _validation as V

import numpy as np


def is_xarray(a):
    return type(a).__name__ == "DataArray" and type(a).__module__.split(".")[0] == "xarray"


def _axis_index(da, a, name):
    if isinstance(a, str):
        return V.dimension_name(da.dims, a, name)
    return a


def _axes(da, axes, offset=0):
    if axes is None:
        return None
    if isinstance(axes, str) or not hasattr(axes, "__iter__"):
        axes = (axes,)          # (a bad one is left to the function's checks)
    out = []
    for a in axes:
        if isinstance(a, str):
            i = _axis_index(da, a, "axes") - offset
            if i < 0:
                raise V.not_component_dimension(a)
            a = i
        out.append(a)
    return tuple(out)


def _spacing(da, axes_idx, spacing, offset=0):
    """spacing as given, or each differentiated dim's coordinate values."""
    if spacing is not None:
        return spacing
    out = []
    for ax in axes_idx:
        if not isinstance(ax, (int, np.integer)) or not 0 <= ax + offset < da.ndim:
            out.append(1.0)     # (not an axis: the function's checks say so)
            continue
        dim = da.dims[ax + offset]
        c = da.coords.get(dim)
        v = None if c is None or c.ndim != 1 else np.asarray(c.values)
        if v is not None and v.dtype.kind in "iuf":
            out.append(np.asarray(v, dtype=np.float64))
        elif v is not None and v.dtype.kind in "mM":
            out.append(_time_coordinate(v, dim))
        else:
            out.append(1.0)
    return out


def _time_coordinate(v, dim):
    """A datetime64/timedelta64 coordinate as numbers in its own unit (a
    datetime coordinate was step 1 before: derivatives per hour step came
    out per step)."""
    V.time_coordinate(v, dim)
    return (v - v[0]).astype(np.int64).astype(np.float64)


def _norm_axes(da, axes, offset=0):
    nd = da.ndim - offset
    idx = _axes(da, axes, offset)
    if idx is None:
        return tuple(range(nd))
    return tuple(int(a) % nd if isinstance(a, (int, np.integer)) and -nd <= a < nd else a
                 for a in idx)


def _wrap(da, data, plan):
    """A DataArray of the plan's result: the field's dims, led by the plan's
    lead dims (``"axis"``/``"axis2"`` labelled with the differentiated dims'
    names, ``"component"`` taking the input's component dim)."""
    import xarray as xr
    vector = plan.ncomp is not None
    fdims = tuple(da.dims[1:]) if vector else tuple(da.dims)
    names = [fdims[a] for a in plan.axes]
    lead_dims, lead_coords = [], {}
    for label in plan.lead_labels:
        if label == "component":
            lead_dims.append(da.dims[0])
        else:
            lead_dims.append(label)
            lead_coords[label] = names
    dims = tuple(lead_dims) + fdims
    coords = {k: v for k, v in da.coords.items()
              if all(d in dims for d in v.dims) and not (vector and "component" not in
                                                          plan.lead_labels and
                                                          da.dims[0] in v.dims)}
    coords.update(lead_coords)
    return xr.DataArray(data, dims=dims, coords=coords, name=da.name, attrs=dict(da.attrs))


def apply(da, make_plan, out, num_threads, vector, kw):
    """A public grid function on a DataArray (see the module docstring)."""
    V.no_out(out, "xarray")
    kw = dict(kw)
    off = 1 if vector else 0
    if "axis" in kw:
        axis = _axis_index(da, kw["axis"], "axis")
        kw["axis"] = axis
        ax_idx = (axis % da.ndim,) if isinstance(axis, (int, np.integer)) else (axis,)
        sp = _spacing(da, ax_idx, kw.get("spacing"))
        kw["spacing"] = sp[0] if isinstance(sp, list) else sp
    elif "axes" in kw:
        ax_idx = _norm_axes(da, kw.get("axes"), off)
        kw["axes"] = ax_idx
        kw["spacing"] = _spacing(da, ax_idx, kw.get("spacing"), off)
    else:   # an operator expression: spacing per axis of the grid, from the
        # coordinates of the axes it differentiates (a non-monotonic station
        # coordinate on an axis it does not touch raised)
        used = getattr(make_plan, "axes", None)
        if used is None:
            used = range(da.ndim)
        else:
            used = {a % da.ndim for a in used if -da.ndim <= a < da.ndim}
        if kw.get("spacing") is None:   # (a coordinate it does not use is not read)
            kw["spacing"] = [_spacing(da, (a,), None)[0] if a in used else 1.0
                             for a in range(da.ndim)]
    if is_xarray(kw.get("direction")):
        kw["direction"] = kw["direction"].data
    plan, data = make_plan(da.data, kw)
    return _wrap(da, plan(data, num_threads=num_threads), plan)


def apply_plan(plan, da, out, alpha, beta, num_threads):
    """``plan(DataArray)``: the plan on its data, the result labelled like it."""
    V.no_out(out, "xarray", beta)
    return _wrap(da, plan(da.data, alpha=alpha, num_threads=num_threads), plan)
